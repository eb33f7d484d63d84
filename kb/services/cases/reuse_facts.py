"""Structured re-use facts of a case: how to get it, who runs it where, what it costs.

The record keys (docs/import-format.md): ``reuse_path`` (list), ``operator``, ``hosting``,
``costs_once_eur``, ``costs_yearly_eur``, ``funding``, ``effort_person_days``. The record parser
(kb.services.cases.record) reads them within these limits; ``record_fields`` writes them back
(export, revisions). Unknown stays empty: a page shows "nicht angegeben", never a guess.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from kb.models import Hosting, OperatorKind, ReusePathKind
from kb.services.cases.fields import FieldChecker, ProblemCode

KEYS = ("reuse_path", "operator", "hosting", "costs_once_eur", "costs_yearly_eur", "funding",
        "effort_person_days")
#: scalar columns of UseCase filled from the record (``reuse_path`` is the ReusePath child table)
COLUMNS = ("operator_kind", "operator_name", "hosting", "costs_once_eur", "costs_yearly_eur", "funding",
           "effort_person_days")
COSTS_MAX_EUR = 100_000_000
EFFORT_MAX_DAYS = 100_000
NOTE_MAX = 500
NAME_MAX = 200
FUNDING_MAX = 500
#: units named in problem messages (translated only when a message is made: most records have none)
EURO = lazy_gettext("Euro")
PERSON_DAYS = lazy_gettext("Personentage")


def read(checker: FieldChecker, data: dict) -> dict[str, Any]:
    """The facts of a record's ``data`` as CaseRecord fields; problems go to ``checker``."""
    operator_kind, operator_name = read_operator(checker, data.get("operator"))
    return {
        "reuse_path": read_paths(checker, data.get("reuse_path")),
        "operator_kind": operator_kind,
        "operator_name": operator_name,
        "hosting": checker.enum(data, "hosting", Hosting),
        "costs_once_eur": checker.whole_number(data, "costs_once_eur", COSTS_MAX_EUR, EURO, 25000),
        "costs_yearly_eur": checker.whole_number(data, "costs_yearly_eur", COSTS_MAX_EUR, EURO, 12000),
        "funding": checker.text(data, "funding", limit=FUNDING_MAX),
        "effort_person_days": checker.whole_number(data, "effort_person_days", EFFORT_MAX_DAYS,
                                                   PERSON_DAYS, 20),
    }


def read_operator(checker: FieldChecker, value: Any) -> tuple[OperatorKind | None, str | None]:
    """``{"kind", "name"}`` or just a name: who runs the solution."""
    if value in (None, "", {}):
        return None, None
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        checker.fail("operator", ProblemCode.INVALID_ITEM,
                     _("Erwartet wird {\"kind\": …, \"name\": …} oder ein Name."))
        return None, None
    extra = [k for k in value if k not in ("kind", "name")]
    if extra:
        checker.fail(f"operator.{extra[0]}", ProblemCode.UNKNOWN_KEY, _("Unbekanntes Feld „%(key)s“.", key=extra[0]))
        return None, None
    inner = FieldChecker(checker.problems, prefix=f"{checker.prefix}operator.")
    return inner.enum(value, "kind", OperatorKind), inner.text(value, "name", limit=NAME_MAX)


def read_paths(checker: FieldChecker, value: Any) -> list[dict[str, str]]:
    """The ways to get the solution, each kind once: ``[{"kind", "note"?, "link"?}]``."""
    if value in (None, []):
        return []
    if not isinstance(value, list):
        checker.fail("reuse_path", ProblemCode.NOT_LIST, _("Erwartet wird eine Liste von Wegen zur Nachnutzung."))
        return []
    paths: dict[str, dict[str, str]] = {}
    for index, item in enumerate(value, start=1):
        where = f"reuse_path[{index}]"
        item = {"kind": item} if isinstance(item, str) else item
        if not isinstance(item, dict) or "kind" not in item:
            checker.fail(where, ProblemCode.INVALID_ITEM, _("Erwartet wird {\"kind\": …, \"note\": …, \"link\": …}."))
            continue
        extra = [k for k in item if k not in ("kind", "note", "link")]
        if extra:
            checker.fail(f"{where}.{extra[0]}", ProblemCode.UNKNOWN_KEY, _("Unbekanntes Feld „%(key)s“.", key=extra[0]))
            continue
        inner = FieldChecker(checker.problems, prefix=f"{checker.prefix}{where}.")
        kind = inner.enum(item, "kind", ReusePathKind)
        note, link = inner.text(item, "note", limit=NOTE_MAX), inner.url(item, "link")
        if kind is not None and kind.value in paths:
            checker.fail(where, ProblemCode.DUPLICATE, _("Der Weg „%(kind)s“ ist doppelt angegeben.", kind=kind.value))
        elif kind is not None:
            paths[kind.value] = {k: v for k, v in (("kind", kind.value), ("note", note), ("link", link)) if v}
    return list(paths.values())


def record_fields(case) -> dict[str, Any]:
    """The facts of a case (or CaseRecord) as record keys; empty ones left out, 0 € kept."""
    fields: dict[str, Any] = {}
    paths = path_records(case)
    if paths:
        fields["reuse_path"] = paths
    operator = {"kind": _value(case.operator_kind), "name": case.operator_name}
    if any(operator.values()):
        fields["operator"] = {k: v for k, v in operator.items() if v}
    if case.hosting is not None:
        fields["hosting"] = _value(case.hosting)
    for key in ("costs_once_eur", "costs_yearly_eur", "funding", "effort_person_days"):
        if getattr(case, key) not in (None, ""):
            fields[key] = getattr(case, key)
    return fields


def path_records(case) -> list[dict[str, str]]:
    """``[{"kind", "note"?, "link"?}]`` of a UseCase (ReusePath rows) or a CaseRecord (dicts)."""
    paths = getattr(case, "reuse_paths", None)
    if paths is None:
        return [dict(p) for p in case.reuse_path or []]
    return [p.as_record() for p in paths]


def _value(value) -> str | None:
    return getattr(value, "value", value)
