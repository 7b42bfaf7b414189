"""The words a page shows for a status, an outcome or an event, in the reader's language.

Statuses are stored as codes ("issued", "on_hold"); printed as they are, an Urdu page shows
English. The `status_words` filter turns a code into its translated word; a code it does not
know is shown as it is, so a new status degrades to English rather than to an error.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from rules.contest import ContestOutcome
from rules.dues import ActionKind
from rules.lifecycle import ChallanEvent, ChallanStatus

S, E = ChallanStatus, ChallanEvent
WORDS: dict[str, object] = {
    # rules.lifecycle.ChallanStatus
    S.PENDING_REVIEW: _l("pending review"),
    S.ISSUED: _l("issued"),
    S.DELIVERED: _l("delivered"),
    S.PAID: _l("paid"),
    S.CONTESTED: _l("contested"),
    S.UPHELD: _l("upheld"),
    S.CANCELLED: _l("cancelled"),
    S.OVERDUE: _l("overdue"),
    S.WAIVED: _l("waived"),
    S.ON_HOLD: _l("on hold"),
    S.DUPLICATE: _l("duplicate"),
    S.REJECTED: _l("rejected"),
    # rules.contest.ContestOutcome (upheld and cancelled are statuses too), a waiver's refusal
    ContestOutcome.REDUCED: _l("reduced"),
    "refused": _l("refused"),
    # a refund's status (pending and paid are shared with the words above)
    "pending": _l("pending"),
    "instructed": _l("sent to the bank"),
    "failed": _l("failed"),
    # rules.lifecycle.ChallanEvent, for the status history
    E.APPROVE: _l("approval"),
    E.ISSUE: _l("issue"),
    E.REJECT: _l("rejection"),
    E.DELIVER: _l("delivery"),
    E.PAY: _l("payment"),
    E.CONTEST: _l("contest"),
    E.UPHOLD: _l("contest not accepted"),
    E.CANCEL: _l("cancellation"),
    E.MARK_OVERDUE: _l("became overdue"),
    E.WAIVE: _l("waiver"),
    E.HOLD: _l("hold"),
    E.RELEASE: _l("release"),
    E.MARK_DUPLICATE: _l("marked as duplicate"),
    # the other audit actions the portal's history shows (challan.<action>)
    "fine_reduced": _l("fine reduced"),
    "reissued": _l("reissued"),
    ActionKind.END_DISCOUNT: _l("discount ended"),
    ActionKind.APPLY_SURCHARGE: _l("surcharge added"),
    ActionKind.FLAG_LICENCE_SUSPENSION: _l("licence suspension flagged"),
    ActionKind.FLAG_CNIC_BLOCK: _l("CNIC block flagged"),
}


def status_words(code: object) -> str:
    """Return the reader's word for a status, outcome or event code; an unknown code as it is."""
    text = str(code) if code is not None else ""
    word = WORDS.get(text)
    return str(word) if word is not None else text
