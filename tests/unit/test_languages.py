"""The one language catalog (tutorconnect/languages.py): every page names a language the same way."""

from __future__ import annotations

import re

import pytest

from tutorconnect.languages import LANGUAGES, is_language, language_name


def test_the_catalog_holds_every_current_iso_639_1_code_once_with_cldr_names():
    assert len(LANGUAGES) == 183  # ISO 639-1 today: 183 codes (sh, mo and the old iw/in/ji are withdrawn)
    assert all(re.fullmatch(r"[a-z]{2}", code) for code in LANGUAGES)
    assert len(set(LANGUAGES.values())) == len(LANGUAGES)
    assert list(LANGUAGES.values()) == sorted(LANGUAGES.values(), key=str.casefold)


@pytest.mark.parametrize(("code", "name"), [
    ("or", "Odia"), ("as", "Assamese"), ("sa", "Sanskrit"), ("hi", "Hindi"), ("ta", "Tamil"), ("en", "English"),
    ("zh", "Chinese"), ("ks", "Kashmiri"), ("ne", "Nepali"), ("si", "Sinhala"),
])
def test_languages_taught_here_have_their_english_names(code, name):
    assert is_language(code) and language_name(code) == name


@pytest.mark.parametrize("code", ["sh", "mo", "xx", "eng", "EN", "", None, 12])
def test_anything_else_is_not_a_language(code):
    assert not is_language(code)


def test_a_stored_code_the_catalog_lacks_still_shows_as_itself():
    assert language_name("sh") == "SH"


def test_pages_and_states_keep_no_language_table_of_their_own():
    """The bug this replaced: 21 names on the tutor page, 24 in onboarding, Odia shown as "OR"."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "tutorconnect"
    for path in [*root.glob("state/*.py"), *root.glob("pages/*.py"), *root.glob("components/*.py")]:
        text = path.read_text()
        assert '"Malayalam"' not in text and "LANGUAGE_NAMES" not in text, path
