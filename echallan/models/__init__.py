"""Database models, a module per area; importing this package registers every table."""

from echallan.models.audit import AuditEntry, IdempotencyRecord, SequenceCounter
from echallan.models.camera import Camera, Clip, ClipStatus
from echallan.models.challan import Challan, Contest, Notice, Payment
from echallan.models.devices import Alert, Device, Outage, Site
from echallan.models.people import ApiClient, Role, User
from echallan.models.review import ReviewDecision, ReviewTask
from echallan.models.violation import EventStatus, OwnerSnapshot, ViolationEvent

__all__ = [
    "Alert",
    "ApiClient",
    "AuditEntry",
    "Camera",
    "Challan",
    "Clip",
    "ClipStatus",
    "Contest",
    "Device",
    "EventStatus",
    "IdempotencyRecord",
    "Notice",
    "Outage",
    "OwnerSnapshot",
    "Payment",
    "ReviewDecision",
    "ReviewTask",
    "SequenceCounter",
    "Site",
    "Role",
    "User",
    "ViolationEvent",
]
