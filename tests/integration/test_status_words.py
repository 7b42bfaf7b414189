# ruff: noqa: F811 (the wallet tests' fixtures, imported, are the tests' parameters)
"""Statuses in the reader's language: an Urdu challan page says جاری شدہ, not "issued"."""

from __future__ import annotations

import re

from echallan.core.words import WORDS, status_words
from rules.contest import ContestOutcome
from rules.dues import ActionKind
from rules.lifecycle import ChallanEvent, ChallanStatus
from tests.integration.pages import form_token
from tests.integration.test_challan_cancel import OWNER_CNIC
from tests.integration.test_wallets import due  # noqa: F401 (fixture)

STATUS_CELL = re.compile(r'<td id="status">([^<]*)</td>')


def owners_page(app, number: str, lang: str) -> str:  # noqa: ANN001
    """Look the challan up as its owner and return its portal page in `lang`."""
    citizen = app.test_client()
    token = form_token(citizen.get("/").get_data(as_text=True))
    found = citizen.post(
        "/lookup/owner", data={"csrf_token": token, "plate": "ASF-813", "cnic": OWNER_CNIC}
    )
    assert found.status_code == 302, found.get_data(as_text=True)
    return citizen.get(f"/my/challans/{number}?lang={lang}").get_data(as_text=True)


def test_the_urdu_challan_page_shows_the_status_and_history_in_urdu(due) -> None:  # noqa: ANN001
    app, number = due
    urdu = owners_page(app, number, "ur")
    assert 'dir="rtl"' in urdu
    assert STATUS_CELL.findall(urdu) == ["جاری شدہ"]
    history = urdu.split("<ul>")[-1].split("</ul>")[0]
    assert "جاری شدہ → جاری شدہ" in history and "issued" not in history
    english = owners_page(app, number, "en")
    assert STATUS_CELL.findall(english) == ["issued"]


def test_every_status_outcome_and_event_has_a_word_and_an_unknown_code_stays(app) -> None:  # noqa: ANN001
    codes = {*ChallanStatus, *ContestOutcome, *ChallanEvent, *ActionKind, "refused"}
    assert codes <= set(WORDS)
    with app.test_request_context("/?lang=ur"):
        words = {code: status_words(code) for code in codes}
        assert all(words[code] != code for code in codes), words  # every one is in Urdu
        assert status_words("new_status") == "new_status" and status_words(None) == ""
