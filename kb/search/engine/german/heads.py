"""Query alternatives of a compound, weighted towards its head.

German puts the meaning of a compound in its last part (the *head*): a "Hochwasserwarnung" is a
Warnung, about Hochwasser. A query compound is therefore also matched by documents that carry its
modifier and its head in another compound ("Hochwasserfrühwarnsystem": Hochwasser + warn), and the
head counts more than the modifier. A hyphenated word's head is its last component
(Kita-Platzvergabe: Kita | Platzvergabe).

Alternatives of a compound (boosts relative to the typed word = 1.0):

* ``parts`` – modifier leaves and head (or a derivational variant or synonym of the head: warnung →
  warn) all present, the head weighing :data:`W_HEAD`; for a transparent two-part compound this is
  a full match, for longer or lexicalised compounds ("Standesamt" is more than Stand + Amt) the
  leaves scattered over a document are only a ``loose`` (partial) match;
* for three or more leaves: the whole modifier with the head (Hochwasser + warn), or the chain of
  neighbouring leaf pairs the index stores for such words — full matches;
* for compounds the dictionary does not list as a word (they are made up on the fly, so their parts
  say what they mean): the head alone (``head``) and the modifier alone, or a synonym of it
  (``modifier``), unless that part is a stop-like word ("…system", "Online…") — partial matches,
  which rank low and never qualify a document on their own.
"""

from __future__ import annotations

from kb.search.engine.german.compounds import _leaf_spans, _load_lexicon
from kb.search.engine.german.known import in_word_list
from kb.search.engine.german.normalise import _stem_folded, fold
from kb.search.engine.german.roles import STOPLIKE_STEMS

#: share of the head and of the modifier in a parts match
W_HEAD = 0.6
W_MOD = 0.4
BOOST_PARTS = 0.75  # every leaf present
BOOST_TIGHT = 0.8  # the whole modifier (or the chain of leaf pairs) with the head
BOOST_HEAD_ONLY = 0.45
BOOST_MOD_ONLY = 0.35
HEAD_VARIANT = 0.85  # head matched by a derivational variant (warnung -> warn)
HEAD_SYNONYM = 0.85  # head or modifier matched by a synonym

#: kinds of alternatives that match only part of what the user typed
PARTIAL_KINDS = frozenset({"head", "modifier", "loose"})


def variants(term: str) -> list[str]:
    """Derivational variants of a stem: "warnung" → "warn" (Frühwarnsystem)."""
    if term.endswith("ung") and len(term) >= 7:
        return [term[:-3]]
    return []


def structure(word: str) -> tuple[list[str], str, int]:
    """``(leaf stems, folded word without hyphens, index of the head's first leaf)``; fewer than
    two leaves when the word is no compound."""
    f = fold(word)
    lex = _load_lexicon()
    if "-" not in f:
        spans, _inner = _leaf_spans(f, lex)
        joined, head_at = f, len(spans) - 1
    else:
        comps = [c for c in f.split("-") if c]
        spans = []
        pos = head_at = 0
        for k, comp in enumerate(comps):
            if k == len(comps) - 1:
                head_at = len(spans)
            sub, _inner = _leaf_spans(comp, lex)
            spans.extend((pos + a, pos + b) for a, b in sub) if sub else spans.append((pos, pos + len(comp)))
            pos += len(comp)
        joined = "".join(comps)
    return [joined[a:b] for a, b in spans], joined, head_at


def compound_alternatives(word: str, head_synonyms, modifier_synonyms) -> list[tuple]:
    """``(terms, boost, kind, weights)`` of a compound query word (see the module docstring);
    ``head_synonyms(stem)`` / ``modifier_synonyms(stem)`` give one-term synonyms of a stem."""
    leaves, joined, head_at = structure(word)
    if len(leaves) < 2 or head_at == 0:
        return []
    stems = [_stem_folded(p) for p in leaves]
    head_text = "".join(leaves[head_at:])
    head = _stem_folded(head_text)
    head_options = [(head, 1.0)] + [(v, HEAD_VARIANT) for v in variants(head)]
    head_options += [(s, HEAD_SYNONYM) for s in head_synonyms(head)]
    head_options = list({t: b for t, b in reversed(head_options)}.items())[::-1]  # first boost wins
    mods = tuple(dict.fromkeys(stems[:head_at]))
    mod_whole = _stem_folded("".join(leaves[:head_at]))
    lexicalised = in_word_list(joined)
    out: list[tuple] = []
    leaf_kind = "parts" if len(leaves) == 2 and not lexicalised else "loose"
    for h, hb in head_options:
        tail = tuple(stems[head_at:]) if h == head else (h,)
        terms = tuple(dict.fromkeys((*mods, *tail)))
        if len(terms) < 2:
            continue
        n_mod = len(terms) - len(tail)
        weights = tuple([W_MOD / max(1, n_mod)] * n_mod + [W_HEAD / len(tail)] * len(tail))
        out.append((terms, round(BOOST_PARTS * hb, 4), leaf_kind, weights))
    if len(leaves) >= 3:
        for h, hb in head_options:
            if h != mod_whole:
                out.append(((mod_whole, h), round(BOOST_TIGHT * hb, 4), "parts", (W_MOD, W_HEAD)))
        pairs = [_stem_folded(leaves[i] + leaves[i + 1]) for i in range(len(leaves) - 1)]
        for last in dict.fromkeys([pairs[-1], *variants(pairs[-1])]):
            chain = tuple(dict.fromkeys([*pairs[:-1], last]))
            if len(chain) > 1:
                out.append((chain, BOOST_TIGHT, "parts", ()))
    if not lexicalised:
        if head not in STOPLIKE_STEMS:  # "…system" alone says nothing
            for h, hb in head_options:
                out.append(((h,), round(BOOST_HEAD_ONLY * hb, 4), "head", ()))
        if mod_whole not in STOPLIKE_STEMS:
            out.append(((mod_whole,), BOOST_MOD_ONLY, "modifier", ()))
            for s in modifier_synonyms(mod_whole):
                out.append(((s,), round(BOOST_MOD_ONLY * HEAD_SYNONYM, 4), "modifier", ()))
    return out
