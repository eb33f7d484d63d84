"""Reading the published catalogue: lists and profiles, search, regions, statistics,
recommendations, map points and feeds.

May import adoptions, registry, the top-level services and the index glue (kb.search).
"""
