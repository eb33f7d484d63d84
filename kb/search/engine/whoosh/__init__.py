"""Whoosh backend (the only package of the engine that imports whoosh).

Index layout (small on purpose: the app reloads cases from the DB by id)
  ``id``       ID, unique (update/delete by id)
  ``docid``    numeric column (docnum → id)
  ``version``  column (check-index)
  ``text``     all searchable fields in one posting list per term; the
               posting *weight* is the precomputed BM25F impact of the term
               in the document (see :mod:`kb.search.engine.ranking`), produced by
               :class:`ImpactTokenizer` from :mod:`kb.search.engine.german` terms
  ``topic``/``state``/``status``  facet values, existence only
  ``published``/``adopters``      numeric columns (sorting)
  ``hl``       column of zlib-compressed title/summary/body (snippets only)

Search does not use whoosh's query/scoring machinery: it reads the postings
of the query terms (cached per segment), combines them with the group /
alternative model of :func:`kb.search.engine.german.parse_query`, and computes the
filters and disjunctive facet counts with integer bitsets.

Concurrency: writers in any process are serialised with an ``fcntl`` lock on
``<index_dir>/kb-write.lock`` (timeout → :class:`IndexBusyError`) around a
short-lived whoosh writer, so whoosh's ``LockError`` never surfaces.
Readers keep one cached reader per backend object and only reopen it when
the index generation on disk changed.

May import the engine (base, ranking, locking, german) and whoosh.
"""
