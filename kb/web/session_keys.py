"""Keys of the Flask session that a visitor keeps when signing in (sign-in starts a fresh session)."""

from kb.web.i18n import LANG_SESSION_KEY

SHORTLIST = "shortlist"  # the Merkliste of a visitor without account: case ids
KEPT_AT_SIGN_IN = (LANG_SESSION_KEY, SHORTLIST)
