"""Device alerts: persist what `rules.health.reconcile` decided, and tell the control room.

Alert rows are written with Core statements under optimistic concurrency: an update names
the version it read, an insert runs in a savepoint against the partial unique index (one open
alert per device and rule). A heartbeat and a sweep racing on the same alert cannot both win;
the loser skips that alert and the next heartbeat or sweep sees the winner's row.

Notifications go through the notice outbox (retried, never lost, sent once per key): a
`webhook` notice to CONTROL_ROOM_WEBHOOK_URL and an `alert_sms` notice to CONTROL_ROOM_SMS,
for each alert opened, repeated (unacknowledged) and resolved.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from echallan.challans.jobs import DeliverNotice
from echallan.challans.models import Notice
from echallan.core import jobs
from echallan.core.deps import Deps, Settings
from echallan.core.extensions import db
from echallan.devices.models import Alert as AlertRow
from integrations.sms import SmsPermanentFailure, SmsTemporaryFailure
from integrations.webhook import WebhookPermanentFailure, WebhookTemporaryFailure
from rules.health import Alert, AlertChanges, AlertRule, AlertStatus, Severity

log = logging.getLogger(__name__)
RESOLVED = AlertStatus.RESOLVED.value
ALERT = AlertRow.__table__  # Core statements: no ORM bookkeeping on the heartbeat path
SMS_CHANNEL = "alert_sms"  # "sms" notices are challan notices to owners (delivery.py)
WEBHOOK_CHANNEL = "webhook"
CHANNELS = (WEBHOOK_CHANNEL, SMS_CHANNEL)  # the outbox channels this module sends
Target = tuple[str, str]  # (channel, recipient)
STORED_FIELDS = (
    "status",
    "detail",
    "last_notified_at",
    "clear_since",
    "flaps",
    "acknowledged_by",
    "acknowledged_at",
    "resolved_at",
)


@dataclass
class Persisted:
    """What persisting one set of changes did (alerts that lost a race are not counted)."""

    opened: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    renotified: list[Alert] = field(default_factory=list)
    updated: int = 0
    lost_races: int = 0
    notices: int = 0


def open_alerts(device_ids: Sequence[str] | None = None) -> tuple[list[Alert], dict[int, int]]:
    """Return the open alerts (of these devices, or all) and each one's row version."""
    query = sa.select(ALERT).where(ALERT.c.status != RESOLVED)
    if device_ids is not None:
        query = query.where(ALERT.c.device_id.in_(device_ids))
    rows = db.session.execute(query).all()
    return [to_alert(row) for row in rows], {row.id: row.version for row in rows}


def alerts_by_id(ids: Sequence[int]) -> tuple[list[Alert], dict[int, int]]:
    """Return the open alerts among these ids and each one's row version."""
    query = sa.select(ALERT).where(ALERT.c.id.in_(ids), ALERT.c.status != RESOLVED)
    rows = db.session.execute(query).all()
    return [to_alert(row) for row in rows], {row.id: row.version for row in rows}


def to_alert(row: Any) -> Alert:
    """Build the rules value from a stored row (a Core row or an ORM object)."""
    return Alert(
        device_id=row.device_id,
        rule=AlertRule(row.rule),
        status=AlertStatus(row.status),
        opened_at=row.opened_at,
        last_notified_at=row.last_notified_at,
        severity=Severity(row.severity),
        box_id=row.box_id,
        detail=row.detail,
        clear_since=row.clear_since,
        flaps=row.flaps,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        resolved_at=row.resolved_at,
        id=row.id,
    )


def persist(
    changes: AlertChanges, versions: dict[int, int], now: datetime, targets: Sequence[Target]
) -> Persisted:
    """Store every change, then queue the control room's notifications."""
    done = Persisted()
    done.opened = [a for a in (_insert(a) for a in changes.to_open) if a is not None]
    done.resolved = _updated(changes.to_resolve, versions, done)
    done.renotified = _updated(changes.to_renotify, versions, done)
    done.updated = len(_updated(changes.to_update, versions, done))
    for kind, alerts in (("opened", done.opened), ("repeat", done.renotified)):
        for alert in alerts:
            done.notices += notify(alert, kind, now, targets)
    for alert in done.resolved:
        done.notices += notify(alert, "resolved", now, targets)
    return done


def _insert(alert: Alert) -> Alert | None:
    """Insert a newly opened alert; None when a concurrent writer opened it first."""
    values = {name: getattr(alert, name) for name in ("device_id", "box_id", "opened_at")}
    values.update(_stored(alert), rule=alert.rule.value, severity=alert.severity.value)
    try:
        with db.session.begin_nested():
            new_id = db.session.execute(
                sa.insert(ALERT).values(**values, notifications=0, version=1).returning(ALERT.c.id)
            ).scalar_one()
    except IntegrityError:
        log.info("alert %s/%s opened concurrently; keeping the other", alert.device_id, alert.rule)
        return None
    return _with_id(alert, new_id)


