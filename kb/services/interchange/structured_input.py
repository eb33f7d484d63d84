"""Limits for untrusted JSON and YAML: nesting depth, YAML aliases, size, lone UTF-16 surrogates.

The write API, ``import-cases`` and every publiccode.yml reader parse through these functions,
so a hostile document (``[[[[…]]]]`` a hundred thousand deep, a YAML alias bomb, ``"\\ud800"``)
ends in a clear :class:`StructureError` – never in a RecursionError, exhausted memory or a
database that refuses the text.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from flask_babel import gettext as _

#: nesting levels of lists and objects; real records and publiccode.yml files use fewer than 8
MAX_DEPTH = 32
#: alias uses (``*name``) in one YAML document
MAX_YAML_ALIASES = 100
#: nodes of a YAML document with every alias written out (defeats "billion laughs")
MAX_YAML_NODES = 100_000
#: characters of one publiccode.yml (real ones have a few dozen kB)
MAX_YAML_CHARS = 2 * 1024 * 1024

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class StructureError(ValueError):
    """A document is too deep, too big or holds characters that cannot be stored.

    ``code`` is ``too_deep``, ``too_large``, ``aliases`` or ``invalid_character``; ``line``
    (1-based, where known) and ``field`` (a path such as ``adopters[2].note``) say where.
    """

    def __init__(self, code: str, message: str, *, line: int | None = None, field: str = "-") -> None:
        super().__init__(message)
        self.code, self.line, self.field = code, line, field


def too_deep(line: int | None = None, field: str = "-") -> StructureError:
    return StructureError("too_deep", _("Die Daten sind zu tief verschachtelt (höchstens %(n)d Ebenen).",
                                        n=MAX_DEPTH), line=line, field=field)


def load_json(data: str | bytes, *, strict_utf8: bool = False) -> Any:
    """Parse JSON and check it (see :func:`check`); raise ValueError for invalid JSON.

    ``strict_utf8``: ``data`` is text decoded from strict UTF-8 (it cannot hold a lone surrogate);
    then the check is left out where the text shows it cannot fail (:func:`_passes_check`)."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise too_deep() from None
    if not (strict_utf8 and _passes_check(data)):
        check(value)
    return value


def _passes_check(text: str) -> bool:
    """Whether every value of JSON ``text`` passes :func:`check`, seen from the text alone: no ``\\u``
    escape (the only way to a lone surrogate in text without one) and no more brackets than
    MAX_DEPTH (nothing can nest deeper). Far cheaper than walking the value (a bulk import's lines)."""
    return "\\u" not in text and text.count("[") + text.count("{") <= MAX_DEPTH


def check(value: Any) -> None:
    """Raise StructureError if ``value`` nests deeper than MAX_DEPTH or holds a lone surrogate."""
    stack: list[tuple[Any, int, tuple]] = [(value, 0, ())]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, str):
            if LONE_SURROGATE.search(item):
                raise _surrogate(item, path)
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise too_deep(field=field_path(path))
        if isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and LONE_SURROGATE.search(key):
                    raise _surrogate(key, (*path, key))
                stack.append((child, depth + 1, (*path, key)))
        else:
            stack.extend((child, depth + 1, (*path, index)) for index, child in enumerate(item))


def field_path(path: tuple) -> str:
    """``("adopters", 2, "note")`` → ``adopters[2].note``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text.encode("utf-8", "backslashreplace").decode("utf-8") or "-"


def _surrogate(text: str, path: tuple) -> StructureError:
    code = ord(LONE_SURROGATE.search(text).group())
    return StructureError("invalid_character", _(
        "Enthält ein einzelnes UTF-16-Ersatzzeichen (\\u%(code)04x), das kein gültiges Zeichen ist.",
        code=code), field=field_path(path))


# -- YAML ------------------------------------------------------------------------------------


class LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with limits on nesting, aliases and the written-out size."""

    def __init__(self, text: str) -> None:
        if len(text) > MAX_YAML_CHARS:
            raise StructureError("too_large", _("Die Datei ist zu groß (höchstens %(n)d MB).",
                                                n=MAX_YAML_CHARS // (1024 * 1024)))
        try:
            super().__init__(text)
        except yaml.reader.ReaderError as exc:
            raise StructureError("invalid_character", _(
                "Unzulässiges Steuerzeichen (U+%(code)04X) in Zeile %(line)d.",
                code=exc.character if isinstance(exc.character, int) else 0,
                line=text.count("\n", 0, exc.position) + 1), line=text.count("\n", 0, exc.position) + 1) from None
        self._depth = 0
        self._aliases = 0
        self._open_anchors: set[str] = set()

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise _alias_error(line, _("mehr als %(n)d Verweise (YAML-Aliase)", n=MAX_YAML_ALIASES))
            if event.anchor in self._open_anchors:
                raise _alias_error(line, _("ein Verweis (YAML-Alias „%(name)s“) auf sich selbst", name=event.anchor))
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise too_deep(line)
        anchor = getattr(event, "anchor", None)
        if anchor:
            self._open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            self._open_anchors.discard(anchor)

    def get_single_node(self):
        node = super().get_single_node()
        if node is not None and self._aliases:
            _expanded_size(node, {})
        return node


def _alias_error(line: int, what: str) -> StructureError:
    return StructureError("aliases", _("Zeile %(line)d: %(what)s – so viele Verweise nimmt der Praxisatlas "
                                       "nicht an.", line=line, what=what), line=line)


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Count the nodes with every alias written out; refuse more than MAX_YAML_NODES."""
    known = memo.get(id(node))
    if known is not None:
        return known
    if isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        children = []
    size = 1 + sum(_expanded_size(child, memo) for child in children)
    if size > MAX_YAML_NODES:
        line = node.start_mark.line + 1
        raise _alias_error(line, _("Verweise (YAML-Aliase), die ausgeschrieben mehr als %(n)d Einträge ergeben",
                                   n=MAX_YAML_NODES))
    memo[id(node)] = size
    return size
