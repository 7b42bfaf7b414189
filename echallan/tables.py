"""Every feature's tables: importing this module registers them all on the metadata."""

from echallan.audit.models import AuditEntry, IdempotencyRecord, SequenceCounter
from echallan.challans.events import EventStatus, OwnerSnapshot, ViolationEvent
from echallan.challans.models import Challan, Contest, Notice, Payment
from echallan.clips.models import Camera, Clip, ClipStatus
from echallan.devices.models import Alert, Device, Outage, Site
from echallan.payments.models import BillAdvice
from echallan.review.models import ReviewDecision, ReviewTask
from echallan.staff.models import ApiClient, Role, StaffSession, User

__all__ = [
    "Alert",
    "ApiClient",
    "AuditEntry",
    "BillAdvice",
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
    "StaffSession",
    "User",
    "ViolationEvent",
]
