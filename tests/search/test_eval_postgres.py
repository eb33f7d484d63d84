"""German search quality on PostgreSQL stays within 0.05 nDCG@10 of the Whoosh backend."""

from __future__ import annotations

import os

import pytest

from tests.search_eval.run_eval import QUERY_FILES, evaluate_backends

DATABASE_URL = os.environ.get("KB_TEST_DATABASE_URL")
MAX_GAP = 0.05


@pytest.mark.skipif(not DATABASE_URL, reason="KB_TEST_DATABASE_URL fehlt (make test setzt sie im "
                                             "PostgreSQL-Durchlauf)")
@pytest.mark.parametrize("queries_file", QUERY_FILES, ids=lambda p: p.name)
def test_postgres_ndcg_within_005_of_whoosh(queries_file):
    results = evaluate_backends([queries_file], DATABASE_URL, no_answer_file=None)
    whoosh, pg = results["whoosh"][queries_file.name], results["postgres"][queries_file.name]
    gaps = {kind: whoosh["kinds"][kind]["ndcg"] - pg["kinds"][kind]["ndcg"] for kind in whoosh["kinds"]}
    report = ", ".join(f"{k}: whoosh {whoosh['kinds'][k]['ndcg']:.3f} / postgres {pg['kinds'][k]['ndcg']:.3f}"
                       for k in sorted(gaps))
    assert whoosh["overall"]["ndcg"] - pg["overall"]["ndcg"] <= MAX_GAP, report
    assert pg["overall"]["ndcg"] >= 0.80, report
