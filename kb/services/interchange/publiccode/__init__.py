"""publiccode.yml: reading it (spec 0.2–0.7) into import records, its vocabularies, and
describing software cases as publiccode.yml documents.

May import the rest of interchange, cases and registry.
"""
