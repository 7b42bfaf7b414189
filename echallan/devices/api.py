"""The control room's operations API over the camera network's health.

`/api/v1/ops/...`: staff (session) read sites, devices, alerts and the uptime report and
acknowledge alerts; administrators register sites, boxes and camera devices.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields, validate

from echallan.core import clock, deps
from echallan.core.api import (
    ApiSchema,
    Blueprint,
    BoundedDateTime,
    document_problems,
    id_path,
    offset_field,
)
from echallan.core.auth import actor, require_role
from echallan.devices import operations as devices
from echallan.devices import reports as device_reports
from echallan.staff.models import Role

blp = Blueprint(
    "device_ops",
    __name__,
    url_prefix="/api/v1/ops",
    description="Operations: camera network health, alerts and the uptime (SLA) report",
)
STAFF = (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)
STAFF_SESSION = [{"StaffSession": []}]


class SiteInSchema(ApiSchema):
    """A junction to register."""

    id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(load_default="")
    lat = fields.Float(load_default=None, allow_none=True)
    lon = fields.Float(load_default=None, allow_none=True)
    address = fields.String(load_default="")


class SiteSchema(ApiSchema):
    """A junction and how it is enforced (manual when no camera can enforce)."""

    id = fields.String()
    name = fields.String()
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    address = fields.String()
    mode = fields.String(metadata={"enum": ["auto", "manual"]})
    mode_changed_at = fields.AwareDateTime(allow_none=True)


class DeviceStatusSchema(ApiSchema):
    """A device's live condition."""

    online = fields.Boolean()
    last_seen_at = fields.AwareDateTime(allow_none=True)
    clock_trusted = fields.Boolean()
    can_enforce = fields.Boolean()
    runtime_minutes = fields.Float(allow_none=True)


class DeviceSchema(ApiSchema):
    """A box or camera with its registration, last readings and live status."""

    id = fields.String()
    kind = fields.String(metadata={"enum": ["box", "camera"]})
    site_id = fields.String(allow_none=True)
    box_id = fields.String(allow_none=True)
    name = fields.String()
    registered_lat = fields.Float(allow_none=True)
    registered_lon = fields.Float(allow_none=True)
    battery_capacity_wh = fields.Float(allow_none=True)
    load_w = fields.Float(allow_none=True)
    heartbeat_interval_s = fields.Float()
    commissioned_at = fields.AwareDateTime(allow_none=True)
    last_heartbeat_at = fields.AwareDateTime(allow_none=True)
    last_clip_at = fields.AwareDateTime(allow_none=True)
    frames_seen_at = fields.AwareDateTime(allow_none=True)
    clock_offset_s = fields.Float(allow_none=True)
    mains_on = fields.Boolean(allow_none=True)
    battery_pct = fields.Float(allow_none=True)
    door_open = fields.Boolean(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    temperature_c = fields.Float(allow_none=True)
    uptime_s = fields.Integer(allow_none=True)
    heartbeats_received = fields.Integer()
    down_since = fields.AwareDateTime(allow_none=True)
    status = fields.Method("get_status", metadata={"type": "object"})

    def get_status(self, device: Any) -> dict[str, Any]:
        """Describe the device's live condition now."""
        health = deps.current().settings.health
        return DeviceStatusSchema().dump(device_reports.device_status(device, clock.now(), health))


class SiteDetailSchema(SiteSchema):
    """A junction with its boxes and cameras."""

    devices = fields.List(fields.Nested(DeviceSchema))


class DeviceInSchema(ApiSchema):
    """A box, or a camera's device row (the camera must be registered with its calibration)."""

    id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    kind = fields.String(required=True, validate=validate.OneOf(["box", "camera"]))
    site_id = fields.String(metadata={"description": "boxes: the junction"})
    box_id = fields.String(metadata={"description": "cameras: the box they hang off"})
    name = fields.String(load_default="")
    lat = fields.Float(load_default=None, allow_none=True)
    lon = fields.Float(load_default=None, allow_none=True)
    battery_capacity_wh = fields.Float(load_default=None, allow_none=True)
    load_w = fields.Float(load_default=None, allow_none=True)
    heartbeat_interval_s = fields.Float(load_default=30.0)
    issue_key = fields.Boolean(
        load_default=False, metadata={"description": "also create a device key (shown once)"}
    )


class DeviceCreatedSchema(DeviceSchema):
    """A registered device, with its key when one was asked for."""

    api_key = fields.String(allow_none=True)


class DeviceArgsSchema(ApiSchema):
    """Filters for the device list."""

    kind = fields.String(validate=validate.OneOf(["box", "camera"]))
    site_id = fields.String()
    box_id = fields.String()
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))
    offset = offset_field()


