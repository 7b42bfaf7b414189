"""Every feature's blueprints: the REST API under /api/v1 and the web pages."""

from __future__ import annotations

from flask import Flask

from echallan.audit import api as audit_api
from echallan.challans import api as field_api
from echallan.challans import cancel_api, cancel_pages
from echallan.challans import pages as challan_pages
from echallan.citizens import api as citizens_api
from echallan.citizens import home
from echallan.citizens import pages as citizen_pages
from echallan.citizens import staff_api as citizen_decisions_api
from echallan.clips import api as cameras_api
from echallan.core.extensions import api
from echallan.devices import api as devices_api
from echallan.devices import heartbeat_api
from echallan.devices import pages as device_pages
from echallan.observability import pages as observability_pages
from echallan.partners import api as partners_api
from echallan.payments import api as payments_api
from echallan.payments import pages as wallet_pages
from echallan.payments import wallet_api
from echallan.reports import pages as report_pages
from echallan.review import api as police_api
from echallan.review import pages as review_pages
from echallan.staff import admin_api as staff_admin_api
from echallan.staff import admin_pages, supervisor_pages
from echallan.staff import api as session_api
from echallan.staff import pages as staff_pages

API_MODULES = (
    cameras_api,
    session_api,
    police_api,
    citizens_api,
    citizen_decisions_api,
    partners_api,
    payments_api,
    wallet_api,
    heartbeat_api,
    devices_api,
    field_api,
    cancel_api,
    audit_api,
    staff_admin_api,
)


def init_app(app: Flask) -> None:
    """Register the API blueprints, the security schemes and the page blueprints."""
    api.init_app(app)
    api.spec.components.security_scheme(
        "ApiKey", {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
    )
    api.spec.components.security_scheme(
        "StaffSession", {"type": "apiKey", "in": "cookie", "name": "session"}
    )
    # With the cookie, unsafe methods also need the session's CSRF token (GET /api/v1/session).
    api.spec.components.security_scheme(
        "CsrfToken", {"type": "apiKey", "in": "header", "name": "X-CSRFToken"}
    )
    for module in API_MODULES:
        api.register_blueprint(module.blp)
    app.register_blueprint(home.bp)
    app.register_blueprint(citizen_pages.bp)
    app.register_blueprint(observability_pages.bp)
    app.register_blueprint(staff_pages.bp)
    app.register_blueprint(device_pages.bp)
    app.register_blueprint(challan_pages.bp)
    app.register_blueprint(cancel_pages.bp)
    app.register_blueprint(report_pages.bp)
    app.register_blueprint(supervisor_pages.bp)
    app.register_blueprint(admin_pages.bp)
    app.register_blueprint(review_pages.bp)
    app.register_blueprint(wallet_pages.bp)
