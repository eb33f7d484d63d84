"""Password policy: common, trivial and own-address passwords are refused everywhere (issue 19, item 11)."""

from __future__ import annotations

import pytest

from kb.extensions import db
from kb.services.accounts.users import find_by_email
from tests.mailbox import mails

COMMON = "Dieses Passwort ist weit verbreitet"
TRIVIAL = "Wiederholungen oder einer einfachen Folge"
OWN = "weder Ihre E-Mail-Adresse noch Ihren Namen"
GOOD = "Gruene-Wiese-42"


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("password", "reason"), [
    ("aaaaaaaaaa", TRIVIAL), ("1234567890", TRIVIAL), ("qwertzuiop", TRIVIAL), ("abcabcabcabc", TRIVIAL),
    ("passwort123", COMMON), ("iloveyou12", COMMON), ("Sommer2024!", COMMON),
    ("kaemmerei.nord@example.org", OWN), ("kaemmerei-2024", OWN), ("Gisela-Sonnenberg", OWN),
])
def test_registration_refuses_weak_passwords_with_a_field_error(app, client, password, reason):
    response = client.post("/register", data={"email": "kaemmerei.nord@example.org", "password": password,
                                              "confirm": password, "display_name": "Gisela Sonnenberg"})
    assert response.status_code == 400
    assert reason in text(response)
    with app.app_context():
        assert find_by_email(db.session, "kaemmerei.nord@example.org") is None


def test_a_good_password_still_registers(app, client):
    response = client.post("/register", data={"email": "kaemmerei.nord@example.org", "password": GOOD,
                                              "confirm": GOOD, "display_name": "Gisela Sonnenberg"})
    assert response.status_code == 303


def test_english_users_get_the_reason_in_english(client):
    response = client.post("/register", data={"email": "x@example.org", "password": "1234567890",
                                              "confirm": "1234567890"}, headers={"Accept-Language": "en"})
    assert response.status_code == 400 and "repetitions or a simple sequence" in text(response)


def test_change_and_reset_forms_apply_the_policy(app, client, make_user, login):
    _id, email, password = make_user("reader", email="stadtkasse@example.org")
    login(email, password)
    for weak, reason in (("stadtkasse-99", OWN), ("1111111111", TRIVIAL), ("password123", COMMON)):
        response = client.post("/konto/passwort", data={"current": password, "password": weak, "confirm": weak})
        assert response.status_code == 400 and reason in text(response), weak
    client.post("/logout")
    client.post("/passwort-vergessen", data={"email": email})
    link = mails(app, email)[-1].link("/passwort-neu/")
    refused = client.post(link, data={"password": "0987654321", "confirm": "0987654321"})
    assert refused.status_code == 400 and TRIVIAL in text(refused)
    assert client.post("/login", data={"email": email, "password": password}).status_code == 303


def test_create_user_on_the_command_line_applies_the_policy(app, runner):
    weak = runner.invoke(args=["create-user", "--email", "amt@example.org", "--password", "qwertz12345"])
    assert weak.exit_code != 0 and "password" in weak.output and COMMON in weak.output
    own = runner.invoke(args=["create-user", "--email", "hauptamt@example.org", "--password", "hauptamt-2031"])
    assert own.exit_code != 0 and OWN in own.output
    ok = runner.invoke(args=["create-user", "--email", "amt@example.org", "--password", GOOD])
    assert ok.exit_code == 0, ok.output
