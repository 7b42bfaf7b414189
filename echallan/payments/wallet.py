"""Money in from wallets (JazzCash, Easypaisa): checkout hand-off, signed webhooks, reconciliation.

A citizen starts a checkout for the amount due today; the provider takes the money and tells us
by a webhook signed with HMAC-SHA256 over `timestamp + "." + raw body` (a stale, altered or
retired-secret signature is refused before anything is read or written). Each provider event
is stored under a unique (provider, event id) in the payment's own transaction: a replay, or a
concurrent copy that loses the insert, reads the first row and answers as it did. Different
events for one challan are serialised by a lock on the challan row; the first pays it, a later
one is recorded and its money refunded. The amount must equal what is due when we receive it
(the same `rules.dues` pricing as 1Bill): a partial or over-payment is refused, `amount_not_due`,
and refunded. Reconciliation asks the provider about checkouts left pending, through the same
path, so an inquiry and a late webhook for one payment record it once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from echallan.audit import operations as audit
from echallan.challans import operations as challans
from echallan.challans.models import Challan, Payment
from echallan.core.deps import Deps
from echallan.core.extensions import db
from echallan.payments import ledger, refunds
from echallan.payments.errors import (
    BillNotPayable,
    EventInFlight,
    UnknownWallet,
    WalletDown,
    WebhookRejected,
)
from echallan.payments.models import WalletCheckout, WalletEvent
from integrations.wallets import SignatureRejected, WalletError, WalletProvider, verify
from rules import dues, fines, lifecycle
from rules.errors import InvalidInput, NotFound
from rules.plates import plate_key

log = logging.getLogger(__name__)
PAID, FAILED, ALREADY = "paid", "failed", "already_recorded"
PENDING, REFUSED, EXPIRED = "pending", "refused", "expired"
# A checkout the provider still calls pending after this long was abandoned by the citizen.
ABANDONED_AFTER = timedelta(days=1)
SUCCEEDED = "payment.succeeded"
EVENT_TYPES = frozenset({SUCCEEDED, "payment.failed"})


@dataclass(frozen=True)
class CheckoutStarted:
    """Where to send the citizen to pay, and what they will pay."""

    provider: str
    reference: str
    redirect_url: str
    amount_paisa: int
    challan_number: str


def start_wallet_checkout(
    deps: Deps,
    challan_number: str,
    plate: str,
    provider: str,
    actor: str,
    now: datetime,
    return_url: str = "",
) -> CheckoutStarted:
    """Open a wallet checkout for the amount a challan costs today; return the redirect URL.

    For the portal's hand-off page and POST /api/v1/challans/<n>/wallet-checkout. The challan
    is found by number AND plate (a wrong plate is the same 404 as a wrong number); `provider`
    is "jazzcash" or "easypaisa" (404 UnknownWallet otherwise). Raises BillNotPayable (409,
    code "not_payable") for a paid, contested, held or cancelled challan and WalletDown (503)
    when the provider does not answer. The citizen comes back to `return_url` (default: the
    portal's page of the challan); the payment itself arrives later by webhook.
    """
    wallet = _wallet(deps, provider)
    challan = _challan_for(challan_number, plate)
    price = _price(challan, now)
    if not price.payable:
        raise BillNotPayable(
            f"challan {challan.number} is {challan.status}: not payable", code="not_payable"
        )
    back = return_url or f"{deps.settings.portal_base_url.rstrip('/')}/my/challans/{challan.number}"
    try:
        started = wallet.start_checkout(challan.number, price.amount_paisa, back)
    except WalletError as error:
        raise WalletDown(
            f"{provider} is not answering: {error.detail}", code="wallet_down"
        ) from error
    row = WalletCheckout(
        provider=provider,
        reference=started.reference,
        challan_id=challan.id,
        amount_paisa=price.amount_paisa,
        redirect_url=started.redirect_url,
        status=PENDING,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "wallet.checkout_started", row, **_checkout_facts(row))
    return CheckoutStarted(
        provider, started.reference, started.redirect_url, price.amount_paisa, challan.number
    )


@dataclass(frozen=True)
class CheckoutQuote:
    """What the checkout page shows: the challan, today's amount and its dates, the wallets."""

    number: str
    plate: str
    status: str
    amount_paisa: int
    discount_until: object
    surcharge_from: object
    payable: bool
    paid: bool
    providers: tuple[str, ...]
    refunds: tuple[dict[str, object], ...]
    # Where the wallets' checkout pages live (their API's base URL): the form posting to us is
    # redirected there, and the page's CSP form-action must allow it.
    wallet_urls: tuple[str, ...] = ()


def checkout_quote(deps: Deps, number: str, plate: str, now: datetime) -> CheckoutQuote:
    """Return a challan's price today and the configured wallets (read only; one 404 for any miss).

    The same pricing as the checkout itself and 1Bill, so the page never shows another amount.
    """
    challan = _challan_for(number, plate)
    price = _price(challan, now)
    return CheckoutQuote(
        number=challan.number,
        plate=challan.plate,
        status=challan.status,
        amount_paisa=price.amount_paisa,
        discount_until=challan.discount_until,
        surcharge_from=challan.surcharge_from,
        payable=price.payable,
        paid=challan.status == lifecycle.ChallanStatus.PAID,
        providers=tuple(sorted(deps.wallets)),
        refunds=tuple(refunds.refunds_for(challan)),
        wallet_urls=tuple(str(getattr(w, "base_url", "")) for w in deps.wallets.values()),
    )


def _wallet(deps: Deps, provider: str) -> WalletProvider:
    """Return the named provider's client, or UnknownWallet."""
    wallet = deps.wallets.get(provider)
    if wallet is None:
        raise UnknownWallet(f"no wallet provider {provider!r}", code="unknown_wallet")
    return wallet


def _challan_for(number: str, plate: str) -> Challan:
    """Return the served challan with this number and plate; one 404 for any mismatch."""
    challan = db.session.scalar(sa.select(Challan).where(Challan.number == number))
    if challan is None or plate_key(challan.plate) != plate_key(plate) or not plate_key(plate):
        raise NotFound("no challan with that number and plate")
    return challan


def _price(challan: Challan, at: datetime) -> dues.AmountDue:
    """Return what a challan costs at an instant (our clock, Karachi's date): 1Bill's pricing."""
    return dues.amount_due(challans.dues_of(challan), fines.to_karachi(at).date())


def _checkout_facts(row: WalletCheckout) -> dict[str, object]:
    """Return what the audit trail keeps about a checkout."""
    return {
        "provider": row.provider,
        "reference": row.reference,
        "challan_id": row.challan_id,
        "amount_paisa": row.amount_paisa,
    }


@dataclass(frozen=True)
class Incoming:
    """A provider's event, from its webhook or from an inquiry answer."""

    event_id: str
    type: str
    reference: str
    amount_paisa: int


@dataclass(frozen=True)
class EventAnswer:
    """What an event did: paid, failed, already_recorded or a refusal code; replay if seen."""

    event_id: str
    outcome: str
    detail: str
    payment_reference: str
    replay: bool

    def as_dict(self) -> dict[str, object]:
        """Return the answer as JSON-ready values."""
        return asdict(self)


def receive_webhook(
    deps: Deps,
    provider: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
) -> EventAnswer:
    """Verify a provider's webhook and record its event once (a replay answers as the first).

    Nothing is read from the body or written before the signature checks out: WebhookRejected
    (401) for a missing, altered, stale (outside the tolerance) or retired-secret signature.
    """
    keys = deps.settings.wallet_keys.get(provider)
    if keys is None or not keys.current:
        raise UnknownWallet(f"no wallet provider {provider!r}", code="unknown_wallet")
    try:
        verify(keys, timestamp, signature, body, now, deps.settings.wallet_webhook_tolerance)
    except SignatureRejected as error:
        log.warning("wallet %s webhook refused: %s", provider, error.reason)
        raise WebhookRejected(error.reason, code="signature_rejected") from None
    return record_event(provider, _parsed(body), "webhook", f"wallet:{provider}", now)


def _parsed(body: bytes) -> Incoming:
    """Read the event fields of a signed webhook body (422 when they are not there)."""
    try:
        data = json.loads(body)
    except ValueError:
        raise InvalidInput("the webhook body is not JSON", code="malformed_event") from None
    if not isinstance(data, dict):
        raise InvalidInput("the webhook body is not an object", code="malformed_event")
    fields = {"event_id": str, "type": str, "reference": str, "amount_paisa": int}
    bad = [
        name
        for name, kind in fields.items()
        if not isinstance(data.get(name), kind) or isinstance(data.get(name), bool)
    ]
    if bad or data["type"] not in EVENT_TYPES or not 0 < len(data["event_id"]) <= 64:
        raise InvalidInput("the webhook event is malformed", code="malformed_event", fields=bad)
    if len(data["reference"]) > 64 or not 0 <= data["amount_paisa"] < 2**53:
        raise InvalidInput("the webhook event is malformed", code="malformed_event")
    return Incoming(data["event_id"], data["type"], data["reference"], data["amount_paisa"])


def record_event(
    provider: str, incoming: Incoming, source: str, actor: str, now: datetime
) -> EventAnswer:
    """Record a provider event once: the first settles, a replay reads the first answer."""
    stored = _stored(provider, incoming.event_id)
    if stored is not None:
        return _answer(stored, replay=True)
    row = _claimed(provider, incoming, source, now)
    if row is None:  # a concurrent copy inserted the key first and has committed
        stored = _stored(provider, incoming.event_id)
        if stored is None:
            raise EventInFlight(f"event {incoming.event_id} is being recorded; retry")
        return _answer(stored, replay=True)
    _settle(row, incoming.type, actor)
    audit.record(actor, "wallet.event", row, **_event_facts(row))
    return _answer(row, replay=False)


def _stored(provider: str, event_id: str) -> WalletEvent | None:
    """Return the event row already kept under this provider and event id."""
    return db.session.scalar(
        sa.select(WalletEvent)
        .where(WalletEvent.provider == provider, WalletEvent.event_id == event_id)
        .execution_options(populate_existing=True)
    )


def _claimed(provider: str, incoming: Incoming, source: str, now: datetime) -> WalletEvent | None:
    """Insert the event under its unique key; None when a concurrent request holds the key.

    On PostgreSQL the insert waits for the holder to commit, then fails on the unique key; the
    savepoint keeps this request usable so it can read the holder's answer.
    """
    row = WalletEvent(
        provider=provider,
        event_id=incoming.event_id,
        reference=incoming.reference,
        source=source,
        amount_paisa=incoming.amount_paisa,
        received_at=now,
        outcome="",
        detail="",
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        log.info("wallet event %s/%s taken by a concurrent request", provider, incoming.event_id)
        return None
    return row


def _settle(row: WalletEvent, kind: str, actor: str) -> None:
    """Carry out a first-seen event against its checkout and challan (the challan locked)."""
    checkout = _checkout(row.provider, row.reference)
    if checkout is None:
        row.outcome, row.detail = "unknown_checkout", f"no checkout {row.reference}"
        return
    # Lock before writing anything that references the challan: the foreign key check would
    # take a share lock first, and two such holders waiting to upgrade deadlock (PostgreSQL).
    challan = _locked(checkout.challan_id)
    row.challan_id = checkout.challan_id
    db.session.refresh(checkout)  # read after the lock: a concurrent event may have settled it
    if checkout.status == PAID:
        row.outcome, row.payment_id = ALREADY, checkout.payment_id
        row.detail = "this checkout's payment is already recorded"
    elif kind != SUCCEEDED:
        checkout.status = FAILED if checkout.status == PENDING else checkout.status
        row.outcome, row.detail = FAILED, "the provider says the payment failed"
    else:
        _take_or_refuse(row, checkout, challan, actor)
    db.session.flush()


def _checkout(provider: str, reference: str) -> WalletCheckout | None:
    """Return our checkout under a provider's reference."""
    return db.session.scalar(
        sa.select(WalletCheckout).where(
            WalletCheckout.provider == provider, WalletCheckout.reference == reference
        )
    )


def _locked(challan_id: int) -> Challan:
    """Return the challan row locked for update (fresh, not a copy loaded before the lock)."""
    query = sa.select(Challan).where(Challan.id == challan_id).with_for_update()
    return db.session.scalars(query.execution_options(populate_existing=True)).one()


def _take_or_refuse(
    row: WalletEvent, checkout: WalletCheckout, challan: Challan, actor: str
) -> None:
    """Pay the challan with the event's money, or refuse it and refund it."""
    refusal = _refusal(challan, _price(challan, row.received_at), row.amount_paisa)
    if refusal is not None:
        row.outcome, row.detail = refusal
        checkout.status = REFUSED if checkout.status == PENDING else checkout.status
        db.session.flush()
        refunds.request_refund(
            refunds.RefundAsk(
                source_key=f"wallet-event:{row.id}",
                challan_id=challan.id,
                rail="wallet",
                provider=row.provider,
                paid_reference=row.reference,
                amount_paisa=row.amount_paisa,
                reason=row.detail,
            ),
            actor,
            row.received_at,
        )
        return
    payment = _pay(challan, row, actor)
    checkout.status, checkout.payment_id = PAID, payment.id
    row.outcome, row.payment_id, row.detail = PAID, payment.id, "payment recorded"


def _refusal(challan: Challan, price: dues.AmountDue, amount: int) -> tuple[str, str] | None:
    """Return (code, why) when this money cannot pay the challan now, else None."""
    if not price.payable:
        if lifecycle.bill_status(challan.status) == "P":
            return "already_paid", f"challan {challan.number} is already paid"
        return "not_payable", f"challan {challan.number} is {challan.status}: not payable"
    if amount != price.amount_paisa:
        return "amount_not_due", f"amount {amount} is not the {price.amount_paisa} paisa due"
    return None


def _pay(challan: Challan, row: WalletEvent, actor: str) -> Payment:
    """Record the wallet's money against the challan (ledger.record_payment)."""
    return ledger.record_payment(
        challan,
        "wallet",
        f"wallet:{row.provider}:{row.reference}",
        row.amount_paisa,
        row.received_at,
        {"provider": row.provider, "reference": row.reference, "event_id": row.event_id},
        actor,
    )


def _answer(row: WalletEvent, replay: bool) -> EventAnswer:
    """Return the answer an event got (the payment's reference when it paid)."""
    reference = ""
    if row.payment_id is not None:
        reference = (
            db.session.scalar(sa.select(Payment.reference).where(Payment.id == row.payment_id))
            or ""
        )
    return EventAnswer(row.event_id, row.outcome, row.detail, reference, replay)


def _event_facts(row: WalletEvent) -> dict[str, object]:
    """Return what reconciliation needs to know about an event and what it did."""
    return {
        "provider": row.provider,
        "event_id": row.event_id,
        "reference": row.reference,
        "source": row.source,
        "amount_paisa": row.amount_paisa,
        "received_at": row.received_at.isoformat(),
        "outcome": row.outcome,
        "detail": row.detail,
    }


@dataclass
class Reconciled:
    """What one reconciliation pass found."""

    asked: int = 0
    paid: int = 0
    failed: int = 0
    refused: int = 0
    unavailable: int = 0
    expired: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the counts."""
        return asdict(self)


def reconcile_pending(deps: Deps, now: datetime, limit: int = 200) -> Reconciled:
    """Ask the providers about checkouts pending longer than the setting; record what they say.

    A paid answer goes through `record_event` under the provider's event id, so a webhook for
    the same payment (before or after) records nothing more.
    """
    cutoff = now - deps.settings.wallet_reconcile_after
    query = (
        sa.select(WalletCheckout)
        .where(WalletCheckout.status == PENDING, WalletCheckout.created_at <= cutoff)
        .order_by(WalletCheckout.id)
        .limit(limit)
    )
    found = Reconciled()
    for checkout in db.session.scalars(query).all():
        _reconcile_one(deps, checkout, now, found)
    return found


def _reconcile_one(deps: Deps, checkout: WalletCheckout, now: datetime, found: Reconciled) -> None:
    """Ask about one checkout and record a final answer."""
    wallet = deps.wallets.get(checkout.provider)
    if wallet is None:
        return
    found.asked += 1
    try:
        status = wallet.inquiry(checkout.reference)
    except WalletError as error:
        log.warning("inquiry of %s %s failed: %s", checkout.provider, checkout.reference, error)
        found.unavailable += 1
        return
    checkout.checked_at = now
    if status.status == PENDING:
        if now - checkout.created_at > ABANDONED_AFTER:  # never paid: stop asking about it
            checkout.status = EXPIRED
            found.expired += 1
        return
    incoming = Incoming(
        status.event_id or f"inquiry:{checkout.reference}",
        SUCCEEDED if status.status == PAID else "payment.failed",
        checkout.reference,
        status.amount_paisa,
    )
    answer = record_event(checkout.provider, incoming, "inquiry", "system:reconcile", now)
    outcome = answer.outcome
    found.paid += outcome == PAID
    found.failed += outcome == FAILED
    found.refused += outcome not in (PAID, FAILED, ALREADY)


def sweep_wallets(deps: Deps, now: datetime) -> dict[str, dict[str, int]]:
    """Reconcile pending checkouts, then pay out pending refunds (the periodic sweep)."""
    reconciled = reconcile_pending(deps, now)
    paid_out = refunds.pay_out_refunds(deps, now)
    return {"reconciled": reconciled.as_dict(), "refunds": paid_out.as_dict()}
