"""Cursor chains: a listing of households is audited once, however many pages it takes.

The first page of a listing writes the audit row and states numberMatched. Every `next`
link carries a cursor holding the last key, signed with the app's secret and the time,
over the reader, the collection and the query it pages (every argument but cursor, limit,
crs and f, which change neither the features nor the fields read). A page whose cursor
verifies writes nothing. A cursor that does not verify (made up, altered, moved to another
query or reader, or older than `CURSOR_SECONDS`) still pages, but that page is audited as
a new listing: a cursor cannot hide a read, nor be kept to read the same pages again unseen.

A reader who begins the same listing again within `RESTART_SECONDS` is not audited
again: GDAL reads a first page to learn the layer's fields, then starts over to read
the layer. This memory is per process; behind several workers such a restart may
write a second row, never fewer.
"""

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from itsdangerous import URLSafeTimedSerializer

from ..errors import bad_parameter

RESTART_SECONDS = 60.0
CURSOR_SECONDS = 3600  # next links stay good this long; a reader back later is audited again
_NOT_THE_QUERY = frozenset({"cursor", "limit", "crs", "f"})


@dataclass(frozen=True)
class Position:
    """Where a page starts: after key `after`, from a cursor that verified or not."""

    after: str
    verified: bool


def _valid(data) -> bool:
    """Say whether a cursor's payload has our shape: {"k": a key without NUL}, nothing else."""
    if not (isinstance(data, dict) and set(data) == {"k"}):
        return False
    return isinstance(data["k"], str) and "\x00" not in data["k"]


class Chain:
    """The cursors of one reader's listing of one collection with one query."""

    def __init__(self, secret: str, *, reader: int, collection: str, args: Iterable[tuple[str, str]]):
        query = json.dumps(sorted((k, v) for k, v in args if k not in _NOT_THE_QUERY), ensure_ascii=False)
        self.key = (reader, collection, query)
        self._serializer = URLSafeTimedSerializer(secret, salt=f"ogc-cursor|{reader}|{collection}|{query}")

    def read(self, value: str | None) -> Position | None:
        """Return the position cursor `value` names; None when it is absent or empty (a first page).

        A cursor that is not one of ours at all is a 400 naming it.
        """
        if not value:
            return None
        verified, data = self._serializer.loads_unsafe(value, max_age=CURSOR_SECONDS)
        if not _valid(data):
            raise bad_parameter("cursor", value, "a cursor from a next link")
        return Position(data["k"], verified=verified)

    def write(self, after: str) -> str:
        """Return the signed cursor of the page after key `after`."""
        return self._serializer.dumps({"k": after})


class Listings:
    """The listings begun (and audited) in the last `RESTART_SECONDS`, in this process."""

    def __init__(self):
        self._until: dict[tuple, float] = {}
        self._lock = threading.Lock()

    def recent(self, key: tuple) -> bool:
        """Say whether listing `key` began lately."""
        now = time.monotonic()
        with self._lock:
            self._until = {k: until for k, until in self._until.items() if until > now}
            return key in self._until

    def remember(self, key: tuple) -> None:
        """Note that listing `key` began now."""
        with self._lock:
            self._until[key] = time.monotonic() + RESTART_SECONDS
