"""Scoring, ranking, facet counts and highlights of a query over a view."""

from __future__ import annotations

import numpy as np

from kb.search.engine import german, ranking
from kb.search.engine.base import SearchHit, SearchQuery, SearchResult, normalise_query
from kb.search.engine.whoosh.view import _FACET_FIELDS, _pack, _View


class Scoring:
    """Search side of :class:`WhooshBackend`: group scores, ranking, facets and highlights over a view."""

    # ---------------------------------------------------------------- search

    def _group_scores(self, view: _View, group: german.Group) -> np.ndarray | None:
        """Dense score vector of one query group (best alternative per doc).

        The typed word and its synonyms share one idf, that of the most
        frequent of them (like a single blended term): otherwise a rare
        synonym would outrank documents that use the typed word."""
        n = max(1, view.n_live)
        out: np.ndarray | None = None
        blended = [
            self._df(view, a.terms[0])
            for a in group.alternatives
            if len(a.terms) == 1 and a.kind in ("exact", "synonym", "fuzzy")
        ]
        group_df = max(blended, default=0)
        for alt in group.alternatives:
            terms = alt.terms
            if len(terms) == 1:
                ids, ws = self._term(view, terms[0])
                if not len(ids):
                    continue
                if out is None:
                    out = np.zeros(view.size, dtype=np.float32)
                df = group_df if alt.kind in ("exact", "synonym", "fuzzy") and group_df else len(ids)
                c = np.float32(alt.boost * ranking.idf(df, n))
                cur = out[ids]
                np.maximum(cur, ws * c, out=cur)
                out[ids] = cur
            else:
                postings = [self._term(view, t) for t in terms]
                if not all(len(p[0]) for p in postings):
                    continue
                count = np.zeros(view.size, dtype=np.int8)
                acc = np.zeros(view.size, dtype=np.float32)
                for ids, ws in postings:
                    count[ids] += 1
                    acc[ids] += ws * np.float32(alt.boost * ranking.idf(len(ids), n) / len(terms))
                full = count == len(terms)
                if not full.any():
                    continue
                if out is None:
                    out = np.zeros(view.size, dtype=np.float32)
                np.maximum(out, np.where(full, acc, np.float32(0)), out=out)
        return out

    def _known(self, view: _View, group: german.Group) -> bool:
        for alt in group.alternatives:
            if alt.kind in ("exact", "parts") and all(self._df(view, t) for t in alt.terms):
                return True
        return False

    def _score(self, view: _View, parsed: german.ParsedQuery) -> tuple[np.ndarray, german.ParsedQuery, bool]:
        """Dense scores (0 = no match), the (possibly fuzzy-extended) query,
        and whether some word was unknown."""
        groups = list(parsed.groups)
        unknown = False
        for i, g in enumerate(groups):
            if g.filler or self._known(view, g):
                continue
            unknown = True
            if len(g.words) == 1:
                correction = self._speller_for(view).correct(g.text)
                if correction is not None:
                    groups[i] = german.fuzzy_group(g, correction)
        parsed = german.ParsedQuery(tuple(groups), parsed.text)
        only_filler = all(g.filler for g in groups)
        scores = np.zeros(view.size, dtype=np.float32)
        matched = np.zeros(view.size, dtype=np.float32)
        fillers: list[np.ndarray] = []
        total_w = 0.0
        for g in groups:
            w = 1.0 if only_filler else g.weight
            if g.filler and not only_filler:
                gs = self._group_scores(view, g)
                if gs is not None:
                    fillers.append(gs)
                continue
            total_w += w
            gs = self._group_scores(view, g)
            if gs is None:
                continue
            scores += np.float32(w) * gs
            matched += np.where(gs > 0, np.float32(w), np.float32(0))
        if total_w > 0:
            partial = (matched > 0) & (matched < total_w)
            if partial.any():
                scores[partial] *= (matched[partial] / np.float32(total_w)) ** np.float32(ranking.COORD_POWER)
        if fillers:
            hit = scores > 0
            for fs in fillers:
                scores += np.where(hit, fs * np.float32(german.FILLER_WEIGHT), np.float32(0))
        return scores, parsed, unknown

    def search(self, query: SearchQuery) -> SearchResult:
        q = normalise_query(query)
        view = self._current()
        parsed = german.parse_query(q.text) if q.text else german.ParsedQuery(())
        scores: np.ndarray | None = None
        suggestion = None
        if parsed.is_empty:
            match = view.live
        else:
            scores, parsed, unknown = self._score(view, parsed)
            match = (scores > 0) & view.live
            if unknown or int(np.count_nonzero(match)) < 3:
                speller = self._speller_for(view)
                suggestion = speller.suggest(q.text, display=lambda t: self._display_word(view, t))

        selected = {"topic": q.topics, "state": q.states, "status": q.statuses}
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
        facets: dict[str, dict[str, int]] = {}
        for fname in _FACET_FIELDS:
            base = match
            for other, m in fmasks.items():
                if other != fname and m is not None:
                    base = base & m
            names = view.facet_values[fname]
            counts: dict[str, int] = {}
            if names:
                sums = np.bitwise_count(view.facet_packed[fname] & _pack(base)).sum(axis=-1)
                for v, c in zip(names, sums.tolist(), strict=True):
                    if c or v in selected[fname]:
                        counts[v] = int(c)
            for v in selected[fname]:
                counts.setdefault(v, 0)
            facets[fname] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        filtered = match
        for m in fmasks.values():
            if m is not None:
                filtered = filtered & m
        docs = np.flatnonzero(filtered)
        total = int(len(docs))

        start = (q.page - 1) * q.per_page
        need = start + q.per_page
        hits: list[SearchHit] = []
        if start < total:
            ranked = self._rank(view, q, docs, scores, need)[start:need]
            hl_terms = ranking.highlight_terms(parsed) if not parsed.is_empty else None
            for d in ranked.tolist():
                hits.append(
                    SearchHit(
                        id=int(view.ids[d]),
                        score=round(float(scores[d]), 6) if scores is not None else 0.0,
                        highlights=self._highlights(view, d, hl_terms),
                    )
                )
        return SearchResult(
            hits=hits, total=total, page=q.page, per_page=q.per_page, facets=facets, suggestion=suggestion
        )

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
