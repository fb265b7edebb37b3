"""Every email's HTML rendered in Chromium, light and dark, at 600 px and on a phone
(390 px): screenshots for a person to look at (test-artifacts/emails/<name>-<mode>.png),
and the layout facts a machine can check: nothing scrolls sideways on a phone, the card
is at most 600 px wide, dark mode really darkens it, the preheader is not visible, and
the button and links are real links. (No live app needed: the HTML is loaded as a file.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.email_samples import SAMPLES
from tutorconnect.services import notifications

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "emails"
CARD = "document.querySelector('table.tc-card')"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("emails")
    files = {}
    for name, (template, context) in SAMPLES.items():
        path = folder / f"{name}.html"
        path.write_text(notifications.render("sample@example.com", template, context).html, encoding="utf-8")
        files[name] = path
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return files


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_email_in_light_dark_and_on_a_phone(browser, rendered, name):
    backgrounds = {}
    # One page, its colour scheme and width changed in place (the email's media queries
    # follow at once): three loads of each email cost more than the checks.
    context = browser.new_context(color_scheme="light", viewport={"width": 800, "height": 900})
    page = context.new_page()
    page.goto(rendered[name].as_uri())
    for mode, width in (("light", 800), ("dark", 800), ("light", 390)):
        page.emulate_media(color_scheme=mode)
        page.set_viewport_size({"width": width, "height": 900})
        label = mode if width > 400 else "phone"
        page.screenshot(path=ARTIFACTS / f"{name}-{label}.png", full_page=True)
        card_width = page.evaluate(f"{CARD}.getBoundingClientRect().width")
        assert card_width <= 600.5, card_width
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "scrolls sideways"
        if width <= 400:
            assert card_width >= width - 40, "the card should use the phone's width"
        backgrounds[label] = page.evaluate(f"getComputedStyle({CARD}).backgroundColor")
        preheader = page.locator("body > div").first
        assert not preheader.is_visible()
        links = page.evaluate("[...document.querySelectorAll('a')].map(a => a.href)")
        assert links and all(h.startswith(("http://", "https://")) for h in links), links
    context.close()
    assert backgrounds["light"] == "rgb(255, 255, 255)"
    assert backgrounds["dark"] != backgrounds["light"], backgrounds
