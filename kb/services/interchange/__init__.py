"""Cases in and out of the instance: import, export, backup and restore, publiccode.yml.

May import cases, registry, the top-level services and the index glue (kb.search).
"""
