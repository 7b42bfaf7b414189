# ruff: noqa: F811 (the wallet tests' fixtures, imported, are the tests' parameters)
"""The cancel page: a supervisor cancels through a form, as the API does; others cannot.

The refund shown after a 1Bill-paid challan is cancelled is the one the job paid out after
the commit (JOBS_MODE sync), read by the page the form redirects to.
"""

from __future__ import annotations

from tests.integration import factories as f
from tests.integration.pages import form_token
from tests.integration.test_challan_cancel import WHY, pay_by_1bill, refund_rows, supervisor
from tests.integration.test_wallets import DUE, due, status_of  # noqa: F401 (fixtures)


def page(number: str, lang: str = "en") -> str:
    """The cancel page's address."""
    return f"/staff/challans/{number}/cancel?lang={lang}"


def send(client, number: str, **fields: str):  # noqa: ANN001, ANN201
    """Post the form found on the page, with its CSRF token."""
    token = form_token(client.get(page(number)).get_data(as_text=True))
    return client.post(page(number), data={"csrf_token": token, **fields})


def test_a_supervisor_cancels_a_paid_challan_and_sees_its_refund(due) -> None:  # noqa: ANN001
    app, number = due
    app.config["JOBS_MODE"] = "sync"
    pay_by_1bill(app, number)
    boss = supervisor(app)
    form = boss.get(page(number)).get_data(as_text=True)
    assert 'value="wrong_vehicle"' in form and 'name="note"' in form
    assert 'data-status="paid"' in form
    answer = send(boss, number, **WHY)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    shown = boss.get(answer.headers["Location"]).get_data(as_text=True)
    assert status_of(app, number) == "cancelled"
    assert 'id="cancelled"' in shown and 'data-status="cancelled"' in shown
    assert "Wrong vehicle" in shown and "the car is a Corolla." in shown and "user:sup1" in shown
    assert refund_rows(app) == [("1bill", "HBL", "instructed", DUE)]
    assert 'data-status="instructed"' in shown and f"Rs {DUE // 100:,}" in shown
    assert "sent to the bank" in shown
    urdu = boss.get(page(number, "ur")).get_data(as_text=True)
    assert 'dir="rtl"' in urdu and "منسوخ" in urdu and "بینک کو بھیج دیا گیا" in urdu
    again = send(boss, number, reason="other", note="a doubled submit")  # the first one stands
    assert again.status_code == 302 and len(refund_rows(app)) == 1
    assert "Wrong vehicle" in boss.get(page(number)).get_data(as_text=True)


def test_an_unpaid_challan_is_cancelled_with_nothing_to_refund(due) -> None:  # noqa: ANN001
    app, number = due
    app.config["JOBS_MODE"] = "sync"
    boss = supervisor(app, "admin1", "admin")
    answer = send(boss, number, reason="plate_misread", note="The 8 is a 3 on the clip.")
    assert answer.status_code == 302
    shown = boss.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'id="no-refunds"' in shown and 'id="was">issued<' in shown
    assert "<form" not in shown.split('id="cancelled"')[1]  # cancelled: no form any more
    assert refund_rows(app) == []


def test_an_officer_gets_403_and_a_signed_out_visitor_the_sign_in(due) -> None:  # noqa: ANN001
    app, number = due
    with app.app_context():
        f.staff("officer1", "officer")
    officer = app.test_client()
    f.sign_in(officer, "officer1")
    assert officer.get(page(number)).status_code == 403
    assert officer.post(page(number), data=WHY).status_code in (400, 403)
    signed_out = app.test_client().get(page(number))
    assert signed_out.status_code == 302 and "/staff/sign-in" in signed_out.headers["Location"]
    assert status_of(app, number) == "issued"


def test_bad_input_re_renders_the_form_with_a_readable_message(due) -> None:  # noqa: ANN001
    app, number = due
    boss = supervisor(app)
    missing = send(boss, number, reason="wrong_vehicle", note="")
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert 'id="note-error"' in html and "Say why in a few words." in html and "<form" in html
    blank = send(boss, number, reason="wrong_vehicle", note="     ")
    assert blank.status_code == 422 and 'id="note-error"' in blank.get_data(as_text=True)
    assert send(boss, number, reason="bored", note="because").status_code == 422
    assert boss.get(page("KHI-2026-99999999")).status_code in (404, 422)
    assert boss.get(page("not-a-number")).status_code in (404, 422)
    assert status_of(app, number) == "issued"


def test_a_contested_challan_is_left_to_its_desk(due) -> None:  # noqa: ANN001
    app, number = due
    body = {"plate": "ASF-813", "grounds": "My car was parked at home in Clifton at that time."}
    filed = app.test_client().post(f"/api/v1/challans/{number}/contest", json=body)
    assert filed.status_code == 201
    boss = supervisor(app)
    shown = boss.get(page(number))
    assert shown.status_code == 200 and 'id="not-cancellable"' in shown.get_data(as_text=True)
    token = form_token(boss.get("/staff/sign-in").get_data(as_text=True))
    refused = boss.post(page(number), data={"csrf_token": token, **WHY})
    assert refused.status_code == 409 and "contested" in refused.get_data(as_text=True)
    assert status_of(app, number) == "contested"
