"""Usernames and e-mail addresses: how they are shown, compared and refused.

Two accounts are the same name when their *keys* are equal. A key follows RFC 8265's
UsernameCaseMapped profile (PRECIS): Unicode NFKC, which also folds width (``ADMIN``
written with the full-width letters U+FF21... is ``admin``) and compatibility forms (the
ligature U+FB01 is ``fi``), then full Unicode case folding (``Émile`` and ``émile``,
``STRASSE`` and ``straße``, ``İstanbul`` and its lower-case form are equal), then NFKC
again so that the key of a key is itself. Keys are computed here only, from the text as
stored; the databases store them in unique columns and look accounts up by them, so no
comparison depends on a database's ``lower()``.

A new username is refused when it contains characters that are invisible or reorder text
(format characters such as U+200B ZERO WIDTH SPACE, U+00AD SOFT HYPHEN and the
bidirectional controls U+202A-U+202E and U+2066-U+2069; control characters; line and
paragraph separators; private-use, surrogate and unassigned code points), and when it mixes
letters of the Latin, Cyrillic and Greek scripts (``admin`` spelt with a Cyrillic U+0430
for its ``a``). A name written entirely in one of those scripts is compared with the
existing ones through its *skeleton*: the key of the name after the Cyrillic and Greek
letters that look like Latin ones (:data:`CONFUSABLES`, a small subset of Unicode's
confusables data for these three scripts, accents kept) are replaced by those Latin
letters; a new name whose skeleton equals an existing account's is refused (``coco`` spelt
with the Cyrillic U+0441 and U+043E when the Latin ``coco`` exists).
"""

from __future__ import annotations

import unicodedata

KEY_MAX = 255
"""Longest key stored; folding can make a key longer than the text it comes from."""

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
"""Unicode general categories refused in identifiers: controls, format characters
(zero-width and bidirectional controls, soft hyphen), surrogates, private use,
unassigned code points, line and paragraph separators."""

CONFUSING_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")
"""Scripts whose letters look alike; one identifier may use letters of only one of them."""

