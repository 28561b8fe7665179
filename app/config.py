"""Configuration: defaults here, then the environment, then a test mapping."""

import os
from datetime import timedelta
from typing import ClassVar


class Defaults:
    """Settings every deployment starts from."""

    SQLALCHEMY_DATABASE_URI = "postgresql://minqing@127.0.0.1:55432/minqing"
    # A database host that drops packets would otherwise hold each request for minutes: give up after 5 s
    # and answer 503 (app.outages).
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {
        "pool_pre_ping": True,
        "connect_args": {"connect_timeout": 5},
    }
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
    # How long a process keeps a resolved user (role, villages) and a checked Basic password. Whether a
    # session, token or user is still valid is asked of the database on every request regardless.
    AUTH_CACHE_SECONDS = 10
    # API tokens expire after this many days unless issued with another lifetime.
    TOKEN_DAYS = 90
    # Failed logins: from the Nth failure of one account name (or one address), each further try waits
    # 1, 2, 4 … seconds, at most LOGIN_MAX_WAIT; failures are forgotten after LOGIN_FORGET_SECONDS quiet.
    LOGIN_ACCOUNT_FAILURES = 5
    LOGIN_ADDRESS_FAILURES = 10
    LOGIN_MAX_WAIT = 900
    LOGIN_FORGET_SECONDS = 3600
    # Behind nginx (or another proxy) the client's address is in X-Forwarded-For: the number of proxies
    # to trust, so login back-off and the audit log see the client rather than the proxy.
    PROXY_HOPS = 0
    # Longest value accepted where a request enters (app.entry), in characters; uploads are bounded by
    # IMPORT_MAX_BYTES instead.
    ENTRY_MAX_PATH_SEGMENT = 256
    ENTRY_MAX_QUERY_VALUE = 2_000
    ENTRY_MAX_QUERY_PARAMETERS = 100
    ENTRY_MAX_FORM_VALUE = 20_000
    ENTRY_MAX_HEADER = 8_190
    ENTRY_MAX_COOKIE = 4_096
    # Database or disk unavailable: clients are told to retry after this many seconds, and each kind of
    # failure is logged once per OUTAGE_LOG_SECONDS with a count of those not logged.
    OUTAGE_RETRY_AFTER = 30
    OUTAGE_LOG_SECONDS = 60
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
    # Small-count suppression (app.privacy): a reader who may not see a sensitive indicator per household
    # sees its count in an area only when at least this many households have it and this many do not.
    DISCLOSURE_MIN_COUNT = 5
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
    # Where finished jobs' files are kept (the web servers stream them, the workers write them; both must
    # share it); None: the instance folder's job-results/.
    JOB_RESULT_FOLDER = None
    # GET /export/<layer>.<fmt> of more rows than this (households for the user's scope) is queued as a job
    # and answered 303 to the job's page: no web worker holds a county export.
    EXPORT_SYNC_MAX_ROWS = 20_000
    # Photos of visits and demands (app.photos): kept in PHOTO_FOLDER (None: the instance folder's photos/),
    # never under static/; at most PHOTO_MAX_BYTES each; served as a copy of at most PHOTO_SERVED_PIXELS
    # on its long side without EXIF. A visit's photo taken farther than PHOTO_FAR_METRES from the
    # household is flagged (kept).
    PHOTO_FOLDER = None
    PHOTO_MAX_BYTES = 10 * 1024**2
    PHOTO_SERVED_PIXELS = 1600
    PHOTO_FAR_METRES = 500
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
        "JOB_RESULT_FOLDER",
        "PHOTO_FOLDER",
    ):
        if name in env:
            settings[name] = env[name]
    for name in ("JOB_STALE_SECONDS", "DATABASE_READ_MAX_LAG", "READ_YOUR_WRITES_SECONDS"):
        if name in env:
            settings[name] = float(env[name])
    if "DATABASE_URL_READ" in env:
        settings["DATABASE_URL_READ"] = env["DATABASE_URL_READ"] or None
    if "DISCLOSURE_MIN_COUNT" in env:
        settings["DISCLOSURE_MIN_COUNT"] = int(env["DISCLOSURE_MIN_COUNT"])
    for name in (
        "TOKEN_DAYS",
        "PROXY_HOPS",
        "EXPORT_SYNC_MAX_ROWS",
        "LOGIN_ACCOUNT_FAILURES",
        "LOGIN_ADDRESS_FAILURES",
    ):
        if name in env:
            settings[name] = int(env[name])
    if "SESSION_HOURS" in env:
        settings["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=float(env["SESSION_HOURS"]))
    # Behind HTTPS the session cookie must never travel in clear: SESSION_COOKIE_SECURE=1.
    if env.get("SESSION_COOKIE_SECURE") in ("1", "true", "yes"):
        settings["SESSION_COOKIE_SECURE"] = True
    return settings
