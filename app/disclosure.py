"""Small-count suppression for the reader at hand: `app.suppression` decides, this feeds and remembers.

A decision depends only on the statistics and on which villages the reader sees per household,
so it is kept per process until the statistics are rebuilt: a page or tile pays one small query.
"""

import threading
from collections import OrderedDict

from flask import current_app

from . import privacy, suppression
from .queries import disclosure as queries
from .queries import stats

_KEPT = 64  # decisions kept per process: one per distinct scope (gis, each cadre) and data version
_lock = threading.Lock()


def scope(user) -> tuple:
    """Return what a decision for `user` depends on besides the data: per indicator, the villages they see."""
    return tuple(sorted(privacy.known_villages(user).items()))


def for_user(user) -> suppression.Suppression:
    """Return which sensitive counts `user` may read (nothing withheld for roles that see the households)."""
    return for_scope(scope(user))


def for_scope(known: tuple) -> suppression.Suppression:
    """Return the suppression for a `scope` (cached until the statistics change)."""
    min_count = current_app.config["DISCLOSURE_MIN_COUNT"]
    if all(villages is None for _, villages in known):
        return suppression.Suppression(min_count)
    cache = current_app.extensions.setdefault("disclosure", OrderedDict())
    key = (stats.version(), known, min_count)
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    decided = suppression.suppress(queries.counts(), known=dict(known), min_count=min_count)
    with _lock:
        cache[key] = decided
        while len(cache) > _KEPT:
            cache.popitem(last=False)
    return decided
