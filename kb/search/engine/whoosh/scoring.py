"""Scores of a parsed query over a view: alternatives, groups, coverage and the relevance floor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kb.search.engine import german, ranking
from kb.search.engine.whoosh.view import _View

_BLENDED = ("exact", "synonym", "fuzzy")


@dataclass
class Scored:
    """Dense scores of one query (0 = no match), which documents qualify for the strong hits, and
    per group whether some live document matches it fully."""

    scores: np.ndarray
    qualified: np.ndarray
    fully_matched: list[bool]


class Scoring:
    """Scoring side of :class:`WhooshBackend` (see :mod:`kb.search.engine.ranking`)."""

    def _group_arrays(self, view: _View, group: german.Group) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Dense score vectors of one group: its best full and its best partial alternative.

        The typed word and its synonyms share one idf, that of the most
        frequent of them (like a single blended term): otherwise a rare
        synonym would outrank documents that use the typed word."""
        n = max(1, view.n_live)
        group_df = max((self._df(view, a.terms[0]) for a in group.alternatives
                        if len(a.terms) == 1 and a.kind in _BLENDED), default=0)
        full = partial = None
        for alt in group.alternatives:
            if len(alt.terms) == 1:
                ids, ws = self._term(view, alt.terms[0])
                if not len(ids):
                    continue
                df = group_df if alt.kind in _BLENDED and group_df else len(ids)
                values = ws * np.float32(alt.boost * ranking.idf(df, n))
            else:
                found = self._all_terms(view, alt, n)
                if found is None:
                    continue
                ids, values = found
            if alt.full:
                if full is None:
                    full = np.zeros(view.size, dtype=np.float32)
                out = full
            else:
                if partial is None:
                    partial = np.zeros(view.size, dtype=np.float32)
                out = partial
            cur = out[ids]
            np.maximum(cur, values, out=cur)
            out[ids] = cur
        return full, partial

    def _all_terms(self, view: _View, alt: german.Alternative, n: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Docnums holding every term of a multi-term alternative, with the alternative's score."""
        postings = [self._term(view, t) for t in alt.terms]
        if not all(len(ids) for ids, _ws in postings):
            return None
        shares = alt.shares()
        shortest = min(len(ids) for ids, _ws in postings)
        if shortest * 64 < view.size:  # short lists: look the shortest up in the others (sorted postings)
            common = min(postings, key=lambda p: len(p[0]))[0]
            for ids, _ws in postings:
                pos = np.searchsorted(ids, common)
                np.minimum(pos, len(ids) - 1, out=pos)
                common = common[ids[pos] == common]
                if not len(common):
                    return None
            values = np.zeros(len(common), dtype=np.float32)
            for (ids, ws), share in zip(postings, shares, strict=True):
                values += ws[np.searchsorted(ids, common)] * np.float32(alt.boost * ranking.idf(len(ids), n) * share)
            return common, values
        count = np.zeros(view.size, dtype=np.int8)  # long lists: count and add up over all documents
        acc = np.zeros(view.size, dtype=np.float32)
        for (ids, ws), share in zip(postings, shares, strict=True):
            count[ids] += 1
            acc[ids] += ws * np.float32(alt.boost * ranking.idf(len(ids), n) * share)
        common = np.flatnonzero(count == len(postings))
        if not len(common):
            return None
        values = acc[common]
        return common, values

    def _indexed(self, view: _View, group: german.Group) -> bool:
        """Some exact or compound-parts alternative of the group is in the index."""
        return any(alt.kind in ("exact", "parts") and all(self._df(view, t) for t in alt.terms)
                   for alt in group.alternatives)

    def _combine(self, view: _View, groups: tuple[german.Group, ...]) -> Scored:
        """Add up the groups (weighted, scaled by coverage; fillers as a bonus) and mark the
        documents that qualify for the strong hits."""
        only_filler = all(g.filler for g in groups)
        judged = {id(g) for g in german.substantive(groups)}
        scores = np.zeros(view.size, dtype=np.float32)
        matched = np.zeros(view.size, dtype=np.float32)
        full_count = np.zeros(view.size, dtype=np.int16)
        fillers: list[np.ndarray] = []
        fully_matched: list[bool] = []
        total_w = 0.0
        for g in groups:
            full, partial = self._group_arrays(view, g)
            full_hit = full > 0 if full is not None else None
            fully_matched.append(full_hit is not None and bool(np.any(full_hit & view.live)))
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
            if full_hit is not None:
                np.add(matched, w, out=matched, where=full_hit)
                if id(g) in judged:
                    full_count += full_hit
            if only_partial is not None:
                np.add(matched, w * np.float32(ranking.PARTIAL_CREDIT), out=matched, where=only_partial)
        if total_w > 0:
            part = (scores > 0) & (matched < np.float32(total_w))
            if part.any():
                scores[part] *= (matched[part] / np.float32(total_w)) ** np.float32(ranking.COORD_POWER)
        if fillers:
            hit = scores > 0
            for fs in fillers:
                scores += np.where(hit, fs * np.float32(german.FILLER_WEIGHT), np.float32(0))
        qualified = (full_count >= ranking.required_full(len(judged))) & (scores > 0) & view.live
        return Scored(scores, qualified, fully_matched)


def strong_mask(scored: Scored, filtered: np.ndarray) -> np.ndarray:
    """The strong hits among ``filtered``: qualified and at least ``FLOOR_RATIO`` of the best."""
    candidates = scored.qualified & filtered
    if not candidates.any():
        return candidates
    best = float(scored.scores[candidates].max())
    return candidates & (scored.scores >= np.float32(ranking.FLOOR_RATIO * best))