def _updated(alerts: Iterable[Alert], versions: dict[int, int], done: Persisted) -> list[Alert]:
    """Update alerts at the version read; return those stored, count the lost races."""
    stored = []
    for alert in alerts:
        if alert.id is None:
            continue
        result = db.session.execute(
            sa.update(ALERT)
            .where(ALERT.c.id == alert.id, ALERT.c.version == versions.get(alert.id, -1))
            .values(**_stored(alert), version=ALERT.c.version + 1)
        )
        if result.rowcount == 1:
            stored.append(alert)
        else:
            done.lost_races += 1
    return stored


def _stored(alert: Alert) -> dict[str, Any]:
    """Return the mutable columns of an alert row."""
    values = {name: getattr(alert, name) for name in STORED_FIELDS}
    values["status"] = alert.status.value
    return values


def _with_id(alert: Alert, alert_id: int) -> Alert:
    """Return the alert carrying its new row id."""

    return replace(alert, id=alert_id)


# --- notifications ----------------------------------------------------------------------------


def notify(alert: Alert, kind: str, now: datetime, targets: Sequence[Target]) -> int:
    """Write the outbox notices for one alert event and queue them; return how many."""
    if not targets or alert.id is None:
        return 0
    number = _next_number(alert.id)
    payload = _payload(alert, kind, number, now)
    notices = [_notice(alert.id, number, channel, to, payload, now) for channel, to in targets]
    db.session.flush()
    for notice in notices:
        jobs.enqueue(DeliverNotice(notice.id))
    return len(notices)


def targets_of(settings: Settings) -> list[Target]:
    """Return the configured control-room channels and recipients."""
    wanted = [
        (WEBHOOK_CHANNEL, settings.control_room_webhook_url),
        (SMS_CHANNEL, settings.control_room_sms),
    ]
    return [(channel, to) for channel, to in wanted if to]


def _next_number(alert_id: int) -> int:
    """Count one more notification of an alert and return its number (keys the notices)."""
    db.session.execute(
        sa.update(ALERT)
        .where(ALERT.c.id == alert_id)
        .values(notifications=ALERT.c.notifications + 1)
    )
    return db.session.scalar(sa.select(ALERT.c.notifications).where(ALERT.c.id == alert_id))


def _payload(alert: Alert, kind: str, number: int, now: datetime) -> dict[str, Any]:
    """Return the message the control room receives."""
    return {
        "type": f"alert.{kind}",
        "alert_id": alert.id,
        "notification": number,
        "device_id": alert.device_id,
        "box_id": alert.box_id,
        "rule": alert.rule.value,
        "severity": alert.severity.value,
        "status": alert.status.value,
        "detail": alert.detail,
        "opened_at": alert.opened_at.isoformat(),
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        "sent_at": now.isoformat(),
    }


def _notice(
    alert_id: int, number: int, channel: str, to: str, payload: dict[str, Any], now: datetime
) -> Notice:
    """Add one outbox row."""
    notice = Notice(
        challan_id=None,
        channel=channel,
        recipient=to[:200],
        idempotency_key=f"alert:{alert_id}:{number}:{channel}",
        payload=payload,
        next_attempt_at=now,
    )
    db.session.add(notice)
    return notice


def sms_text(payload: dict[str, Any]) -> str:
    """Return the control room's SMS for an alert notice (short, one segment when possible)."""
    kind = payload["type"].split(".", 1)[1].upper()
    return (
        f"SAFE CITY {kind} {payload['severity'].upper()}: {payload['rule']} on "
        f"{payload['device_id']} - {payload['detail']} (alert {payload['alert_id']})"
    )[:640]


def send_notice(deps: Deps, notice: Notice) -> None:
    """Deliver a control-room notice (called by the outbox); failures say whether to retry."""

    try:
        notice.provider_id = _send(deps, notice)
    except WebhookTemporaryFailure as error:
        raise SmsTemporaryFailure(error.detail) from error
    except WebhookPermanentFailure as error:
        raise SmsPermanentFailure(error.detail) from error


def _send(deps: Deps, notice: Notice) -> str:
    """Hand the notice to its channel and return the provider's id."""
    if notice.channel == WEBHOOK_CHANNEL:
        return (
            deps.webhooks.for_url(notice.recipient)
            .send(notice.payload, notice.idempotency_key)
            .provider_id
        )
    if notice.channel == SMS_CHANNEL:
        text = sms_text(notice.payload)
        return deps.sms.send(notice.recipient, text, notice.idempotency_key).provider_id

    raise SmsPermanentFailure(f"no sender for channel {notice.channel!r}")
