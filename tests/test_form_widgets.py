"""Form pages render their fields with kb.web.form_widgets' attribute builder: byte for byte what
WTForms' own gives (issue 18: it spent half of a form page's rendering time)."""

import re

from markupsafe import Markup

from kb.web import form_widgets

CASES = [
    {"name": "title", "id": "title", "type": "text", "value": "Bürger-Chat <KI> & \"Dienst\"", "required": True},
    {"class_": "kern-form-input__input", "aria_describedby": "title-hint title-error", "aria_invalid": "true"},
    {"checked": True, "readonly": False, "disabled": True, "value": 3, "data_role_name": "x_y"},
    {"value": Markup('a "quoted" <b>markup</b>'), "for_": "f", "maxlength": 200, "placeholder": "z. B. „Mängelmelder“"},
    {"value": "", "autocomplete": "off", "inputmode": "numeric", "pattern": "[0-9]{8}", "min": 0.5},
    {},
]


def test_the_same_attributes_as_wtforms():
    for kwargs in CASES:
        ours, theirs = form_widgets.html_params(**kwargs), form_widgets.original_html_params(**kwargs)
        assert ours == theirs and isinstance(ours, Markup), kwargs


def test_form_pages_are_the_same_with_wtforms_own_builder(app, client, login, make_user, monkeypatch):
    """The submission form (inputs, selects, checkboxes, radios, labels) and a form with errors."""
    _id, email, password = make_user("contributor", municipality="08421000")
    login(email, password)
    client.get("/konto")  # shows the flash message of the login
    pages = {}
    for name, builder in (("ours", form_widgets.html_params), ("wtforms", form_widgets.original_html_params)):
        monkeypatch.setattr(form_widgets, "html_params", builder)
        form_widgets.init_app(app)
        form = client.get("/cases/new").get_data(as_text=True)
        errors = client.post("/cases/new", data={"action": "submit", "title": "x"}).get_data(as_text=True)
        pages[name] = [_without_tokens(form), _without_tokens(errors)]
    monkeypatch.undo()
    form_widgets.init_app(app)
    assert pages["ours"] == pages["wtforms"]
    assert pages["ours"][0].count("<input") > 30 and "kern-form-input--error" in pages["ours"][1]


def _without_tokens(page: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"|value="[^"]*"[^>]*name="csrf_token"', "", page)
