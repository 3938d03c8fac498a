"""Identifier keys, refused characters and look-alike usernames (L6, M2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskcore.domain import identifiers
from taskcore.domain.users import check_email, check_username
from taskcore.errors import ValidationError

CYRILLIC_A = "\u0430"
"""CYRILLIC SMALL LETTER A, which looks like the Latin ``a``."""
FULL_WIDTH_ADMIN = "\uff21\uff24\uff2d\uff29\uff2e"


class TestKeys:
    @pytest.mark.parametrize(
        ("first", "second"),
        [
            ("Émile", "émile"),
            ("E\u0301mile", "émile"),  # decomposed and composed accents
            ("İstanbul", "i\u0307stanbul"),
            (FULL_WIDTH_ADMIN, "admin"),
            ("STRASSE", "straße"),
            ("ΣΊΣΥΦΟΣ", "σίσυφος"),
            (" alice ", "ALICE"),
        ],
    )
    def test_same_name(self, first: str, second: str) -> None:
        """Names that differ only in case, width or normal form have one key."""
        assert identifiers.username_key(first) == identifiers.username_key(second)

    @pytest.mark.parametrize(("first", "second"), [("émile", "emile"), ("alice", "alíce")])
    def test_different_names(self, first: str, second: str) -> None:
        """Accents are part of the name."""
        assert identifiers.username_key(first) != identifiers.username_key(second)

    def test_email_key_folds_like_usernames(self) -> None:
        """E-mail addresses compare by the same folding."""
        assert identifiers.email_key("Émile@Example.com") == identifiers.email_key(
            "émile@example.COM"
        )

    @given(st.text(max_size=30))
    def test_key_is_stable(self, text: str) -> None:
        """The key of a key, and of the stored form, is the key itself."""
        key = identifiers.fold(text)
        assert key == identifiers.fold(key) == identifiers.fold(identifiers.display_form(text))


class TestRefusedUsernames:
    @pytest.mark.parametrize(
        ("name", "named"),
        [
            ("ali\u200bce", "U+200B ZERO WIDTH SPACE"),
            ("alice\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
            ("ali\u00adce", "U+00AD SOFT HYPHEN"),
            ("\u2066alice\u2069", "U+2066 LEFT-TO-RIGHT ISOLATE"),
            ("ali\ufeffce", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
            ("ali\u2028ce", "U+2028 LINE SEPARATOR"),
            ("ali\ue000ce", "U+E000"),
        ],
    )
    def test_invisible_and_bidi_characters(self, name: str, named: str) -> None:
        """Invisible, bidirectional-control and private-use characters are refused, and
        the message names the character."""
        with pytest.raises(ValidationError) as caught:
            check_username(name)
        assert "username" == caught.value.field
        assert named in caught.value.message

    def test_control_characters_keep_their_message(self) -> None:
        """Control characters are refused as before."""
        with pytest.raises(ValidationError, match="control characters"):
            check_username("ali\nce")

    @pytest.mark.parametrize(
        "name", [f"{CYRILLIC_A}dmin", "p\u0430ypal", "\u03bfscar", "Ива\u043dJohn"]
    )
    def test_mixed_scripts(self, name: str) -> None:
        """Latin letters mixed with Cyrillic or Greek ones are refused."""
        with pytest.raises(ValidationError, match="must not mix") as caught:
            check_username(name)
        assert "username" == caught.value.field

    @pytest.mark.parametrize(
        "name", ["Émile", "Иван", "Σωκράτης", "山田太郎", "alice_2", "O'Brien"]
    )
    def test_single_script_names_are_fine(self, name: str) -> None:
        """Names in one script (or with scripts that do not look alike) are accepted."""
        assert name == check_username(name)

    def test_width_is_folded_in_the_stored_form(self) -> None:
        """A full-width name is stored in ordinary letters."""
        assert "ADMIN" == check_username(FULL_WIDTH_ADMIN)

    def test_email_refuses_invisible_characters(self) -> None:
        """An e-mail address with a zero-width space is refused, naming ``email``."""
        with pytest.raises(ValidationError) as caught:
            check_email("ali\u200bce@example.com")
        assert "email" == caught.value.field


class TestSkeleton:
    @pytest.mark.parametrize(
        ("look_alike", "latin"),
        [
            ("\u0441\u043e\u0441\u043e", "coco"),  # all Cyrillic
            ("\u0410\u0412\u0415", "abe"),  # Cyrillic capitals
            ("\u039a\u039f\u03a1\u0391", "kopa"),  # Greek capitals
            (f"{CYRILLIC_A}dmin", "admin"),
            ("\u0435\u0308", "ë"),  # Cyrillic e with diaeresis
        ],
    )
    def test_look_alikes_share_a_skeleton(self, look_alike: str, latin: str) -> None:
        """Cyrillic and Greek letters that look Latin have the Latin letter's skeleton."""
        assert identifiers.skeleton(look_alike) == identifiers.skeleton(latin)

    def test_distinct_letters_keep_distinct_skeletons(self) -> None:
        """Letters that do not look alike stay apart."""
        assert identifiers.skeleton("\u0436\u0443\u043a") != identifiers.skeleton("zhuk")
