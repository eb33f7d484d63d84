"""Integers from addresses and query strings are bounded: out of range is a 400 or 404, never a 500
(issue 19, item 6). kb.web.query_params holds the one parser; ``<int:…>`` in routes uses it too."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.models import Adoption, UseCase
from kb.web.query_params import DB_INT_MAX, ParamError, parse_bounded_int
from tests.helpers import signed_in

HUGE = "100000000000000000000"  # 10^20
ODD = ["²", "1e3", "0x10", "-1", "+5", " 7", "٣", "1_000", HUGE, "9" * 5000]


@pytest.mark.parametrize("path", [
    f"/cases?page={HUGE}", "/cases?page=²", f"/search?q=Chatbot&page={HUGE}", f"/api/v1/cases?page={HUGE}",
    f"/api/v1/cases?per_page={HUGE}", f"/api/v1/search?q=Chatbot&page={HUGE}",
])
def test_public_paging_with_huge_numbers_is_a_400(client, path):
    response = client.get(path)
    assert response.status_code == 400, (path, response.status_code)
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "invalid_parameter"


def test_browse_names_the_parameter(client):
    html = client.get(f"/cases?page={HUGE}").get_data(as_text=True)
    assert "„page“" in html


def test_moderator_and_admin_pages_with_huge_numbers(app, make_user):
    _id, email, _pw = make_user("admin")
    client = signed_in(app, email)
    with app.app_context():
        adoption = db.session.scalar(select(Adoption).order_by(Adoption.id))
        slug = db.session.get(UseCase, adoption.case_id).slug
    for path in (f"/admin/users/{HUGE}", f"/cases/{slug}/adoptions/{HUGE}/moderate",
                 f"/cases/{slug}/versionen/vergleich?alt={HUGE}&neu=aktuell",
                 f"/cases/{slug}/versionen/vergleich?alt=1&neu={HUGE}",
                 f"/cases/{slug}/versionen/vergleich?alt=²&neu=aktuell"):
        assert client.get(path).status_code == 404, path
    for path in (f"/admin/users/{HUGE}/role", f"/cases/{slug}/adoptions/{HUGE}/remove"):
        assert client.post(path, data={"role": "reader", "remove-reason": "x"}).status_code == 404, path
    assert client.get("/admin/users?page=²").status_code in (200, 400)
    assert client.get(f"/admin/users?page={HUGE}").status_code in (200, 400)


def test_revoke_token_with_a_huge_number_names_it(runner):
    result = runner.invoke(args=["revoke-token", HUGE])
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    assert HUGE in result.output


@pytest.mark.parametrize("raw", ODD)
def test_parse_bounded_int_refuses_what_is_not_a_plain_number_in_range(raw):
    with pytest.raises(ParamError):
        parse_bounded_int(raw, name="page", minimum=0, maximum=DB_INT_MAX)


def test_parse_bounded_int_accepts_plain_numbers():
    assert parse_bounded_int("42", name="n") == 42
    assert parse_bounded_int(str(DB_INT_MAX), name="n") == DB_INT_MAX
    assert parse_bounded_int("0", name="n", minimum=0) == 0
