"""The challan feature's background work: issuing from an event, delivering a notice."""

from __future__ import annotations

from dataclasses import dataclass

from echallan.core.jobs import Job


@dataclass(frozen=True)
class ProcessEvent(Job):
    """Resolve a violation event's owner and issue, review or wait."""

    event_id: int


@dataclass(frozen=True)
class DeliverNotice(Job):
    """Deliver one outbox notice through its channel."""

    notice_id: int