class AlertSchema(ApiSchema):
    """A device alert."""

    id = fields.Integer()
    device_id = fields.String()
    box_id = fields.String(allow_none=True)
    rule = fields.String()
    severity = fields.String()
    status = fields.String(metadata={"enum": ["firing", "acknowledged", "resolved"]})
    detail = fields.String()
    opened_at = fields.AwareDateTime()
    last_notified_at = fields.AwareDateTime()
    notifications = fields.Integer()
    clear_since = fields.AwareDateTime(allow_none=True)
    flaps = fields.Integer()
    acknowledged_by = fields.String(allow_none=True)
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)


class AlertArgsSchema(ApiSchema):
    """Filters for the alert list."""

    include_resolved = fields.Boolean(load_default=False)
    device_id = fields.String()
    rule = fields.String()
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class UptimeArgsSchema(ApiSchema):
    """The SLA period."""

    start = BoundedDateTime(required=True)
    end = BoundedDateTime(required=True)
    kind = fields.String(load_default="camera", validate=validate.OneOf(["box", "camera"]))


class UptimeSchema(ApiSchema):
    """A device's uptime over the period (None when it was not in service)."""

    device_id = fields.String()
    site_id = fields.String(allow_none=True)
    box_id = fields.String(allow_none=True)
    period_s = fields.Float()
    down_s = fields.Float()
    outages = fields.Integer()
    ratio = fields.Float(allow_none=True)


@blp.route("/sites")
class Sites(MethodView):
    """Junctions."""

    @blp.doc(security=STAFF_SESSION)
    @blp.response(200, SiteSchema(many=True))
    @document_problems(blp, 401, 403)
    @require_role(*STAFF)
    def get(self) -> Any:
        """List junctions and their enforcement mode."""
        return device_reports.list_sites()

    @blp.doc(security=STAFF_SESSION)
    @require_role(Role.ADMIN)
    @blp.arguments(SiteInSchema)
    @blp.response(201, SiteSchema)
    @document_problems(blp, 401, 403, 409, 422)
    def post(self, data: dict[str, Any]) -> tuple[Any, int]:
        """Register a junction (administrators)."""
        return devices.register_site(data.pop("id"), actor(), **data), 201


@blp.route("/sites/<site_id>")
class SiteDetail(MethodView):
    """One junction."""

    @blp.doc(security=STAFF_SESSION)
    @blp.response(200, SiteDetailSchema)
    @document_problems(blp, 401, 403, 404)
    @require_role(*STAFF)
    def get(self, site_id: str) -> Any:
        """Show a junction with its boxes and cameras."""
        return device_reports.site_detail(site_id)


@blp.route("/devices")
class Devices(MethodView):
    """Boxes and cameras."""

    @blp.doc(security=STAFF_SESSION)
    @require_role(*STAFF)
    @blp.arguments(DeviceArgsSchema, location="query")
    @blp.response(200, DeviceSchema(many=True))
    @document_problems(blp, 401, 403, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """List devices with their last readings and live status."""
        return device_reports.list_devices(**args)

    @blp.doc(security=STAFF_SESSION)
    @require_role(Role.ADMIN)
    @blp.arguments(DeviceInSchema)
    @blp.response(201, DeviceCreatedSchema)
    @document_problems(blp, 401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any]) -> tuple[Any, int]:
        """Register a box, or a registered camera's device row (administrators)."""
        return devices.register_device(data, actor(), clock.now()), 201


@blp.route("/devices/<device_id>")
class DeviceDetail(MethodView):
    """One device."""

    @blp.doc(security=STAFF_SESSION)
    @blp.response(200, DeviceSchema)
    @document_problems(blp, 401, 403, 404)
    @require_role(*STAFF)
    def get(self, device_id: str) -> Any:
        """Show a device with its last readings and live status."""
        return devices.get_device(device_id)


@blp.route("/alerts")
class Alerts(MethodView):
    """Device alerts."""

    @blp.doc(security=STAFF_SESSION)
    @require_role(*STAFF)
    @blp.arguments(AlertArgsSchema, location="query")
    @blp.response(200, AlertSchema(many=True))
    @document_problems(blp, 401, 403, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """List alerts, newest first: the open ones, or all with include_resolved."""
        return device_reports.list_alerts(**args)


@blp.route(f"/alerts/{id_path('alert_id')}/acknowledge")
class AcknowledgeAlert(MethodView):
    """Taking charge of an alert."""

    @blp.doc(security=STAFF_SESSION)
    @blp.response(200, AlertSchema)
    @document_problems(blp, 401, 403, 404, 409)
    @require_role(*STAFF)
    def post(self, alert_id: int) -> Any:
        """Acknowledge an alert: its repeat notifications stop (audited)."""
        return devices.acknowledge_alert(alert_id, actor(), clock.now())


@blp.route("/uptime")
class UptimeReport(MethodView):
    """The SLA report."""

    @blp.doc(security=STAFF_SESSION)
    @require_role(*STAFF)
    @blp.arguments(UptimeArgsSchema, location="query")
    @blp.response(200, UptimeSchema(many=True))
    @document_problems(blp, 401, 403, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """Report each camera's (or box's) uptime over [start, end)."""
        return device_reports.uptime_report(args["start"], args["end"], clock.now(), args["kind"])
