"""Delivering outbox notices: the printed PDF notice and the SMS to the registered owner."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from echallan.challans import outbox
from echallan.challans.models import Challan, Notice
from echallan.challans.notice_content import notice_for, sms_price
from echallan.challans.operations import apply_event
from echallan.core.deps import Deps, Settings
from echallan.core.extensions import db
from integrations.sms import (
    SmsPermanentFailure,
    SmsTemporaryFailure,
)
from notices.pdf import render_challan_pdf
from notices.sms import challan_sms_text
from rules.fines import to_karachi
from rules.lifecycle import ChallanEvent, ChallanStatus

log = logging.getLogger(__name__)

# Notices of other features (the control room's alerts) travel through the same outbox; the
# composition root adds their senders here, so this module never imports those features.
ChannelSender = Callable[[Deps, Notice], None]
_OTHER_CHANNELS: dict[str, ChannelSender] = {}


def add_channels(senders: Mapping[str, ChannelSender]) -> None:
    """Deliver notices of these channels with these senders (called once at start)."""
    clash = set(senders) & {"pdf", "sms"}
    if clash:
        raise ValueError(f"channels {sorted(clash)} are the challan notices' own")
    _OTHER_CHANNELS.update(senders)


def deliver(deps: Deps, notice_id: int, now: datetime) -> str:
    """Deliver a pending notice once; failures are retried by the sweep with backoff."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.status != "pending" or notice.next_attempt_at > now:
        return notice.status if notice else "missing"
    try:
        _send(deps, notice, now)
    except SmsPermanentFailure as error:
        outbox.schedule_retry(notice, error.detail, now, permanent=True)
    except (SmsTemporaryFailure, OSError) as error:
        outbox.schedule_retry(notice, str(error), now)
    db.session.flush()
    return notice.status


def _send(deps: Deps, notice: Notice, now: datetime) -> None:
    """Hand one notice over to its channel and record that it went."""
    settings = deps.settings
    if notice.channel == "pdf":
        path = write_pdf(notice.challan, settings)
        notice.provider_id = str(path.relative_to(settings.evidence_dir))
    elif notice.channel == "sms":
        # a decision letter's SMS carries its own text; the challan notice is built now
        text = notice.payload.get("text") or sms_text(notice.challan, settings.portal_domain, now)
        result = deps.sms.send(notice.recipient, text, notice.idempotency_key)
        notice.provider_id = result.provider_id
        _mark_delivered(notice.challan)
    elif notice.channel in _OTHER_CHANNELS:
        _OTHER_CHANNELS[notice.channel](deps, notice)
    else:
        raise SmsPermanentFailure(f"no sender for channel {notice.channel!r}")
    notice.status, notice.sent_at, notice.attempts = "sent", now, notice.attempts + 1


def _mark_delivered(challan: Challan) -> None:
    """An SMS handed to the gateway counts as the owner notified."""

    if challan.status == ChallanStatus.ISSUED:
        apply_event(challan, ChallanEvent.DELIVER, "system:notices")


def sms_text(challan: Challan, portal_domain: str, now: datetime) -> str:
    """Return the SMS for a challan: today's amount, no payment link, only the portal's domain."""

    return challan_sms_text(
        challan_number=challan.number,
        rule=challan.rule,
        price=sms_price(challan, to_karachi(now).date()),
        portal_domain=portal_domain,
        consumer_number=challan.consumer_number,
        plate=challan.plate,
        occurred_at=challan.occurred_at,
    )


def pdf_path(challan: Challan, evidence_dir: Path) -> Path:
    """Return where a challan's PDF notice is kept."""
    return evidence_dir / "notices" / f"{challan.number}.pdf"


def write_pdf(challan: Challan, settings: Settings) -> Path:
    """Render a challan's PDF notice to the evidence store (atomically) and return its path."""

    path = pdf_path(challan, settings.evidence_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".pdf.partial")
    partial.write_bytes(render_challan_pdf(notice_for(challan, settings.portal_base_url)))
    partial.replace(path)
    return path
