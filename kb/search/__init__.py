"""The search index of this application: which backend serves it (backend), how it follows the
database (sync: session listeners, outbox, drain, lock), the documents it holds (documents)
and its upkeep (maintenance: check, rebuild, repair).

The engine itself is the standalone library in kb.search.engine. May import the engine,
models, kb.extensions and Flask; never services, web, cli or views.
"""
