"""Who may do what: one row per route and method, one column per role.

``tests/test_authz_matrix.py`` requests every route of ``app.url_map`` as each role and
checks the outcome written here. A route of the app that is missing from ``MATRIX`` makes the
test fail with its name and a line to paste – new routes cannot slip through untested.

Columns: anonymous, reader, unconfirmed, contributor, elsewhere, moderator, admin (see ``ROLES``).
Every signed-in matrix account but "elsewhere" belongs to Leipzig; all but "unconfirmed" are
confirmed members. "unconfirmed" is a self-registered contributor whose membership of Leipzig is
not confirmed (issue 19, item 2): what it declares or reports for Leipzig only waits for the
moderation. "elsewhere" is a confirmed contributor of another municipality (Chemnitz, issue 14):
it may ask, join and follow like any member, never act for Leipzig or on what others wrote.

Outcomes:
  OK     the view runs: 2xx/3xx (not a redirect to the login page), or 400/409 for the empty
         or deliberately incomplete test input (the view refused the input, not the person)
  PASS   the authorisation gate lets the role through; the view may still answer 404 because
         the test data has nothing for this role (e.g. no own adoption to confirm)
  LOGIN  redirect to the login page with ?next= (anonymous visitors); a redirect to the
         login page without ?next= after success (e.g. "address confirmed") counts as OK
  E401   401, an API token is required (session cookies do not count)
  E403   403 Forbidden
  E404   404 – the object is hidden from this role (unpublished cases)
  HELD   the view runs (2xx/3xx) but only stores a pending proposal: the published adoptions
         and experience reports stay exactly as they were
  OWN    the view runs (2xx/3xx) or answers 404, acting at most on the role's own organisation:
         Leipzig's adoptions and experience reports stay exactly as they were

URL placeholders are filled per request by ``MatrixData`` in tests/authz_data.py, most of
them with fresh objects, so state-changing requests of one role cannot disturb the next:
  {published}      slug of a published seed case run outside Leipzig (the matrix users
                   belong to Leipzig, so they may adopt it)
  {software}       slug of a published case with a repository (publiccode.yml)
  {draft}          a fresh draft written by the matrix contributor
  {foreign_draft}  a fresh draft written by another contributor
  {submitted}      a fresh case of the matrix contributor waiting in moderation
  {user_id}        a fresh reader account
  {adoption_id}    a fresh adoption of {published} (the URL must use {published} as slug)
  {adopted}        slug of another published case that Leipzig adopted (verified, with an
                   experience report), reset before every request
  {proposal_id}    a pending declaration of the "unconfirmed" account for {published}
  {second_published}  another published case outside Leipzig that no test row joins
  {own_case}       slug of a published seed case run by Leipzig (the matrix users' municipality)
  {adopter_org}    organisation id of an adopter of {published}
  {need}           a fresh published need of Dresden (not the matrix users' municipality)
  {leipzig_referent}  Leipzig's organisation id, the matrix contributor made its referent on {own_case}
  {submitted_need} a fresh need of the matrix contributor waiting in moderation
  {unsubscribe_token}  an unsubscribe token of a fresh follow of a fresh account
  {confirm_token}  a confirmation token of a fresh unconfirmed account
  {reset_token}    a password-reset token of a fresh account
  {municipality} {kreis} {land} {static}   fixed registry keys / a static file
POST requests send an empty form (plus what ``POST_DATA`` adds) without CSRF token
(the CSRF check itself is tested in test_csrf.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("anonymous", "reader", "unconfirmed", "contributor", "elsewhere", "moderator", "admin")

OK, PASS, LOGIN, E401, E403, E404, HELD, OWN = "OK", "PASS", "LOGIN", "401", "403", "404", "HELD", "OWN"

PUBLIC = (OK, OK, OK, OK, OK, OK, OK)
MEMBERS = (LOGIN, OK, OK, OK, OK, OK, OK)
MEMBERS_PASS = (LOGIN, PASS, PASS, PASS, PASS, PASS, PASS)
CONTRIBUTORS = (LOGIN, E403, OK, OK, OK, OK, OK)
MODERATORS = (LOGIN, E403, E403, E403, E403, OK, OK)
MODERATORS_PASS = (LOGIN, E403, E403, E403, E403, PASS, PASS)
ADMINS = (LOGIN, E403, E403, E403, E403, E403, OK)
TOKEN_ONLY = (E401,) * 7
# unpublished case written by the matrix contributor: its author and moderators only
AUTHOR_VIEW = (E404, E404, E404, OK, E404, OK, OK)
AUTHOR_ACTION = (LOGIN, E403, E404, OK, E404, OK, OK)
FOREIGN_VIEW = (E404, E404, E404, E404, E404, OK, OK)
FOREIGN_ACTION = (LOGIN, E403, E404, E404, E404, OK, OK)
NOT_EDITORS = (LOGIN, E403, E403, E403, E403, OK, OK)  # seed cases: moderation only
# Leipzig's verified adoption of {adopted}: confirmed members change it, the unconfirmed one proposes
LEIPZIG_CHANGES = (LOGIN, OK, HELD, OK, OWN, OK, OK)
NEED_MANAGERS = (LOGIN, E403, E403, E403, E403, OK, OK)  # a need of Dresden: its author and the moderation
NOBODY = (LOGIN, E403, E403, E403, E403, E403, E403)  # only those inside a need or pool (none of the matrix accounts)
LEIPZIG_ONLY_CONFIRMED = (LOGIN, OK, E403, OK, OWN, OK, OK)
CONFIRMED_MEMBERS = (LOGIN, OK, E403, OK, OK, OK, OK)  # members whose municipality is confirmed
OWNER_MEMBERS = (LOGIN, OK, E403, OK, E403, OK, OK)  # confirmed members of the case owner (Leipzig)


@dataclass(frozen=True)
class Check:
    """One URL of an endpoint with the expected outcome per role for each method."""

    url: str
    get: tuple[str, ...] | None = None
    post: tuple[str, ...] | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    def expectations(self) -> dict[str, tuple[str, ...]]:
        return {m: e for m, e in (("GET", self.get), ("POST", self.post)) if e is not None}


MATRIX: dict[str, list[Check]] = {
    # -- public catalogue ---------------------------------------------------------------
    "catalog.index": [Check("/", get=PUBLIC)],
    "catalog.browse": [Check("/cases", get=PUBLIC)],
    "catalog.search": [Check("/search?q=Chatbot", get=PUBLIC)],
    "catalog.search_suggest": [Check("/search/suggest?q=Chat", get=PUBLIC)],
    "catalog.case_detail": [
        Check("/cases/{published}", get=PUBLIC),
        Check("/cases/{draft}", get=AUTHOR_VIEW),
        Check("/cases/{submitted}", get=AUTHOR_VIEW),
        Check("/cases/{foreign_draft}", get=FOREIGN_VIEW),
    ],
    "catalog.municipality": [Check("/municipalities/{municipality}", get=PUBLIC)],
    # -- Merkliste: everyone, kept in the session without an account -----------------------
    "shortlist.index": [Check("/merkliste", get=PUBLIC)],
    "shortlist.add": [Check("/merkliste", post=PUBLIC, extra={"case": "brandenburg-maerker-maengelmelder"})],
    "shortlist.remove": [Check("/merkliste/entfernen", post=PUBLIC,
                               extra={"case": "brandenburg-maerker-maengelmelder"})],
    "shortlist.compare": [
        Check("/vergleich?cases={published},{second_published}", get=PUBLIC),
        Check("/vergleich?cases={draft},{published}", get=PUBLIC,
              note="400 with the same message as an unknown slug: a draft is never shown, not even to its author"),
    ],
    "catalog.steckbrief_pdf": [
        Check("/cases/{published}/steckbrief.pdf", get=PUBLIC),
        Check("/cases/{draft}/steckbrief.pdf", get=(E404,) * 7, note="published cases only, also for the author"),
    ],
    "catalog.kreis": [Check("/kreise/{kreis}", get=PUBLIC)],
    "catalog.land": [Check("/laender/{land}", get=PUBLIC)],
    "catalog.statistics_page": [Check("/statistik", get=PUBLIC)],
    "catalog.about": [Check("/ueber", get=PUBLIC)],
    "catalog.accessibility": [Check("/barrierefreiheit", get=PUBLIC)],
    "catalog.data_sources": [Check("/datenquellen", get=PUBLIC)],
    "catalog.imprint": [Check("/impressum", get=PUBLIC)],
    "catalog.privacy": [Check("/datenschutz", get=PUBLIC)],
    "catalog.switch_language": [Check("/sprache", post=PUBLIC)],
    "static": [Check("/static/{static}", get=PUBLIC)],
    # -- accounts ------------------------------------------------------------------------
    "auth.login": [Check("/login", get=PUBLIC, post=PUBLIC)],
    "auth.logout": [Check("/logout", post=PUBLIC)],
    "auth.register": [Check("/register", get=PUBLIC, post=PUBLIC)],
    "auth.register_done": [Check("/register/gesendet", get=PUBLIC)],
    "auth.confirm_email": [Check("/konto/bestaetigen/{confirm_token}", get=PUBLIC, post=PUBLIC)],
    "auth.resend_confirmation": [Check("/konto/bestaetigung", get=PUBLIC, post=PUBLIC)],
    "auth.forgot_password": [Check("/passwort-vergessen", get=PUBLIC, post=PUBLIC)],
    "auth.reset_password": [Check("/passwort-neu/{reset_token}", get=PUBLIC, post=PUBLIC)],
    "auth.account": [Check("/konto", get=MEMBERS)],
    "auth.change_password": [Check("/konto/passwort", get=MEMBERS, post=MEMBERS)],
    "auth.sign_out_everywhere": [Check("/konto/ueberall-abmelden", post=MEMBERS)],
    # -- submission ----------------------------------------------------------------------
    "submission.new": [Check("/cases/new", get=CONTRIBUTORS, post=CONTRIBUTORS)],
    "submission.edit": [
        Check("/cases/{draft}/edit", get=AUTHOR_ACTION, post=AUTHOR_ACTION),
        Check("/cases/{foreign_draft}/edit", get=FOREIGN_ACTION, post=FOREIGN_ACTION),
        Check("/cases/{published}/edit", get=NOT_EDITORS, post=NOT_EDITORS,
              note="seed cases have no author: only moderation edits them"),
    ],
    "submission.submit": [
        Check("/cases/{draft}/submit", post=AUTHOR_ACTION, note="the fresh draft is incomplete: 400"),
        Check("/cases/{foreign_draft}/submit", post=FOREIGN_ACTION),
    ],
    "submission.delete": [
        Check("/cases/{draft}/delete", post=AUTHOR_ACTION),
        Check("/cases/{foreign_draft}/delete", post=FOREIGN_ACTION),
        Check("/cases/{published}/delete", post=NOT_EDITORS,
              note="refused with a message (published cases are never deleted)"),
    ],
    "submission.share": [Check("/teilen", get=PUBLIC)],
    "submission.similar": [Check("/cases/aehnlich?q=Masterportal", get=PUBLIC)],
    "submission.guided_start": [Check("/cases/neu/worum", get=CONTRIBUTORS, post=CONTRIBUTORS,
                                      note="the empty step is refused: 400")],
    "submission.guided_step": [
        Check("/cases/{draft}/schritte/betrieb", get=AUTHOR_ACTION, post=AUTHOR_ACTION),
        Check("/cases/{draft}/schritte/pruefen", get=AUTHOR_ACTION, post=AUTHOR_ACTION,
              note="the fresh draft is incomplete: 400 naming the steps"),
        Check("/cases/{foreign_draft}/schritte/kontakt", get=FOREIGN_ACTION, post=FOREIGN_ACTION),
    ],
    "submission.mine": [Check("/meine-beitraege", get=CONTRIBUTORS)],
    "submission.suggest_places": [Check("/municipalities/suggest?q=Leip", get=PUBLIC)],
    # -- moderation ----------------------------------------------------------------------
    "moderation.queue": [Check("/moderation", get=MODERATORS)],
    "moderation.review": [
        Check("/moderation/{submitted}", get=MODERATORS),
        Check("/moderation/{published}", get=MODERATORS),
    ],
    "moderation.decide": [Check("/moderation/{submitted}", post=MODERATORS,
                                note="no decision in the empty form: 400")],
    "moderation.proposal": [Check("/moderation/nachnutzungen/{proposal_id}", get=MODERATORS)],
    "moderation.decide_proposal": [Check("/moderation/nachnutzungen/{proposal_id}", post=MODERATORS,
                                         note="no decision in the empty form: 400")],
    "moderation.unpublish": [Check("/moderation/{published}/zuruecknehmen", post=MODERATORS,
                                   note="no reason in the empty form: 400")],
    "moderation.delete": [Check("/moderation/{published}/loeschen", post=ADMINS,
                                note="no reason, no confirmation in the empty form: 400")],
    "moderation.verify_membership": [Check("/moderation/{submitted}/mitgliedschaft", post=MODERATORS,
                                           note="the matrix contributor is verified already: back to the review")],
    "moderation.history": [
        Check("/cases/{submitted}/versionen", get=AUTHOR_ACTION),
        Check("/cases/{foreign_draft}/versionen", get=FOREIGN_ACTION),
        Check("/cases/{published}/versionen", get=FOREIGN_ACTION),
    ],
    "moderation.compare": [
        Check("/cases/{submitted}/versionen/vergleich?alt=1&neu=aktuell", get=AUTHOR_ACTION),
        Check("/cases/{foreign_draft}/versionen/vergleich?alt=1&neu=aktuell",
              get=(LOGIN, E403, E404, E404, E404, E404, E404),
              note="a draft has no stored version 1 yet: 404 even for moderators"),
    ],
    # -- administration ------------------------------------------------------------------
    "admin.users": [Check("/admin/users", get=ADMINS)],
    "admin.user": [Check("/admin/users/{user_id}", get=ADMINS)],
    "admin.change_role": [Check("/admin/users/{user_id}/role", post=ADMINS, note="no role given: 400")],
    "admin.membership": [Check("/admin/users/{user_id}/membership", post=ADMINS)],
    "admin.active": [Check("/admin/users/{user_id}/active", post=ADMINS)],
    "admin.unlock": [Check("/admin/users/{user_id}/unlock", post=ADMINS)],
    "admin.audit_log": [Check("/admin/audit", get=ADMINS)],
    "admin.harvest_sources": [Check("/admin/quellen", get=ADMINS)],
    # -- adoption (issue 5) --------------------------------------------------------------
    "adoption.declare": [
        Check("/cases/{published}/adopt", get=MEMBERS_PASS, post=MEMBERS_PASS),
        Check("/cases/{adopted}/adopt", get=MEMBERS, post=LEIPZIG_CHANGES,
              extra={"status": "eingestellt", "note": "Matrix: abgeschaltet"}),
    ],
    "adoption.confirm": [Check("/cases/{published}/adopt/confirm", post=MEMBERS_PASS),
                         Check("/cases/{adopted}/adopt/confirm", post=LEIPZIG_ONLY_CONFIRMED)],
    "adoption.withdraw": [Check("/cases/{published}/adopt/withdraw", post=MEMBERS_PASS),
                          Check("/cases/{adopted}/adopt/withdraw", post=LEIPZIG_ONLY_CONFIRMED)],
    "adoption.report": [
        Check("/cases/{published}/adopt/report", get=MEMBERS_PASS, post=MEMBERS_PASS),
        Check("/cases/{adopted}/adopt/report", get=(LOGIN, OK, OK, OK, OWN, OK, OK), post=LEIPZIG_CHANGES,
              extra={"months_to_live": "", "effort_person_days": "", "cost_band": "", "recommend": "",
                     "adapted": "", "data_prerequisites": "", "pitfalls": "Matrix: alles anders"}),
    ],
    "adoption.withdraw_proposal": [Check("/cases/{published}/adopt/vorschlag/{proposal_id}/zurueckziehen",
                                         post=(LOGIN, E404, OK, E404, E404, E404, E404),
                                         note="only its author (the unconfirmed account) takes a proposal back")],
    "adoption.moderate": [Check("/cases/{published}/adoptions/{adoption_id}/moderate",
                                get=MODERATORS_PASS, post=MODERATORS_PASS)],
    "adoption.remove": [Check("/cases/{published}/adoptions/{adoption_id}/remove", post=MODERATORS_PASS)],
    "adoption.owner_confirm": [Check("/cases/{published}/adoptions/{adoption_id}/owner-confirm",
                                     post=(LOGIN, E403, E403, E403, E403, E403, E403),
                                     note="only confirmed members of the owner (none of the matrix accounts)")],
    # -- open data and API (issue 6) -----------------------------------------------------
    "api.list_cases": [Check("/api/v1/cases", get=PUBLIC)],
    "api.get_case": [Check("/api/v1/cases/{published}", get=PUBLIC),
                     Check("/api/v1/cases/{draft}", get=(E404,) * 7, note="unpublished: 404 for everyone")],
    "api.get_municipality": [Check("/api/v1/municipalities/{municipality}", get=PUBLIC)],
    "api.search": [Check("/api/v1/search?q=Chatbot", get=PUBLIC)],
    "api.openapi": [Check("/api/v1/openapi.json", get=PUBLIC)],
    "api.list_changes": [Check("/api/v1/changes?since=2020-01-01", get=PUBLIC)],
    "api.submit_case": [Check("/api/v1/cases", post=TOKEN_ONLY)],
    "api.declare_adoption": [Check("/api/v1/cases/{published}/adoptions", post=TOKEN_ONLY)],
    "opendata.index": [Check("/daten", get=PUBLIC)],
    "opendata.api_docs": [Check("/daten/api", get=PUBLIC)],
    "opendata.cases_feed": [Check("/feeds/cases.atom", get=PUBLIC)],
    "opendata.municipality_feed": [Check("/feeds/municipalities/{municipality}.atom", get=PUBLIC)],
    "opendata.dcat_turtle": [Check("/daten/dcat.ttl", get=PUBLIC)],
    "opendata.dcat_jsonld": [Check("/daten/dcat.jsonld", get=PUBLIC)],
    "opendata.download_csv": [Check("/daten/praxisatlas-faelle.csv", get=PUBLIC)],
    "opendata.download_jsonl": [Check("/daten/praxisatlas-faelle.jsonl", get=PUBLIC)],
    "opendata.download_publiccode": [Check("/daten/praxisatlas-software.publiccode.yml", get=PUBLIC)],
    "opendata.case_publiccode": [Check("/cases/{software}/publiccode.yml", get=PUBLIC),
                                 Check("/cases/{draft}/publiccode.yml", get=(E404,) * 7)],
    # -- people and demand (issue 14) ----------------------------------------------------
    "community.contact_team": [Check("/cases/{published}/kontakt", get=MEMBERS, post=MEMBERS,
                                     note="the empty form is refused: 400")],
    "community.contact_adopter": [Check("/cases/{published}/frage/{adopter_org}", get=MEMBERS, post=MEMBERS)],
    "community.declare_referent": [Check("/cases/{own_case}/ansprechperson", get=MEMBERS, post=OWNER_MEMBERS,
                                         note="confirmed members of the owner; no name given: 400")],
    "community.withdraw_referent": [Check("/cases/{published}/ansprechperson/{adopter_org}/entfernen",
                                          post=MEMBERS, note="nobody to remove: back to the case"),
                                    Check("/cases/{own_case}/ansprechperson/{leipzig_referent}/entfernen",
                                          post=(LOGIN, E403, E403, OK, E403, OK, OK),
                                          note="the referent (the matrix contributor) themself or the moderation")],
    "community.follow": [Check("/abos", post=MEMBERS_PASS, note="nothing named: 404")],
    "community.unfollow": [Check("/abos/entfernen", post=MEMBERS)],
    "community.my_follows": [Check("/konto/abos", get=MEMBERS)],
    "community.unsubscribe": [Check("/abbestellen/{unsubscribe_token}", get=PUBLIC, post=PUBLIC,
                                    note="the signed token is the permission, no login")],
    "community.needs_board": [Check("/bedarfe", get=PUBLIC)],
    "community.new_need": [Check("/bedarfe/neu", get=MEMBERS, post=MEMBERS, note="empty form: 400")],
    "community.need_detail": [Check("/bedarfe/{need}", get=PUBLIC),
                              Check("/bedarfe/{submitted_need}", get=AUTHOR_VIEW)],
    "community.join_need": [Check("/bedarfe/{need}/mitmachen", post=CONFIRMED_MEMBERS,
                                  note="an unconfirmed member may not list its municipality"),
                            Check("/bedarfe/{submitted_need}/mitmachen",
                                  post=(LOGIN, E404, E404, E403, E404, E403, E403),
                                  note="unpublished: hidden, for its author and moderators not joinable")],
    "community.leave_need": [Check("/bedarfe/{need}/austreten", post=MEMBERS)],
    "community.close_need": [Check("/bedarfe/{need}/erledigt", post=NEED_MANAGERS)],
    "community.contact_need": [Check("/bedarfe/{need}/kontakt", get=NOBODY, post=NOBODY,
                                     note="only municipalities that share the need")],
    "community.review_need": [Check("/moderation/bedarfe/{submitted_need}", get=MODERATORS, post=MODERATORS,
                                    note="no decision: 400")],
    "community.case_pool": [Check("/cases/{published}/mitmachen", get=PUBLIC, post=MEMBERS)],
    "community.contact_pool": [Check("/cases/{second_published}/mitmachen/kontakt", get=NOBODY, post=NOBODY,
                                     note="only municipalities in the interest pool")],
    "opendata.updates_feed": [Check("/feeds/updates.atom", get=PUBLIC),
                              Check("/feeds/updates.atom?case={published}", get=PUBLIC)],
    # -- operations (issue 8) --------------------------------------------------------------
    "ops.healthz": [Check("/healthz", get=PUBLIC)],
}


# -- API tokens (issue 19, item 4) -----------------------------------------------------------------
# A token of Jena writes adoptions only for Jena. Each row: what the token sends, the status it
# gets, and which organisations then have an adoption of the case that were not there before.
# {published} as above; {new_slug} a fresh slug; "adopters" name other organisations.


@dataclass(frozen=True)
class ApiCheck:
    path: str
    body: dict
    status: int
    new_adopters: frozenset = frozenset()
    note: str = ""


THIRD_PARTIES = ("München", "Hamburg", {"organisation": {"name": "Verein Matrix"}})

API_ADOPTERS = [
    ApiCheck("/api/v1/cases/{published}/adoptions", {"status": "pilot"}, 201, frozenset({"Jena"}),
             note="its own organisation: declared (unverified)"),
    ApiCheck("/api/v1/cases/{published}/adoptions", {"status": "pilot", "organisation": "München"}, 422,
             note="no field names another organisation"),
    ApiCheck("/api/v1/cases/{published}/adoptions", {"status": "pilot", "municipality": "09162000"}, 422),
    ApiCheck("/api/v1/cases", {"slug": "{new_slug}", "adopters": THIRD_PARTIES}, 202,
             note="a new case: adopters held for the moderation review, none created"),
    ApiCheck("/api/v1/cases", {"slug": "{published_jena}", "adopters": THIRD_PARTIES}, 202,
             note="an edit of its published case: held as well, existing adoptions untouched"),
    ApiCheck("/api/v1/cases", {"slug": "{new_slug}", "municipality": "München", "adopters": THIRD_PARTIES}, 403,
             note="a case of another organisation"),
]
