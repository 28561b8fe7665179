"""Headers on every response: no sniffing, no framing, a Content-Security-Policy, no caching of people.

Scripts run only from this app's own files or from inline blocks carrying this
request's nonce (`csp_nonce()` in templates; `| nonced` marks the inline scripts in
Folium's trusted markup). Everything a map needs is served by the app itself, so
the policy holds offline too. Responses are `no-store` unless the view chose
otherwise (static files, tiles): pages, cards, search, API, OGC items, exports and
jobs carry personal data that must not stay in a shared office PC's cache.
"""

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g
from markupsafe import Markup


def csp_nonce() -> str:
    """Return this request's script nonce, making it on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def nonced(markup: str) -> Markup:
    """Return trusted markup (Folium's page header) with this request's nonce on each <script>."""
    return Markup(re.sub(r"<script(?=[\s>])", f'<script nonce="{csp_nonce()}"', str(markup)))


def _basemap_origin() -> str:
    """Return the origin of an XYZ basemap on another server (the county network's), or ''."""
    parts = urlsplit(current_app.config["BASEMAP_URL"] or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


def policy() -> str:
    """Return the Content-Security-Policy for the current response."""
    scripts = ["'self'"]
    if "csp_nonce" in g:
        scripts.append(f"'nonce-{g.csp_nonce}'")
    # leaflet-measure compiles its panels with underscore's _.template, i.e. new Function().
    scripts.append("'unsafe-eval'")
    images = " ".join(filter(None, ["'self' data: blob:", _basemap_origin()]))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {' '.join(scripts)}",
            # Folium writes <style> blocks, Leaflet and its plugins style attributes; styles run no code.
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def secure(response: Response) -> Response:
    """Add the security headers, and `no-store` where the view set no caching of its own."""
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Content-Security-Policy"] = policy()
    headers.setdefault("Cache-Control", "no-store")
    return response


def register(app: Flask) -> None:
    """Add the headers to every response and offer the nonce to templates."""
    app.after_request(secure)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.jinja_env.filters["nonced"] = nonced
