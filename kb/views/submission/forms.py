"""The case form: fields as in the import record (INTERFACES §6), converted to and from
record data; validation itself is RecordParser's (via kb.services.cases.submissions)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from kb.models import Hosting, OperatorKind, OrganisationKind, ReusePathKind, labels
from kb.services.cases.fields import FieldProblem, ProblemCode
from kb.services.registry import typeahead as places

CONTACT_KEYS = ("name", "role", "email", "phone", "url")
TEXT_KEYS = ("title", "summary", "description", "costs", "lessons", "reuse", "license", "repository", "started",
             "funding")
NUMBER_KEYS = ("costs_once_eur", "costs_yearly_eur", "effort_person_days")
_THOUSANDS = re.compile(r"^-?[0-9]{1,3}([.\s][0-9]{3})+$")  # "12.000", "1 500 000"
_LINK_LINE = re.compile(r"^(?P<title>.*?)\s*[|–]\s*(?P<url>\S+)\s*$")


class CheckboxListField(SelectMultipleField):
    """Several checkboxes with one name (topics)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CaseForm(FlaskForm):
    title = StringField(_l("Titel der Lösung"))
    summary = TextAreaField(_l("Kurzbeschreibung"))
    description = TextAreaField(_l("Beschreibung"))
    owner_kind = RadioField(_l("Art des Betreibers"), default="municipality", choices=[
        ("municipality", _l("Eine Kommune oder ein Kreis")),
        ("organisation", _l("Eine andere Stelle (Land, Verband, Unternehmen …)"))])
    municipality = StringField(_l("Kommune oder Kreis"))
    state = SelectField(_l("Bundesland"), choices=[], validate_choice=False)
    organisation = StringField(_l("Name der Stelle"))
    organisation_uri = StringField(_l("Webseite der Stelle"))
    organisation_kind = SelectField(_l("Art der Stelle"), validate_choice=False, choices=[
        (k.value, labels.ORGANISATION_KIND[k.value]) for k in OrganisationKind
        if k not in (OrganisationKind.GEMEINDE, OrganisationKind.KREIS)], default="sonstige")
    topics = CheckboxListField(_l("Themen"), choices=[], validate_choice=False)
    status = SelectField(_l("Stand der Lösung"), validate_choice=False,
                         choices=[(k, v) for k, v in labels.CASE_STATUS.items()], default="in_betrieb")
    started = StringField(_l("Seit wann?"))
    reuse = TextAreaField(_l("Was Sie zur Nachnutzung brauchen"))
    lessons = TextAreaField(_l("Erfahrungen / Lessons learned"))
    costs = TextAreaField(_l("Kosten"))
    tags = StringField(_l("Schlagwörter"))
    license = StringField(_l("Lizenz"))
    repository = StringField(_l("Quellcode (Repository)"))
    links = TextAreaField(_l("Weiterführende Links"))
    contact_name = StringField(_l("Ansprechstelle"))
    contact_role = StringField(_l("Funktion / Bereich"))
    contact_email = StringField(_l("E-Mail"))
    contact_phone = StringField(_l("Telefon"))
    contact_url = StringField(_l("Webseite"))
    operator_kind = SelectField(_l("Wer betreibt sie technisch?"), validate_choice=False, default="", choices=[
        ("", _l("– nicht angegeben –")), *((k.value, labels.OPERATOR_KIND[k.value]) for k in OperatorKind)])
    operator_name = StringField(_l("Name des Betreibers"))
    hosting = SelectField(_l("Wo läuft sie?"), validate_choice=False, default="", choices=[
        ("", _l("– nicht angegeben –")), *((k.value, labels.HOSTING[k.value]) for k in Hosting)])
    costs_once_eur = StringField(_l("Einmalige Kosten in Euro"))
    costs_yearly_eur = StringField(_l("Laufende Kosten pro Jahr in Euro"))
    effort_person_days = StringField(_l("Eigener Aufwand in Personentagen"))
    funding = StringField(_l("Förderung"))

    def reuse_path_fields(self) -> list[tuple[str, Any, Any, Any]]:
        """``(kind, checkbox, note, link)`` for every way to get a solution, in the vocabulary's order."""
        return [(k.value, self[f"reuse_{k.value}"], self[f"reuse_{k.value}_note"], self[f"reuse_{k.value}_link"])
                for k in ReusePathKind]

    def checked_reuse_kinds(self) -> list[str]:
        return [kind for kind, box, _note, _link in self.reuse_path_fields() if box.data]


