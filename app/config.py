"""Configuration: defaults here, then the environment, then a test mapping."""

import os
from datetime import timedelta
from typing import ClassVar


class Defaults:
    """Settings every deployment starts from."""

    SQLALCHEMY_DATABASE_URI = "postgresql://minqing@127.0.0.1:55432/minqing"
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    # A streaming replica for reads (app/replica.py): None, or a URL like DATABASE_URL's.
    DATABASE_URL_READ = None
    # Reads leave the replica when it is further behind than this (seconds), or not streaming.
    DATABASE_READ_MAX_LAG = 5.0
    # A reader who wrote (any form) reads from the primary for this long after.
    READ_YOUR_WRITES_SECONDS = 30.0
    SECRET_KEY = None  # required: from the environment, or generated per process in dev
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # How long a process trusts a resolved login (session, token, Basic) before asking the database again.
    AUTH_CACHE_SECONDS = 10
    # Basemap: "none"; "tianditu" (served through /basemap so TIANDITU_KEY never reaches the
    # browser); or an XYZ template on the county network (http://10.0.0.5/{z}/{x}/{y}.png).
    # The map is readable without one.
    BASEMAP_URL = "none"
    BASEMAP_ATTRIBUTION = ""
    TIANDITU_KEY = ""
    TIANDITU_URL = (
        "https://t0.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
    )
    BASEMAP_CACHE_ITEMS = 5_000
    DEFAULT_LANGUAGE = "zh"
    # Every time shown or printed is in the county's zone (an IANA name).
    TIME_ZONE = "Asia/Shanghai"
    DEMO_HOUSEHOLDS = 170_000
    DEMO_SEED = 7
    # Vector tiles: household points from this zoom (aggregates below it); tiles kept per process.
    TILE_POINT_MIN_ZOOM = 14
    TILE_CACHE_ITEMS = 20_000
    # Tiles are rebuilt at most this long after the statistics change.
    TILE_VERSION_SECONDS = 1.0
    # OGC API - Features page sizes (items `limit`): the default and the most a client may ask for.
    OGC_DEFAULT_LIMIT = 100
    OGC_MAX_LIMIT = 10_000
    # Largest upload an import accepts (an .xlsx may unpack to at most 100 times its size).
    IMPORT_MAX_BYTES = 200 * 1024**2
    # Where uploads wait between preview and import; None: the instance folder's uploads/.
    IMPORT_UPLOAD_FOLDER = None
    # A running job whose worker is silent this long is shown as stalled and taken up by the next worker.
    JOB_STALE_SECONDS = 20.0
    # Proxies in front whose X-Forwarded-For/-Proto/-Host are believed (1 behind deploy/nginx); 0: none.
    PROXY_HOPS = 0


def from_environment() -> dict:
    """Return the settings the environment overrides."""
    env = os.environ
    settings = {}
    if "DATABASE_URL" in env:
        settings["SQLALCHEMY_DATABASE_URI"] = env["DATABASE_URL"]
    for name in (
        "SECRET_KEY",
        "BASEMAP_URL",
        "BASEMAP_ATTRIBUTION",
        "DEFAULT_LANGUAGE",
        "TIME_ZONE",
        "TIANDITU_KEY",
        "TIANDITU_URL",
        "IMPORT_UPLOAD_FOLDER",
    ):
        if name in env:
            settings[name] = env[name]
    for name in ("JOB_STALE_SECONDS", "DATABASE_READ_MAX_LAG", "READ_YOUR_WRITES_SECONDS"):
        if name in env:
            settings[name] = float(env[name])
    if "DATABASE_URL_READ" in env:
        settings["DATABASE_URL_READ"] = env["DATABASE_URL_READ"] or None
    if "PROXY_HOPS" in env:
        settings["PROXY_HOPS"] = int(env["PROXY_HOPS"])
    if "SESSION_HOURS" in env:
        settings["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=float(env["SESSION_HOURS"]))
    # Behind HTTPS the session cookie must never travel in clear: SESSION_COOKIE_SECURE=1.
    if env.get("SESSION_COOKIE_SECURE") in ("1", "true", "yes"):
        settings["SESSION_COOKIE_SECURE"] = True
    return settings
