"""Device ingest: cameras send their violation clips here."""

from __future__ import annotations

import json
from typing import Any

from flask import g, request
from flask.views import MethodView
from marshmallow import ValidationError, fields, validate, validates_schema

from echallan.clips.operations import (
    ClipMeta,
    authorize_device,
    clip_for_device,
    get_camera,
    ingest_clip,
)
from echallan.core import deps
from echallan.core.api import (
    ApiSchema,
    Blueprint,
    BoundedDateTime,
    document_problems,
    id_path,
    json_too_deep,
)
from echallan.core.auth import actor, require_scope
from echallan.core.clock import now
from rules.errors import InvalidInput
from rules.signals import parse_signal_phases

blp = Blueprint(
    "cameras", __name__, url_prefix="/api/v1/cameras", description="Camera devices: clip ingest"
)


class SignalPhaseSchema(ApiSchema):
    """One signal phase from the controller."""

    state = fields.String(required=True, validate=validate.OneOf(["red", "amber", "green"]))
    start_ms = fields.Integer(required=True, validate=validate.Range(min=0))
    end_ms = fields.Integer(required=True, validate=validate.Range(min=1))


class ClipMetaSchema(ApiSchema):
    """The JSON a camera sends with each clip (docs/DESIGN.md)."""

    camera_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    started_at = BoundedDateTime(required=True)
    fps = fields.Float(required=True, validate=validate.Range(min=1, max=240))
    signal_phases = fields.List(fields.Nested(SignalPhaseSchema))

    @validates_schema
    def phases_form_a_timeline(self, data: dict[str, Any], **_: Any) -> None:
        """Refuse phases that overlap or leave gaps."""
        if data.get("signal_phases"):
            try:
                parse_signal_phases(data["signal_phases"])
            except InvalidInput as error:
                raise ValidationError(error.detail, "signal_phases") from error


class ClipUploadSchema(ApiSchema):
    """The multipart form: the clip file and its metadata."""

    clip = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    meta = fields.Raw(
        required=True,
        metadata={"type": "string", "description": "clip metadata JSON (docs/DESIGN.md)"},
    )


class ClipAcceptedSchema(ApiSchema):
    """What ingest answers."""

    clip_id = fields.Integer()
    job_id = fields.String(allow_none=True)
    sha256 = fields.String()
    status = fields.String()
    duplicate = fields.Boolean()


class ClipStatusSchema(ApiSchema):
    """What became of a clip: its status and, when it failed, why."""

    clip_id = fields.Integer(attribute="id")
    sha256 = fields.String()
    status = fields.String(metadata={"enum": ["received", "analysed", "failed"]})
    failure_reason = fields.String(allow_none=True)
    started_at = fields.AwareDateTime()
    received_at = fields.AwareDateTime()
    analysed_at = fields.AwareDateTime(allow_none=True)


def _load_meta() -> ClipMeta:
    """Parse and validate the `meta` part (form field or file) of the upload."""
    raw_text = request.form.get("meta")
    if raw_text is None and "meta" in request.files:
        raw_text = request.files["meta"].read().decode("utf-8", "replace")
    if raw_text is None:
        raise InvalidInput("the `meta` part is missing", errors={"meta": ["required"]})
    if json_too_deep(raw_text):
        raise InvalidInput("`meta` is nested too deep", errors={"meta": ["nested too deep"]})
    try:
        raw = json.loads(raw_text)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"`meta` is not JSON: {error}", errors={"meta": ["not JSON"]}) from None
    if not isinstance(raw, dict):
        raise InvalidInput("`meta` must be a JSON object", errors={"meta": ["not an object"]})
    try:
        loaded = ClipMetaSchema().load(raw)
    except ValidationError as error:
        raise InvalidInput("invalid clip metadata", errors={"meta": error.messages}) from None
    return ClipMeta(loaded["camera_id"], loaded["started_at"], loaded["fps"], raw)


@blp.route("/<camera_id>/clips")
class CameraClips(MethodView):
    """A camera's clips."""

    @blp.doc(
        requestBody={"content": {"multipart/form-data": {"schema": ClipUploadSchema}}},
        security=[{"ApiKey": []}],
    )
    @blp.response(202, ClipAcceptedSchema, description="Stored; analysis queued")
    @blp.alt_response(200, schema=ClipAcceptedSchema, description="Already stored (same SHA-256)")
    @document_problems(blp, 401, 403, 404, 413, 415, 422)
    @require_scope("clips:write")
    def post(self, camera_id: str) -> tuple[dict[str, Any], int]:
        """Upload a violation clip with its metadata (multipart: `clip`, `meta`)."""
        authorize_device(g.api_client, get_camera(camera_id))
        upload = request.files.get("clip")
        if upload is None:
            raise InvalidInput("the `clip` file part is missing", errors={"clip": ["required"]})
        meta, name = _load_meta(), upload.filename or ""
        result = ingest_clip(deps.current(), camera_id, upload.stream, meta, name, actor(), now())
        body = {
            "clip_id": result.clip.id,
            "job_id": result.clip.job_id,
            "sha256": result.clip.sha256,
            "status": result.clip.status,
            "duplicate": not result.created,
        }
        return body, 202 if result.created else 200


@blp.route(f"/<camera_id>/clips/{id_path('clip_id')}")
class CameraClip(MethodView):
    """One of a camera's clips."""

    @blp.doc(security=[{"ApiKey": []}])
    @blp.response(200, ClipStatusSchema)
    @document_problems(blp, 401, 403, 404)
    @require_scope("clips:write")
    def get(self, camera_id: str, clip_id: int) -> Any:
        """Tell a camera what became of its clip (its own device key only; others get 404)."""
        return clip_for_device(g.api_client, camera_id, clip_id)
