"""Refusals of a bank's 1Bill message, each carrying the 1Bill response code it answers with.

The classes subclass the shared domain errors (so anything else that sees one still renders a
sensible problem+json), and `onebill_code` is what the 1Bill interface answers: the code comes
from the class, never from reading the message.
"""

from __future__ import annotations

from typing import ClassVar

from rules.errors import Conflict, DomainError, InvalidInput, NotFound, Unauthorized, Unavailable


class OneBillRefusal(DomainError):
    """A business refusal that the 1Bill contract answers with 200 and its own code."""

    onebill_code: ClassVar[str] = "03"


class UnknownBill(OneBillRefusal, NotFound):
    """No challan is billed under this consumer number (or it is not a consumer number)."""

    onebill_code = "01"


class BillNotPayable(OneBillRefusal, Conflict):
    """The bill is blocked (contested, on hold, cancelled): 1Bill's 02."""

    onebill_code = "02"


class BillAlreadyPaid(BillNotPayable):
    """Another payment settled this bill first: 02, the contract's "blocked or already paid"."""


class AmountNotDue(OneBillRefusal, InvalidInput):
    """The amount is not what the bill costs at the moment we received the advice."""

    onebill_code = "03"


class AdviceOutOfWindow(OneBillRefusal, InvalidInput):
    """The advice's tran_date/tran_time is too far from our clock to be taken as sent now."""

    onebill_code = "03"


class AuthIdReused(OneBillRefusal, Conflict):
    """The bank's authorisation id already names a different payment."""

    onebill_code = "04"


class AdviceInFlight(Conflict):
    """Another request holds this advice's key and has not answered yet: the bank retries."""


class UnknownWallet(NotFound):
    """No wallet provider of that name takes payments here."""


class WebhookRejected(Unauthorized):
    """A webhook whose signature is missing, altered, stale or made with a retired secret."""


class WalletDown(Unavailable):
    """The wallet provider did not answer usably; the citizen may try again shortly."""


class EventInFlight(Conflict):
    """Another request holds this event's key and has not committed yet: the provider retries."""
