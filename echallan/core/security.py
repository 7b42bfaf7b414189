"""What every request passes through: rate limits, CSRF for cookie sessions, security headers.

- Rate limits (flask-limiter) on sign-in, citizen look-ups and contests (per address) and
  partner look-ups (per API key), counted in Redis when RATELIMIT_STORAGE_URI names it (shared
  by every worker and host), in memory otherwise; a breach is a 429 problem+json with
  Retry-After.
- CSRF: an unsafe request authenticated by the staff session cookie must come from this site
  (Origin or Referer, when the browser sends one) and carry the session's token in X-CSRFToken.
  Machine callers (API keys, device keys, 1Bill) send no cookie and are not checked.
- Headers: a strict Content-Security-Policy, no framing, no sniffing, HSTS in production.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

F = TypeVar("F", bound=Callable[..., Any])

API_KEY_HEADER = "X-Api-Key"
CSRF_HEADER = "X-CSRFToken"
SESSION_KEY = "sid"  # the staff session's token in the signed cookie
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Blueprints whose callers authenticate with a key in a header, never a cookie.
CSRF_EXEMPT_BLUEPRINTS = frozenset({"payments", "devices", "partners"})
# Signing in sends credentials, not the cookie: it gets the Origin check, not the token.
SIGN_IN_ENDPOINT = "session.Session"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # the pages' one <style> block and Swagger UI's computed styles
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin requests keep their Referer (the CSRF check may read it), others get none
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

DOCS_ASSETS = Path(__file__).resolve().parent.parent / "static" / "docs"


def address_key() -> str:
    """Count a caller by their address (behind proxies: see PROXY_FIX_X_FOR)."""
    return "ip:" + (get_remote_address() or "unknown")


def api_key_key() -> str:
    """Count a machine by its API key's id, so partners behind one gateway do not share.

    Only for views that require a key: a made-up key is refused there anyway, whereas on an
    open view it would buy a fresh count with every request.
    """
    header = request.headers.get(API_KEY_HEADER, "")
    return "key:" + header.split(".", 1)[0] if "." in header else address_key()


def provider_address_key() -> str:
    """Count a wallet provider's webhooks per provider and address.

    The webhooks are open views (the signature is checked inside), so a key read from the
    request would buy a fresh count; the provider in the path is fixed by the route.
    """
    provider = (request.view_args or {}).get("provider", "unknown")
    return f"wallet:{provider}:{address_key()}"


# One limiter per process: its decorators bind at import. Each create_app rebinds its storage,
# so of several apps built in one process (tests) the last one's storage counts for all.
limiter = Limiter(key_func=address_key, headers_enabled=True)
csrf = CSRFProtect()
docs_assets = Blueprint(
    "docs_assets", __name__, static_folder=DOCS_ASSETS, static_url_path="/api/v1/docs/assets"
)


def rate_limit(
    setting: str,
    scope: str | None = None,
    by_key: bool = False,
    key_func: Callable[[], str] | None = None,
) -> Callable[[F], F]:
    """Limit a view by the configured rate `setting`; views naming one `scope` share a count.

    Callers are counted by address, or by API key id with `by_key` (views that need a key), or
    by a view's own `key_func`.
    """
    value = lambda: current_app.config[setting]  # noqa: E731 (read per request: tests change it)
    key = key_func or (api_key_key if by_key else address_key)
    if scope:
        return limiter.shared_limit(value, scope=scope, key_func=key)  # type: ignore[return-value]
    return limiter.limit(value, key_func=key)  # type: ignore[return-value]


def allowed_origins() -> set[str]:
    """Return the origins that may send cookie-authenticated requests: this host and the named."""
    configured = [current_app.config.get("PORTAL_BASE_URL", "")]
    configured += current_app.config.get("CSRF_TRUSTED_ORIGINS", "").split(",")
    origins = {origin_of(url) for url in configured if url.strip()}
    return {origin_of(request.host_url), *origins} - {None}  # type: ignore[return-value]


def origin_of(url: str | None) -> str | None:
    """Return the scheme://host[:port] of a URL, or None for an empty or opaque one."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def check_origin() -> None:
    """Refuse a request whose browser says it comes from another site (403)."""
    claimed = request.headers.get("Origin")
    origin = claimed if claimed is not None else request.headers.get("Referer")
    if origin is None:
        return  # not a browser, or one that sends neither: the token still guards
    if origin_of(origin) not in allowed_origins():
        abort(403, description=f"cross-site request refused: {origin!r} is not this site")


def check_csrf() -> None:
    """Guard unsafe cookie-authenticated requests: same origin, and the session's CSRF token."""
    if request.method not in UNSAFE_METHODS or SESSION_KEY not in session:
        return
    if request.blueprint in CSRF_EXEMPT_BLUEPRINTS:
        return
    check_origin()
    if request.endpoint == SIGN_IN_ENDPOINT and request.method == "POST":
        return
    try:
        csrf.protect()
    except CSRFError as error:  # 403, not flask-wtf's 400: the request is forbidden, not bad
        abort(403, description=f"{error.description} Send it in the {CSRF_HEADER} header.")


def add_headers(response: Response) -> Response:
    """Add the security headers a view has not set itself."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    hsts = int(current_app.config.get("HSTS_SECONDS", 0))
    if hsts > 0:
        response.headers.setdefault(
            "Strict-Transport-Security", f"max-age={hsts}; includeSubDomains"
        )
    return response


def init_app(app: Flask) -> None:
    """Bind the limiter and CSRF protection, the docs assets and the header and CSRF hooks."""
    proxies = int(app.config.get("PROXY_FIX_X_FOR", 0))
    if proxies:  # behind N reverse proxies the caller's address is in X-Forwarded-For
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    limiter.init_app(app)
    csrf.init_app(app)
    app.register_blueprint(docs_assets)
    app.before_request(check_csrf)
    app.after_request(add_headers)
