"""The audit chain's head for outside parties: `GET /api/v1/ops/audit/head`.

Staff with a session, or a machine whose API key carries the `audit:read` scope.

An auditor or the excise department pulls the head regularly and keeps it where the database
operator cannot reach; `echallan audit verify --anchors FILE` later proves nothing was cut or
rewritten since. An empty chain answers 200 with `seq` and `hash` null (an empty chain is a
state worth anchoring too, not a missing resource).
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields

from echallan.audit import operations as audit
from echallan.core.api import ApiSchema, Blueprint, document_problems
from echallan.core.auth import require_role_or_scope
from echallan.core.clock import now
from echallan.staff.models import Role

blp = Blueprint(
    "audit_ops",
    __name__,
    url_prefix="/api/v1/ops/audit",
    description="Operations: the audit chain's head, to anchor outside the database",
)
STAFF = Role.ALL
STAFF_OR_KEY = [{"StaffSession": []}, {"ApiKey": []}]


class AuditHeadSchema(ApiSchema):
    """The head as published: the last entry's seq and hash, and when it was taken."""

    seq = fields.Integer(
        allow_none=True, metadata={"description": "the last entry's seq; null: empty chain"}
    )
    hash = fields.String(
        allow_none=True, metadata={"description": "the last entry's SHA-256; null: empty chain"}
    )
    at = fields.AwareDateTime(metadata={"description": "when the head was read (UTC)"})


@blp.route("/head")
class Head(MethodView):
    """The audit chain's head."""

    @blp.doc(security=STAFF_OR_KEY)
    @blp.response(200, AuditHeadSchema)
    @document_problems(blp, 401, 403)
    @require_role_or_scope("audit:read", *STAFF)
    def get(self) -> Any:
        """Return the last entry's seq and hash, to keep as an anchor (nulls: empty chain)."""
        taken = now()
        return audit.head(taken) or {"seq": None, "hash": None, "at": taken}
