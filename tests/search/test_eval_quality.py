"""Regression guard: search quality on the judged German queries."""

from __future__ import annotations

import time

import pytest

from tests.search_eval.run_eval import QUERY_FILES, evaluate_whoosh

MIN_OVERALL = 0.80
MIN_PER_KIND = 0.60


@pytest.mark.parametrize("queries_file", QUERY_FILES, ids=lambda p: p.name)
def test_whoosh_ndcg_at_10(queries_file):
    t = time.perf_counter()
    res = evaluate_whoosh(queries_file)
    assert time.perf_counter() - t < 30
    report = ", ".join(f"{k}={v['ndcg']:.2f}" for k, v in sorted(res["kinds"].items()))
    assert res["overall"]["ndcg"] >= MIN_OVERALL, report
    for kind, v in res["kinds"].items():
        assert v["ndcg"] >= MIN_PER_KIND, f"{kind}: {report}"
