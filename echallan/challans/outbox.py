"""The notice outbox: rows written with the challan, delivered by jobs, never sent twice."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from echallan.challans.jobs import DeliverNotice
from echallan.challans.models import Challan, Notice
from echallan.core import jobs
from echallan.core.extensions import db

log = logging.getLogger(__name__)

# Seconds before the n-th retry of a failed delivery; the last value repeats.
RETRY_SCHEDULE_S = (30, 120, 600, 1800, 3600)
MAX_ATTEMPTS = 12


def queue_for(challan: Challan, now: datetime, reissued_to: str = "") -> list[Notice]:
    """Write the challan's PDF and SMS notices to the outbox (once each) and queue delivery.

    A challan re-issued to a buyer (`reissued_to`, the buyer's CNIC) gets its own notices: the
    key names the new owner, so the seller's notices, already sent, are not sent again.
    """
    wanted = [("pdf", "print-and-post"), ("sms", _owner_phone(challan))]
    created = []
    for channel, recipient in wanted:
        if not recipient:
            continue
        key = f"challan:{challan.number}:{channel}" + (f":to:{reissued_to}" if reissued_to else "")
        if db.session.scalar(sa.select(Notice.id).where(Notice.idempotency_key == key)):
            continue
        notice = Notice(
            challan_id=challan.id,
            channel=channel,
            recipient=recipient,
            idempotency_key=key,
            next_attempt_at=now,
        )
        db.session.add(notice)
        created.append(notice)
    db.session.flush()
    for notice in created:
        jobs.enqueue(DeliverNotice(notice.id))
    return created


def _owner_phone(challan: Challan) -> str:
    """Return the registered owner's phone number from the frozen registry answer."""
    snapshot = challan.owner_snapshot
    return (snapshot.record.get("owner_phone") or "") if snapshot else ""


def due_notices(now: datetime, limit: int = 500) -> list[int]:
    """Return the ids of pending notices whose next attempt is due."""
    query = (
        sa.select(Notice.id)
        .where(Notice.status == "pending", Notice.next_attempt_at <= now)
        .order_by(Notice.next_attempt_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def schedule_retry(notice: Notice, error: str, now: datetime, permanent: bool = False) -> None:
    """Record a failed attempt: retry later with backoff, or give up after too many."""
    notice.attempts += 1
    notice.last_error = error[:2000]
    if permanent or notice.attempts >= MAX_ATTEMPTS:
        notice.status = "failed"
        log.error("notice %s failed for good: %s", notice.id, error)
        return
    delay = RETRY_SCHEDULE_S[min(notice.attempts - 1, len(RETRY_SCHEDULE_S) - 1)]
    notice.next_attempt_at = now + timedelta(seconds=delay)
    log.warning(
        "notice %s attempt %s failed (%s); retry in %ss", notice.id, notice.attempts, error, delay
    )


def queue_text_sms(
    challan: Challan, recipient: str, key: str, text: str, now: datetime
) -> Notice | None:
    """Queue one SMS with its own text (a decision), once per key; None without a recipient."""
    if not recipient:
        return None
    existing = db.session.scalar(sa.select(Notice).where(Notice.idempotency_key == key))
    if existing is not None:
        return existing
    notice = Notice(
        challan_id=challan.id,
        channel="sms",
        recipient=recipient,
        idempotency_key=key,
        payload={"text": text},
        next_attempt_at=now,
    )
    db.session.add(notice)
    db.session.flush()
    jobs.enqueue(DeliverNotice(notice.id))
    return notice


def owner_phone(challan: Challan) -> str:
    """Return the registered owner's phone number (empty when the registry gave none)."""
    return _owner_phone(challan)
