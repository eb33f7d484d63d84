"""The business logic: one function per use, called alike by the views, the JSON API and the CLI.

Rules
  * The session and the acting user are passed in (``session``, ``actor``/``author``); nothing
    here reads request globals.
  * Only services commit, once per unit of work (``unit_of_work.retrying`` runs one again when a
    concurrent writer got in its way); views and commands never commit.
  * Bad input raises an error that names the field (``FieldProblem`` with a stable ``code``, or
    an ``…Error`` with ``field``); callers show it as a form error, a JSON error or a CLI message.
  * May import the index glue (kb.search), models, kb.database and kb.extensions; never web,
    cli or views (import-linter contract in pyproject.toml).

Map (a sub-domain imports only those below it; registry imports no other)
  community/    relay (contact through the site), referents, follows, updates (what followers hear
                of), digests, needs (Bedarf melden), pools (Mitmachen), throttle, addresses
                (what never leaves the site), similar (cases matching a need)
  interchange/  importing, exporting, problems (what an import refuses), structured_input
                (limits for untrusted JSON/YAML), backup, backup_format, changes (the change
                feeds), dcat (DCAT-AP.de), harvest/ {fetch, forges, sources, run, status},
                publiccode/ {reader, schema, tolerance (non-strict reading), vocabulary, export}
  accounts/     users (creation, lookup), authentication (sign-in, lock-out), registration,
                passwords, password_policy, tokens (signed mail links), api_tokens, admin
  cases/        record (the one case-record parser and serializer), fields (formats, problem
                codes), writer, bulk, submissions, listed_adopters (adopters an API record
                names, held for the moderator), moderation, revisions, completeness, review_aids, removal (unpublish,
                delete), journal (the change journal every flush writes)
  catalog/      listing (lists, facets, cases, profiles), search, regions, statistics,
                recommendations, geo (map points), feeds, reference (topics and Länder, cached),
                cards (what a result card loads), similar (the duplicate check)
  adoptions/    declarations ("Wir nutzen das auch"), proposals (unconfirmed members' declarations
                and reports held for moderation), reminders, reports (experience reports)
  registry/     gazetteer (the Destatis registry), names (name resolution), name_fallbacks
                (adopter names as usedBy lists write them), typeahead, organisations, topics
  audit  unit_of_work  mail  notifications (every mail text)  links (absolute links)  setup  health
  deferred (work after the response)  private_files (files only the service account reads)
  decisions (a moderator's reason)  paging (one page of a list)
  generation (the data generation: HTTP validators and per-process caches are keyed on it)
"""
