"""Scores of a parsed query over a view: alternatives, groups, coverage and the relevance floor.

Scoring works on the query's *space*: the sorted docnums in which some term of the query occurs
(usually a small part of the index), so that each group costs array operations over those
documents only; the scores are spread over the whole view once at the end."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kb.search.engine import german, ranking
from kb.search.engine.whoosh.view import _View

_BLENDED = ("exact", "synonym", "fuzzy")
_EMPTY_POS = np.zeros(0, dtype=np.int64)
#: a query whose documents make up more than 1/DENSE_SHARE of the view is scored over the whole view
DENSE_SHARE = 2


@dataclass
class Scored:
    """Dense scores of one query (0 = no match), which documents qualify for the strong hits, and
    per group whether some live document matches it fully."""

    scores: np.ndarray
    qualified: np.ndarray
    fully_matched: list[bool]


class _Space:
    """The docnums some term of the query occurs in, and each term's postings as positions there."""

    def __init__(self, view: _View, postings: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        self._conjunctions: dict[tuple[str, ...], tuple[np.ndarray, list[np.ndarray]]] = {}
        lists = [ids for ids, _ws in postings.values() if len(ids)]
        docs: np.ndarray | None
        if not lists:
            docs = _EMPTY_POS
        elif max(map(len, lists)) * DENSE_SHARE > view.size:
            docs = None
        elif len(lists) == 1:
            docs = lists[0]
        elif sum(map(len, lists)) * 16 < view.size:
            docs = np.sort(np.concatenate(lists))  # (np.unique hashes: far slower on small arrays)
            docs = docs[np.flatnonzero(np.diff(docs, prepend=-1))]
        else:
            seen = np.zeros(view.size, dtype=bool)
            for ids in lists:
                seen[ids] = True
            docs = np.flatnonzero(seen)
        if docs is not None and len(docs) * DENSE_SHARE > view.size:
            docs = None
        self.docs = docs  # None: the whole view (mapping would cost more than it saves)
        if docs is None:
            self.size, self.live, self.postings = view.size, view.live, dict(postings)
            return
        self.size = len(docs)
        self.live = view.live[docs]
        index = np.empty(view.size, dtype=np.int64)
        index[docs] = np.arange(len(docs))
        # postings ascend by docnum, so their positions ascend too
        self.postings = {t: (index[ids] if len(ids) else _EMPTY_POS, ws) for t, (ids, ws) in postings.items()}

    def conjunction(self, terms: tuple[str, ...]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Positions of the documents holding all ``terms``, and each term's impacts there.

        Cached per query: the alternatives of a compound share their leading parts
        (hoch|wass|warnung, hoch|wass|warnsystem …), which are intersected once."""
        hit = self._conjunctions.get(terms)
        if hit is not None:
            return hit
        pos, ws = self.postings[terms[-1]]
        if len(terms) == 1:
            out = (pos, [ws])
        else:
            common, weights = self.conjunction(terms[:-1])
            if not len(common) or not len(pos):
                out = (_EMPTY_POS, [])
            elif len(common) * 16 < len(pos):  # few candidates: look them up (sorted postings)
                at = np.searchsorted(pos, common)
                np.minimum(at, len(pos) - 1, out=at)
                keep = np.flatnonzero(pos[at] == common)
                out = (common[keep], [w[keep] for w in weights] + [ws[at[keep]]])
            else:  # many: a position map of the term over the space
                where = np.full(self.size, -1, dtype=np.int64)
                where[pos] = np.arange(len(pos))
                at = where[common]
                keep = np.flatnonzero(at >= 0)  # integer gathers: much faster than boolean masks
                out = (common[keep], [w[keep] for w in weights] + [ws[at[keep]]])
        self._conjunctions[terms] = out
        return out

    def spread(self, values: np.ndarray, view_size: int) -> np.ndarray:
        """Values over the space as values over the whole view (0 elsewhere)."""
        if self.docs is None:
            return values
        out = np.zeros(view_size, dtype=values.dtype)
        out[self.docs] = values
        return out


class Scoring:
    """Scoring side of :class:`WhooshBackend` (see :mod:`kb.search.engine.ranking`)."""

    def _group_arrays(self, view: _View, space: _Space, group: german.Group
                      ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Score vectors (over the space) of one group: its best full and its best partial alternative.

        The typed word and its synonyms share one idf, that of the most
        frequent of them (like a single blended term): otherwise a rare
        synonym would outrank documents that use the typed word."""
        n = max(1, view.n_live)
        group_df = max((len(space.postings[a.terms[0]][0]) for a in group.alternatives
                        if len(a.terms) == 1 and a.kind in _BLENDED), default=0)
        full = partial = None
        for alt in group.alternatives:
            if len(alt.terms) == 1:
                pos, ws = space.postings[alt.terms[0]]
                if not len(pos):
                    continue
                df = group_df if alt.kind in _BLENDED and group_df else len(pos)
                values = ws * np.float32(alt.boost * ranking.idf(df, n))
            else:
                found = _all_terms(space, alt, n)
                if found is None:
                    continue
                pos, values = found
            if alt.full:
                if full is None:
                    full = np.zeros(space.size, dtype=np.float32)
                out = full
            else:
                if partial is None:
                    partial = np.zeros(space.size, dtype=np.float32)
                out = partial
            cur = out[pos]
            np.maximum(cur, values, out=cur)
            out[pos] = cur
        return full, partial

    def _indexed(self, view: _View, group: german.Group) -> bool:
        """Some exact or compound-parts alternative of the group is in the index."""
        return any(alt.kind in ("exact", "parts") and all(self._df(view, t) for t in alt.terms)
                   for alt in group.alternatives)

    def _combine(self, view: _View, groups: tuple[german.Group, ...]) -> Scored:
        """Add up the groups (weighted, scaled by coverage; fillers as a bonus) and mark the
        documents that qualify for the strong hits."""
        space = _Space(view, {t: self._term(view, t) for g in groups for a in g.alternatives for t in a.terms})
        only_filler = all(g.filler for g in groups)
        judged = {id(g) for g in german.substantive(groups)}
        scores = np.zeros(space.size, dtype=np.float32)
        matched = np.zeros(space.size, dtype=np.float32)
        full_count = np.zeros(space.size, dtype=np.int16)
        fillers: list[np.ndarray] = []
        fully_matched: list[bool] = []
        total_w = 0.0
        for g in groups:
            full, partial = self._group_arrays(view, space, g)
            full_hit = full > 0 if full is not None else None
            fully_matched.append(full_hit is not None and bool(np.any(full_hit & space.live)))
            only_partial = None
            if partial is not None:
                only_partial = partial > 0
                if full_hit is not None:
                    only_partial &= ~full_hit
            # the group's score: its best alternative (full is not needed any more: reuse it)
            best = full if partial is None else (partial if full is None else np.maximum(full, partial, out=full))
            if g.filler and not only_filler:
                if best is not None:
                    fillers.append(best)
                continue
            w = np.float32(1.0 if only_filler else g.weight)
            total_w += float(w)
            if best is None:
                continue
            if w != 1:
                np.multiply(best, w, out=best)
            scores += best
            # credit as a product and a plain addition, not ``np.add(..., where=mask)``: a masked ufunc
            # costs ~260 µs over 50,000 documents, this ~15 µs; adding 0.0 changes no (non-negative) value
            if full_hit is not None:
                matched += full_hit * w
                if id(g) in judged:
                    full_count += full_hit
            if only_partial is not None:
                matched += only_partial * (w * np.float32(ranking.PARTIAL_CREDIT))
        if total_w > 0:
            part = np.flatnonzero((scores > 0) & (matched < np.float32(total_w)))
            if len(part):
                scores[part] *= (matched[part] / np.float32(total_w)) ** np.float32(ranking.COORD_POWER)
        if fillers:
            hit = scores > 0
            for fs in fillers:
                scores += (fs * np.float32(german.FILLER_WEIGHT)) * hit  # as above: no np.where
        qualified = (full_count >= ranking.required_full(len(judged))) & (scores > 0) & space.live
        return Scored(space.spread(scores, view.size), space.spread(qualified, view.size), fully_matched)


def _all_terms(space: _Space, alt: german.Alternative, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Positions (in the space) of the documents holding every term of a multi-term alternative,
    with the alternative's score."""
    common, weights = space.conjunction(alt.terms)
    if not len(common):
        return None
    values = np.zeros(len(common), dtype=np.float32)
    for t, ws, share in zip(alt.terms, weights, alt.shares(), strict=True):
        values += ws * np.float32(alt.boost * ranking.idf(len(space.postings[t][0]), n) * share)
    return common, values


def strong_mask(scored: Scored, filtered: np.ndarray) -> np.ndarray:
    """The strong hits among ``filtered``: qualified and at least ``FLOOR_RATIO`` of the best."""
    candidates = scored.qualified & filtered
    if not candidates.any():
        return candidates
    # the best candidate's score: scores are never negative and a qualified document's is above 0, so
    # the maximum of scores × candidates (a multiplication by one or zero) is theirs, without a gather
    best = float(np.multiply(scored.scores, candidates, dtype=np.float32).max())
    return candidates & (scored.scores >= np.float32(ranking.FLOOR_RATIO * best))
