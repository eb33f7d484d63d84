"""Which new passwords are refused (issue 19, item 11), each with a message that says why.

- shorter than 10 or longer than 200 characters;
- one of about 20,000 common passwords (``data/common-passwords.txt.gz``, from Django, BSD-3-Clause;
  see NOTICE.md), also with a few digits or symbols added before or after (``sommer2024!``);
- only repetitions or a simple sequence (``aaaaaaaaaa``, ``1234567890``, ``abcabcabca``, ``qwertzuiop``);
- the account's own e-mail address, the part before the ``@`` or the name.
"""

from __future__ import annotations

import gzip
import re
import string
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 10
MAX_LENGTH = 200
COMMON_FILE = Path(__file__).parent / "data" / "common-passwords.txt.gz"
KEYBOARD_ROWS = ("qwertzuiopü", "asdfghjklöä", "yxcvbnm", "qwertyuiop", "asdfghjkl", "zxcvbnm",
                 "1234567890ß", "1qaz2wsx3edc4rfv5tgb6zhn7ujm8ik9ol0p")
AFFIXES = string.digits + string.punctuation + " "
MAX_AFFIX = 5  # digits or symbols around a common word that still count as that word
MIN_OWN_PART = 5  # parts of the address or name this long may not appear in the password


class PasswordRefused(ValueError):
    """The password is not acceptable; the message says why (in the user's language)."""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_FILE, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip())


def check(password: str, *, email: str | None = None, name: str | None = None) -> None:
    """Raise PasswordRefused if ``password`` may not be used for this account."""
    if len(password) > MAX_LENGTH:
        raise PasswordRefused(_("Das Passwort darf höchstens %(n)d Zeichen lang sein.", n=MAX_LENGTH))
    if len(password) < MIN_LENGTH:
        raise PasswordRefused(_("Das Passwort muss mindestens %(n)d Zeichen lang sein.", n=MIN_LENGTH))
    if is_trivial(password):
        raise PasswordRefused(_("Das Passwort besteht nur aus Wiederholungen oder einer einfachen Folge "
                                "(wie „aaaa“, „1234“ oder „qwertz“). Bitte wählen Sie ein anderes."))
    if is_common(password):
        raise PasswordRefused(_("Dieses Passwort ist weit verbreitet und steht auf den Listen, die Angreifer "
                                "zuerst ausprobieren. Bitte wählen Sie ein anderes."))
    if contains_own_details(password, email, name):
        raise PasswordRefused(_("Das Passwort darf weder Ihre E-Mail-Adresse noch Ihren Namen enthalten."))


def is_common(password: str) -> bool:
    lowered = password.lower()
    core = lowered.strip(AFFIXES)
    common = common_passwords()
    return lowered in common or (len(core) >= 4 and len(lowered) - len(core) <= MAX_AFFIX and core in common)


def is_trivial(password: str) -> bool:
    """Few distinct characters, one short unit repeated, at most two runs of neighbouring
    characters (``abcdef``, ``98765``), or a stretch of a keyboard row."""
    lowered = password.lower()
    if len(set(lowered)) < 4 or re.fullmatch(r"(.{1,5})\1+.{0,4}", lowered):
        return True
    if _runs(lowered) <= 2:
        return True
    return any(lowered in row * 2 or lowered[::-1] in row * 2 for row in KEYBOARD_ROWS)


def _runs(text: str) -> int:
    """How many stretches of equal or consecutive characters (each step the same direction) make up ``text``."""
    runs, step = 1, None
    for before, after in zip(text, text[1:], strict=False):
        diff = ord(after) - ord(before)
        if diff in (-1, 0, 1) and (step is None or diff in (0, step) or step == 0):
            step = diff if diff else step
            continue
        runs, step = runs + 1, None
    return runs


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def contains_own_details(password: str, email: str | None, name: str | None) -> bool:
    plain = _letters(password)
    candidates = set()
    if email:
        local = email.split("@")[0]
        candidates |= {_letters(email), _letters(local)}
        candidates |= {_letters(part) for part in re.split(r"[._+\-]", local)}
    if name:
        candidates.add(_letters(name))
        candidates |= {_letters(part) for part in re.split(r"[\s\-.]+", name)}
    return any(len(part) >= MIN_OWN_PART and part in plain for part in candidates) or (
        bool(email) and _letters(email.split("@")[0]) == plain)
