"""The staff sign-in pages: the same session and lockout as the API, CSRF, English and Urdu."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.integration import factories as f
from tests.integration.pages import form_token, post_form, sign_in_page


def test_a_desk_sends_a_signed_out_visitor_to_sign_in_and_back(app, client: FlaskClient) -> None:  # noqa: ANN001
    with app.app_context():
        f.staff("officer", "officer")
    assert client.get("/staff").status_code == 302
    signed = sign_in_page(client, "officer", next="/staff")
    assert signed.status_code == 302 and signed.headers["Location"] == "/staff"
    start = client.get("/staff")
    assert start.status_code == 200 and "Sign out" in start.get_data(as_text=True)


def test_a_wrong_password_is_refused_on_the_page_and_counted(app, client: FlaskClient) -> None:  # noqa: ANN001
    with app.app_context():
        f.staff("officer", "officer")
    refused = sign_in_page(client, "officer", password="wrong")
    assert refused.status_code == 401
    assert "Wrong username or password" in refused.get_data(as_text=True)
    assert client.get("/staff").status_code == 302
    with app.app_context():
        from echallan.staff.models import User

        assert User.query.filter_by(username="officer").one().failed_logins == 1


def test_the_form_without_its_token_is_refused(app, client: FlaskClient) -> None:  # noqa: ANN001
    with app.app_context():
        f.staff("officer", "officer")
    client.get("/staff/sign-in")
    bare = client.post(
        "/staff/sign-in", data={"username": "officer", "password": "correct horse battery"}
    )
    assert bare.status_code == 400
    assert client.get("/staff").status_code == 302


def test_sign_in_goes_back_only_to_this_site(app, client: FlaskClient) -> None:  # noqa: ANN001
    with app.app_context():
        f.staff("officer", "officer")
    signed = sign_in_page(client, "officer", next="//evil.example/")
    assert signed.headers["Location"] == "/staff"


def test_signing_out_revokes_the_session(app, client: FlaskClient) -> None:  # noqa: ANN001
    with app.app_context():
        f.staff("officer", "officer")
    sign_in_page(client, "officer")
    cookie = client.get_cookie("session").value
    signed_out = post_form(client, "/staff", "/staff/sign-out")
    assert signed_out.status_code == 302
    client.set_cookie("session", cookie)  # the old cookie, kept by a thief
    assert client.get("/staff").status_code == 302


def test_sign_out_without_the_token_is_refused(app, client: FlaskClient) -> None:  # noqa: ANN001
    with app.app_context():
        f.staff("officer", "officer")
    sign_in_page(client, "officer")
    assert client.post("/staff/sign-out").status_code == 403
    assert client.get("/staff").status_code == 200


def test_urdu_is_chosen_remembered_and_laid_out_right_to_left(app, client: FlaskClient) -> None:  # noqa: ANN001
    page = client.get("/staff/sign-in?lang=ur").get_data(as_text=True)
    assert 'lang="ur" dir="rtl"' in page and "پاس ورڈ" in page
    remembered = client.get("/staff/sign-in").get_data(as_text=True)
    assert 'dir="rtl"' in remembered
    english = client.get("/staff/sign-in?lang=en").get_data(as_text=True)
    assert 'lang="en" dir="ltr"' in english and "Password" in english


def test_the_browser_language_is_followed_without_a_choice(app, client: FlaskClient) -> None:  # noqa: ANN001
    page = client.get("/staff/sign-in", headers={"Accept-Language": "ur-PK,ur;q=0.9,en;q=0.5"})
    assert 'dir="rtl"' in page.get_data(as_text=True)


def test_a_page_error_is_a_page_and_an_api_error_is_a_problem(app, client: FlaskClient) -> None:  # noqa: ANN001
    page = client.get("/staff/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Back to the start page" in page.get_data(as_text=True)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.mimetype == "application/problem+json"


def test_the_form_token_helper_reads_the_page(app, client: FlaskClient) -> None:  # noqa: ANN001
    assert len(form_token(client.get("/staff/sign-in").get_data(as_text=True))) > 20


def test_every_role_finds_the_reports_desk_it_may_open(app) -> None:  # noqa: ANN001
    with app.app_context():
        for name in ("officer", "supervisor", "admin"):
            f.staff(name, name)
    for name in ("officer", "supervisor", "admin"):
        client = app.test_client()
        sign_in_page(client, name)
        assert 'href="/reports"' in client.get("/staff").get_data(as_text=True), name
        assert client.get("/reports").status_code == 200