for _kind in ReusePathKind:
    setattr(CaseForm, f"reuse_{_kind.value}", BooleanField(labels.REUSE_PATH[_kind.value]))
    setattr(CaseForm, f"reuse_{_kind.value}_note", StringField(_l("Hinweis")))
    setattr(CaseForm, f"reuse_{_kind.value}_link", StringField(_l("Link")))


def _clean(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").strip()


def to_data(form: CaseForm) -> dict[str, Any]:
    """Turn the form into record data (empty fields left out)."""
    data: dict[str, Any] = {key: _clean(getattr(form, key).data) for key in TEXT_KEYS}
    if form.owner_kind.data == "organisation":
        org = {"name": _clean(form.organisation.data), "uri": _clean(form.organisation_uri.data),
               "kind": form.organisation_kind.data or "sonstige"}
        data["organisation"] = {k: v for k, v in org.items() if v} if org["name"] else None
    else:
        data["municipality"] = places.normalise_input(form.municipality.data)
        data["state"] = form.state.data or ""
    data["topics"] = [t for t in (form.topics.data or []) if t]
    data["status"] = form.status.data or ""
    data["tags"] = [t.strip() for t in re.split(r"[,;\n]", form.tags.data or "") if t.strip()]
    data["links"] = [_link(line) for line in _clean(form.links.data).splitlines() if line.strip()]
    contact = {key: _clean(getattr(form, f"contact_{key}").data) for key in CONTACT_KEYS}
    data["contact"] = {k: v for k, v in contact.items() if v} if any(contact.values()) else None
    if data["contact"] is not None and "name" not in data["contact"]:
        data["contact"]["name"] = None
    data.update(_facts_data(form))
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def _facts_data(form: CaseForm) -> dict[str, Any]:
    """The re-use facts as record data: numbers as numbers where they read as such (the parser
    refuses the rest with its message), reuse paths in the vocabulary's order."""
    data: dict[str, Any] = {key: _number(getattr(form, key).data) for key in NUMBER_KEYS}
    data["hosting"] = form.hosting.data or None
    operator = {"kind": form.operator_kind.data, "name": _clean(form.operator_name.data)}
    data["operator"] = {k: v for k, v in operator.items() if v} or None
    data["reuse_path"] = [
        {k: v for k, v in (("kind", kind), ("note", _clean(note.data)), ("link", _clean(link.data))) if v}
        for kind, box, note, link in form.reuse_path_fields() if box.data]
    return data


def _number(value: str | None) -> int | str | None:
    """"12000", "12.000" or "12 000" → 12000 (a number of any plausible length, so the parser can call
    it too high); anything else stays text for the parser to refuse."""
    text = _clean(value)
    if _THOUSANDS.match(text):
        text = re.sub(r"[.\s]", "", text)
    return int(text) if re.fullmatch(r"-?[0-9]{1,40}", text) else (text or None)


def _link(line: str) -> dict[str, str]:
    """"Projektseite | https://…" or a bare URL."""
    line = line.strip()
    match = _LINK_LINE.match(line)
    if match and match.group("title"):
        return {"title": match.group("title"), "url": match.group("url")}
    return {"title": line, "url": line}


def fill(form: CaseForm, data: dict[str, Any]) -> None:
    """Put record data into the form (for editing)."""
    for key in TEXT_KEYS:
        getattr(form, key).data = data.get(key) or ""
    org = data.get("organisation")
    if org:
        form.owner_kind.data = "organisation"
        form.organisation.data = org.get("name") or ""
        form.organisation_uri.data = org.get("uri") or ""
        form.organisation_kind.data = org.get("kind") or "sonstige"
    else:
        form.owner_kind.data = "municipality"
        key = str(data.get("municipality") or "")
        form.municipality.data = places.label_for_key(key) or key
    form.topics.data = list(data.get("topics") or [])
    form.status.data = data.get("status") or "in_betrieb"
    form.tags.data = ", ".join(data.get("tags") or [])
    form.links.data = "\n".join(
        link["url"] if link.get("title") in (None, "", link.get("url")) else f"{link['title']} | {link['url']}"
        for link in data.get("links") or [])
    contact = data.get("contact") or {}
    for key in CONTACT_KEYS:
        getattr(form, f"contact_{key}").data = contact.get(key) or ""
    for key in NUMBER_KEYS:
        getattr(form, key).data = "" if data.get(key) is None else str(data[key])
    form.hosting.data = data.get("hosting") or ""
    operator = data.get("operator") or {}
    form.operator_kind.data, form.operator_name.data = operator.get("kind") or "", operator.get("name") or ""
    paths = {p["kind"]: p for p in data.get("reuse_path") or []}
    for kind, box, note, link in form.reuse_path_fields():
        box.data = kind in paths
        note.data, link.data = paths.get(kind, {}).get("note") or "", paths.get(kind, {}).get("link") or ""


#: Wording for the form where the import record's would confuse: (field, code) → message.
FORM_MESSAGES = {
    ("contact", ProblemCode.NAME_MISSING):
        _l("Bitte geben Sie eine Ansprechstelle an (zum Beispiel ein Amt oder Team)."),
    ("organisation", ProblemCode.NAME_MISSING): _l("Bitte geben Sie den Namen der Stelle an."),
    ("municipality", ProblemCode.OWNER_MISSING): _l("Bitte geben Sie an, wer die Lösung betreibt."),
}


def field_for(problem: FieldProblem, form: CaseForm) -> str | None:
    """The form field a problem of the record belongs to ("contact.email" → "contact_email");
    None: the form as a whole."""
    name = problem.field
    if problem.code is ProblemCode.OWNER_MISSING:
        return "organisation" if form.owner_kind.data == "organisation" else "municipality"
    if name == "slug":
        return "title"
    if name.startswith("links"):
        return "links"
    if name.startswith("contact"):
        return "contact_" + (name.split(".", 1)[1] if "." in name else "name")
    if name.startswith("operator"):
        return "operator_name" if name == "operator.name" else "operator_kind"
    if name.startswith("reuse_path["):
        return _reuse_field(name, form)
    if name.startswith("organisation"):
        sub = name.split(".", 1)[1] if "." in name else ""
        return f"organisation_{sub}" if sub in ("uri", "kind") else "organisation"
    if name == "municipality" and form.owner_kind.data == "organisation":
        return "organisation"
    return name if name in form else None


def _reuse_field(name: str, form: CaseForm) -> str | None:
    """"reuse_path[2].link" → the link field of the second ticked kind."""
    match = re.match(r"reuse_path\[(\d+)\](?:\.(note|link))?", name)
    kinds = form.checked_reuse_kinds()
    if match is None or not 0 < int(match.group(1)) <= len(kinds):
        return None
    kind = kinds[int(match.group(1)) - 1]
    return f"reuse_{kind}_{match.group(2)}" if match.group(2) else f"reuse_{kind}"


def message_for(problem: FieldProblem) -> str:
    """The parser's message, worded for the form where the import wording would confuse."""
    friendly = FORM_MESSAGES.get((problem.field, problem.code))
    if friendly is not None:
        return str(friendly)
    match = re.match(r"links\[(\d+)\]", problem.field)
    return f"{_l('Zeile')} {match.group(1)}: {problem.message}" if match else problem.message


def add_problems(form: CaseForm, problems: list[FieldProblem]) -> None:
    for problem in problems:
        name = field_for(problem, form)
        message = message_for(problem)
        if name is None:
            form.form_errors.append(message)
        else:
            field = form[name]
            field.errors = [*field.errors, message]
