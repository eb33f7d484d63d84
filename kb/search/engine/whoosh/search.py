"""One search over a view: plan, corrections, filters, facet counts, ranking and highlights."""

from __future__ import annotations

import numpy as np

from kb.search.engine import german, plan, ranking
from kb.search.engine.base import SearchHit, SearchQuery, SearchResult, page_ranges, selected_filters
from kb.search.engine.whoosh.codec import _read_postings
from kb.search.engine.whoosh.scoring import Scored, strong_mask
from kb.search.engine.whoosh.view import _FACET_FIELDS, _pack, _View

#: highlights kept per segment (documents × queries; under 1 KB each)
HIGHLIGHTS_PER_SEGMENT = 5_000


class Searching:
    """Search side of :class:`WhooshBackend` (the semantics are in :mod:`kb.search.engine.base`)."""

    def search(self, query: SearchQuery) -> SearchResult:
        planned = plan.plan(query)
        q, parsed = planned.query, planned.parsed
        view = self._current()
        parsed, scored, outcome, match = self._matching(view, q, parsed)
        fmasks = self._filter_masks(view, q)
        filtered = match
        for m in fmasks.values():
            if m is not None:
                filtered = filtered & m
        strong = strong_mask(scored, filtered) if scored is not None else filtered
        facets = self._facet_counts(view, q, match, fmasks, scored, (filtered, strong))
        strong_docs = np.flatnonzero(strong)
        weak_docs = np.flatnonzero(filtered & ~strong) if scored is not None else strong_docs[:0]
        total = int(len(strong_docs) + len(weak_docs))
        paged, strong_ranks, weak_ranks = page_ranges(q, len(strong_docs), len(weak_docs))
        scores = scored.scores if scored is not None else None
        ranked = []
        if len(strong_ranks):
            ranked.append(self._rank(view, q, strong_docs, scores, strong_ranks.stop)[strong_ranks.start:])
        if len(weak_ranks):
            ranked.append(self._rank(view, q, weak_docs, scores, weak_ranks.stop)[weak_ranks.start:])
        hits: list[SearchHit] = []
        if ranked:
            hl_terms = ranking.highlight_terms(parsed) if not parsed.is_empty else None
            for d in np.concatenate(ranked).tolist():
                hits.append(SearchHit(
                    id=int(view.ids[d]),
                    score=round(float(scores[d]), 6) if scores is not None else 0.0,
                    highlights=self._highlights(view, d, hl_terms),
                    weaker=bool(scored is not None and not strong[d]),
                ))
        return SearchResult(
            hits=hits, total=total, page=q.page, per_page=q.per_page, facets=facets,
            strong_total=int(len(strong_docs)), paged_total=paged, place_filters=list(planned.laender),
            place_words=list(planned.named), **outcome,
        )

    def _matching(self, view: _View, q: SearchQuery, parsed: german.ParsedQuery):
        """The parsed query as scored, its scores (None for an empty text), the corrections made and the
        live documents it matches (all live ones for an empty text)."""
        if parsed.is_empty:
            return parsed, None, {}, view.live
        parsed, scored, outcome = self._scored_query(view, q, parsed)
        return parsed, scored, outcome, (scored.scores > 0) & view.live

    def _scored_query(self, view: _View, q: SearchQuery, parsed: german.ParsedQuery):
        """Score the query, with spelling corrections if they find strong hits; the outcome for
        the user (corrected query, unmatched words, related searches)."""
        fixes = {}
        if q.correct:
            fixes = plan.propose_corrections(parsed, self._speller_for(view), lambda g: self._indexed(view, g))
        trial = plan.with_corrections(parsed, fixes)
        scored = self._combine(view, trial.groups)
        if fixes and not scored.qualified.any():  # the corrections find nothing good: as typed
            fixes, trial = {}, parsed
            scored = self._combine(view, parsed.groups)
        display = lambda term: self._display_word(view, term)  # noqa: E731
        outcome: dict = {}
        if fixes:
            outcome["suggestion"] = plan.corrected_text(q.text, parsed, fixes, display)
            outcome["corrected"] = outcome["suggestion"] is not None
        fully = scored.fully_matched
        outcome["unmatched"] = plan.unmatched_words(trial, fully)
        if outcome["unmatched"]:
            outcome["related"] = plan.related_searches(q.text, trial, fully, lambda t: self._df(view, t), display)
        return trial, scored, outcome

    def _filter_masks(self, view: _View, q: SearchQuery) -> dict[str, np.ndarray | None]:
        selected = selected_filters(q)
        fmasks: dict[str, np.ndarray | None] = {}
        for fname, values in selected.items():
            if not values:
                fmasks[fname] = None
                continue
            names = view.facet_values[fname]
            rows = [names.index(v) for v in values if v in names]
            fmasks[fname] = (
                view.facet_matrix[fname][rows].any(axis=0) if rows else np.zeros(view.size, dtype=bool)
            )
        if q.places:  # no facet: read from the postings, a filter on every facet's counts
            mask = np.zeros(view.size, dtype=bool)
            for segreader, offset, _data in view.leaves:
                for key in q.places:
                    docs = _read_postings(segreader, "place", key)[0]
                    if len(docs):
                        mask[docs + offset] = True
            fmasks["place"] = mask
        return fmasks

    def _facet_counts(self, view: _View, q: SearchQuery, match: np.ndarray,
                      fmasks: dict[str, np.ndarray | None], scored: Scored | None,
                      all_filtered: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, dict[str, int]]:
        """Disjunctive counts: each facet counted with the filters of the other facets; of the
        strong hits (by the floor over those filters), unless no document qualifies (see the base module).
        ``all_filtered``: the documents through every filter and the strong ones among them, if known
        (a facet without a filter of its own counts over them)."""
        selected = selected_filters(q)
        strong_only = scored is not None and bool(scored.qualified.any())
        active = tuple(name for name, m in fmasks.items() if m is not None)
        # the filters applied to a facet's base -> packed bits of what is counted (facets whose base has
        # the same filters share it; keyed by the filters, not by id(base): a freed array's id is reused)
        counted: dict[tuple[str, ...], np.ndarray] = {}
        facets: dict[str, dict[str, int]] = {}
        for fname in _FACET_FIELDS:
            applied = tuple(other for other in active if other != fname)
            names = view.facet_values[fname]
            counts: dict[str, int] = {}
            if names:
                if applied not in counted:
                    if applied == active and all_filtered is not None:
                        filtered, strong = all_filtered
                        counted[applied] = _pack(strong if strong_only else filtered)
                    else:
                        base = match
                        for other in applied:
                            base = base & fmasks[other]
                        counted[applied] = _pack(strong_mask(scored, base) if strong_only else base)
                sums = np.bitwise_count(view.facet_packed[fname] & counted[applied]).sum(axis=-1)
                for v, c in zip(names, sums.tolist(), strict=True):
                    if c or v in selected[fname]:
                        counts[v] = int(c)
            for v in selected[fname]:
                counts.setdefault(v, 0)
            facets[fname] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return facets

    def _rank(
        self, view: _View, q: SearchQuery, docs: np.ndarray, scores: np.ndarray | None, need: int
    ) -> np.ndarray:
        """The first ``need`` of ``docs`` in result order (ties: newer, then docnum)."""
        pub = view.published
        if scores is None and q.sort in ("relevance", "newest"):
            if view.newest is None:
                view.newest = np.lexsort((np.arange(view.size), -pub))
            order = view.newest
            keep = np.zeros(view.size, dtype=bool)
            keep[docs] = True
            return order[keep[order]][:need]
        s = scores[docs] if scores is not None else np.zeros(len(docs), dtype=np.float32)
        if q.sort == "newest":
            primary = -pub[docs]
            secondary = -s
        elif q.sort == "adoption":
            primary = -view.adopters[docs].astype(np.float64)
            secondary = -s
        else:
            primary = -s
            secondary = -pub[docs]
        if len(docs) > need * 4 and need < len(docs):
            # preselect everything that can reach the first `need` places (ties included)
            kth = np.partition(primary, need - 1)[need - 1]
            sel = primary <= kth
            docs, primary, secondary = docs[sel], primary[sel], secondary[sel]
        order = np.lexsort((docs, secondary, primary))
        return docs[order][:need]

    def _highlights(self, view: _View, docnum: int, hl_terms) -> dict[str, str]:
        """The marked title and snippets of a document for these terms, worked out once per segment
        (a segment's texts never change: a changed case is written to a new segment)."""
        leaf = next((leaf for leaf in view.leaves if leaf[1] <= docnum < leaf[1] + leaf[2].count), None)
        if leaf is None:
            return {}
        kept = leaf[2].highlights
        key = (docnum - leaf[1], hl_terms)
        found = kept.get(key)
        if found is None:
            found = self._work_out_highlights(view, docnum, hl_terms)
            if len(kept) >= HIGHLIGHTS_PER_SEGMENT:
                kept.clear()
            kept[key] = found
        return dict(found)

    def _work_out_highlights(self, view: _View, docnum: int, hl_terms) -> dict[str, str]:
        data = self._stored_texts(view, docnum)
        if not data:
            return {}
        if hl_terms is None:
            out = {"title": ranking.mark(data["t"], frozenset())}
            s = ranking.snippet(data["s"], frozenset(), size=max(self.snippet_size, 300), require_match=False)
            if s:
                out["summary"] = s
            return out
        terms, whole = hl_terms
        out = {"title": ranking.mark(data["t"], terms, whole)}
        s = ranking.snippet(data["s"], terms, whole, size=max(self.snippet_size, 300), require_match=False)
        if s:
            out["summary"] = s
        b = ranking.snippet(data["b"], terms, whole, size=self.snippet_size, require_match=True, max_scan=10_000)
        if b:
            out["body"] = b
        return out

