"""The harvester: publiccode.yml files from URLs and repositories become cases and stay up to date.

fetch (guarded HTTP), forges (where a repository keeps its publiccode.yml), sources (what the
command was given), run (one unit of work per source), status (the admin page's view).
May import the rest of interchange, cases and registry.
"""
