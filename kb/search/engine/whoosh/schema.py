"""The index schema and how a document becomes its fields (impact tokens, facets, columns)."""

from __future__ import annotations

import json
import zlib
from array import array

from whoosh import columns, fields, formats
from whoosh.analysis import Composable, Token

from kb.search.engine import german, ranking
from kb.search.engine.base import SearchDocument

# ------------------------------------------------------------------ analysis


class PackedImpacts(tuple):
    """``{term: impact}`` packed as ``(terms joined by \\x1f, float32 impacts as bytes)``.

    What analysis workers send back to the writing process: one string and one bytes object
    unpickle far faster than a dict of several hundred entries."""

    SEP = "\x1f"

    @classmethod
    def pack(cls, impacts: dict[str, float]) -> PackedImpacts:
        return cls((cls.SEP.join(impacts), array("f", impacts.values()).tobytes()))

    def terms(self) -> list[str]:
        return self[0].split(self.SEP) if self[0] else []

    def weights(self) -> array:
        out = array("f")
        out.frombytes(self[1])
        return out


class _PlainTokenizer(Composable):
    """A stateless tokenizer: equal to any other of its class (Whoosh compares schemas)."""

    is_morph = False

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)


class ImpactTokenizer(_PlainTokenizer):
    """Whoosh tokenizer for the ``text`` field.

    Accepts a :class:`SearchDocument` (analysed with :mod:`kb.search.engine.german`
    and :func:`kb.search.engine.ranking.document_impacts`), a precomputed
    ``{term: impact}`` dict, or a plain string (analysed, impact = weight).
    Yields one token per distinct term whose ``boost`` is the impact."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        if isinstance(value, SearchDocument):
            items = ranking.document_impacts(value).items()
        elif isinstance(value, PackedImpacts):
            items = zip(value.terms(), value.weights(), strict=True)
        elif isinstance(value, dict):
            items = value.items()
        else:
            acc: dict[str, float] = {}
            for t, w in german.analyze(str(value)):
                acc[t] = acc.get(t, 0.0) + w
            items = acc.items()
        tok = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for i, (term, impact) in enumerate(items):
            tok.text = term
            tok.boost = float(impact)
            tok.stopped = False
            if positions:
                tok.pos = start_pos + i
            yield tok


class ListTokenizer(_PlainTokenizer):
    """Yields each item of a list (or the single string) unchanged."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        items = [value] if isinstance(value, str) else list(value)
        tok = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for i, item in enumerate(dict.fromkeys(x for x in items if x)):
            tok.text = item
            tok.boost = 1.0
            tok.stopped = False
            if positions:
                tok.pos = start_pos + i
            yield tok


class ImpactField(fields.FieldType):
    """Field whose value is a document, a ``{term: impact}`` dict or text;
    each term is indexed once, its impact stored as the posting weight
    (existence format: no per-posting value bytes)."""

    def __init__(self) -> None:
        # scorable=True only so that whoosh keeps a (1 byte/doc) length column:
        # without it the segment writer stat()s a file for every posting
        super().__init__(format=formats.Existence(), analyzer=ImpactTokenizer(), scorable=True, stored=False)

    def index(self, value, **kwargs):
        for tok in self.analyzer(value, boosts=True, mode="index"):
            yield tok.text.encode("utf-8"), 1, tok.boost, b""


def _field(analyzer: Composable, fmt: formats.Format) -> fields.FieldType:
    ft = fields.FieldType(format=fmt, analyzer=analyzer, scorable=True, stored=False)
    ft.spelling = False
    return ft


def make_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(unique=True, stored=False),
        docid=fields.COLUMN(columns.NumericColumn("q", default=-1)),
        version=fields.COLUMN(columns.VarBytesColumn()),
        text=ImpactField(),
        topic=_field(ListTokenizer(), formats.Existence()),
        state=_field(ListTokenizer(), formats.Existence()),
        status=_field(ListTokenizer(), formats.Existence()),
        size=_field(ListTokenizer(), formats.Existence()),
        place=_field(ListTokenizer(), formats.Existence()),
        published=fields.COLUMN(columns.NumericColumn("d", default=0.0)),
        adopters=fields.COLUMN(columns.NumericColumn("i", default=0)),
        # a column, not a stored field: whoosh would pickle and compress it a second time
        hl=fields.COLUMN(columns.VarBytesColumn()),
    )


def _doc_fields(doc: SearchDocument, packed: bool = True) -> dict:
    """The fields of ``doc`` for a writer; its term impacts as :class:`PackedImpacts` (``packed``: to be
    sent to another process) or as the plain dict (added in this process)."""
    published = doc.published.timestamp() if doc.published is not None else 0.0
    impacts = ranking.document_impacts(doc)
    hl = zlib.compress(
        json.dumps({"t": doc.title or "", "s": doc.summary or "", "b": doc.body or ""}, ensure_ascii=False).encode(),
        6,
    )
    return {
        "id": str(doc.id),
        "docid": int(doc.id),
        "version": (doc.version or "").encode(),
        "text": PackedImpacts.pack(impacts) if packed else impacts,
        "topic": list(doc.topics or ()),
        "state": [doc.state] if doc.state else [],
        "status": [doc.status] if doc.status else [],
        "size": list(doc.user_sizes or ()),
        "place": list(doc.place_keys or ()),
        "published": published,
        "adopters": int(doc.adopter_count or 0),
        "hl": hl,
    }