CONFUSABLES: dict[str, str] = {
    # Cyrillic capitals
    "\u0410": "A",  # CYRILLIC CAPITAL LETTER A
    "\u0412": "B",  # CYRILLIC CAPITAL LETTER VE
    "\u0415": "E",  # CYRILLIC CAPITAL LETTER IE
    "\u0405": "S",  # CYRILLIC CAPITAL LETTER DZE
    "\u0406": "I",  # CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I
    "\u0408": "J",  # CYRILLIC CAPITAL LETTER JE
    "\u041a": "K",  # CYRILLIC CAPITAL LETTER KA
    "\u041c": "M",  # CYRILLIC CAPITAL LETTER EM
    "\u041d": "H",  # CYRILLIC CAPITAL LETTER EN
    "\u041e": "O",  # CYRILLIC CAPITAL LETTER O
    "\u0420": "P",  # CYRILLIC CAPITAL LETTER ER
    "\u0421": "C",  # CYRILLIC CAPITAL LETTER ES
    "\u0422": "T",  # CYRILLIC CAPITAL LETTER TE
    "\u0423": "Y",  # CYRILLIC CAPITAL LETTER U
    "\u0425": "X",  # CYRILLIC CAPITAL LETTER HA
    "\u04ae": "Y",  # CYRILLIC CAPITAL LETTER STRAIGHT U
    "\u04ba": "h",  # CYRILLIC CAPITAL LETTER SHHA
    "\u04c0": "l",  # CYRILLIC LETTER PALOCHKA
    "\u051a": "Q",  # CYRILLIC CAPITAL LETTER QA
    "\u051c": "W",  # CYRILLIC CAPITAL LETTER WE
    # Cyrillic small letters
    "\u0430": "a",  # CYRILLIC SMALL LETTER A
    "\u0435": "e",  # CYRILLIC SMALL LETTER IE
    "\u0455": "s",  # CYRILLIC SMALL LETTER DZE
    "\u0456": "i",  # CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I
    "\u0458": "j",  # CYRILLIC SMALL LETTER JE
    "\u043a": "k",  # CYRILLIC SMALL LETTER KA
    "\u043e": "o",  # CYRILLIC SMALL LETTER O
    "\u0440": "p",  # CYRILLIC SMALL LETTER ER
    "\u0441": "c",  # CYRILLIC SMALL LETTER ES
    "\u0443": "y",  # CYRILLIC SMALL LETTER U
    "\u0445": "x",  # CYRILLIC SMALL LETTER HA
    "\u04af": "y",  # CYRILLIC SMALL LETTER STRAIGHT U
    "\u04bb": "h",  # CYRILLIC SMALL LETTER SHHA
    "\u04cf": "l",  # CYRILLIC SMALL LETTER PALOCHKA
    "\u0501": "d",  # CYRILLIC SMALL LETTER KOMI DE
    "\u051b": "q",  # CYRILLIC SMALL LETTER QA
    "\u051d": "w",  # CYRILLIC SMALL LETTER WE
    "\u0475": "v",  # CYRILLIC SMALL LETTER IZHITSA
    # Greek capitals
    "\u0391": "A",  # GREEK CAPITAL LETTER ALPHA
    "\u0392": "B",  # GREEK CAPITAL LETTER BETA
    "\u0395": "E",  # GREEK CAPITAL LETTER EPSILON
    "\u0396": "Z",  # GREEK CAPITAL LETTER ZETA
    "\u0397": "H",  # GREEK CAPITAL LETTER ETA
    "\u0399": "I",  # GREEK CAPITAL LETTER IOTA
    "\u039a": "K",  # GREEK CAPITAL LETTER KAPPA
    "\u039c": "M",  # GREEK CAPITAL LETTER MU
    "\u039d": "N",  # GREEK CAPITAL LETTER NU
    "\u039f": "O",  # GREEK CAPITAL LETTER OMICRON
    "\u03a1": "P",  # GREEK CAPITAL LETTER RHO
    "\u03a4": "T",  # GREEK CAPITAL LETTER TAU
    "\u03a5": "Y",  # GREEK CAPITAL LETTER UPSILON
    "\u03a7": "X",  # GREEK CAPITAL LETTER CHI
    # Greek small letters
    "\u03b1": "a",  # GREEK SMALL LETTER ALPHA
    "\u03b9": "i",  # GREEK SMALL LETTER IOTA
    "\u03ba": "k",  # GREEK SMALL LETTER KAPPA
    "\u03bd": "v",  # GREEK SMALL LETTER NU
    "\u03bf": "o",  # GREEK SMALL LETTER OMICRON
    "\u03c1": "p",  # GREEK SMALL LETTER RHO
    "\u03c5": "u",  # GREEK SMALL LETTER UPSILON
    "\u03c7": "x",  # GREEK SMALL LETTER CHI
    "\u03b3": "y",  # GREEK SMALL LETTER GAMMA
    "\u03f2": "c",  # GREEK LUNATE SIGMA SYMBOL
    "\u03f3": "j",  # GREEK LETTER YOT
}
"""Cyrillic and Greek letters mapped to the Latin letter they are mistaken for."""


def display_form(text: str) -> str:
    """How a new identifier is stored and shown: NFKC of the text without surrounding white
    space (width and compatibility forms folded, case kept)."""
    return unicodedata.normalize("NFKC", text).strip()


def fold(text: str) -> str:
    """The comparison key of an identifier: NFKC, case folding, NFKC (see the module)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return unicodedata.normalize("NFKC", folded).strip()


def username_key(username: str) -> str:
    """The key two usernames share when they are the same name."""
    return fold(username)


def email_key(email: str) -> str:
    """The key two e-mail addresses share when they are the same address (the whole address
    compares without case, as it always has here)."""
    return fold(email)


def skeleton(username: str) -> str:
    """The username's key after look-alike Cyrillic and Greek letters became Latin ones."""
    decomposed = unicodedata.normalize("NFD", display_form(username))
    return fold("".join(CONFUSABLES.get(ch, ch) for ch in decomposed))


def refused_character(text: str) -> str | None:
    """The first invisible, bidirectional-control or otherwise refused character of
    ``text`` (before or after NFKC), or ``None``."""
    for ch in text + unicodedata.normalize("NFKC", text):
        if unicodedata.category(ch) in REFUSED_CATEGORIES:
            return ch
    return None


def scripts(text: str) -> set[str]:
    """Which of :data:`CONFUSING_SCRIPTS` the letters of ``text`` belong to."""
    found: set[str] = set()
    for ch in unicodedata.normalize("NFKC", text):
        if unicodedata.category(ch).startswith("L"):
            script = unicodedata.name(ch, "").split(" ", 1)[0]
            if script in CONFUSING_SCRIPTS:
                found.add(script)
    return found


def describe(ch: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: a character named for an error message."""
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}"
