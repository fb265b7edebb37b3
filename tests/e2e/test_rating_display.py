"""#14 item 11 in Chromium: one tutor, one rating. A tutor whose reviews average 3.75 showed
3.8 on the search card and 3.75 on the profile; both now show tutors.format_rating (half
up, one decimal, from the exact sum and count)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests.e2e.helpers import TIMEOUT, query, settled
from tests.e2e.test_bookings_pages import make_person
from tests.e2e.test_discovery import open_search, service_total
from tutorconnect.services import discovery

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("rating_sum", "count", "shown"), [(15, 4, "3.8"), (3749, 1000, "3.7")])
def test_the_search_card_and_the_profile_show_the_same_rating(page, db, artifacts, rating_sum, count, shown):
    tutor, _ = make_person(db, "tutor", "Rating Tutor")
    word = "Zq" + uuid.uuid4().hex[:8]  # a name nobody else has, to find the card
    query(db, "update tutor_profiles set display_name = :n, rating_sum = :s, rating_count = :c where user_id = :t",
          n=f"Ratna {word}", s=rating_sum, c=count, t=tutor)
    slug = query(db, "select slug from tutor_profiles where user_id = :t", t=tutor)[0][0]
    with Session(db) as s:  # as a profile edit does: the search document follows the new name
        discovery.refresh_search_document(s, tutor)
        s.commit()

    assert service_total(db, q=word) == 1
    open_search(page, f"/tutors?q={word}")
    card = page.locator(f'#results-grid .tutor-card:has(a[href="/tutors/{slug}"])')
    expect(card).to_be_visible(timeout=TIMEOUT)
    expect(card.get_by_label(re.compile(r"out of 5"))).to_have_attribute(
        "aria-label", f"{shown} out of 5, {count} reviews")
    settled(page)
    page.screenshot(path=str(artifacts / f"issue14-rating-card-{rating_sum}-{count}.png"), full_page=True)

    card.locator(f'a[href="/tutors/{slug}"]').first.click()
    expect(page.locator("#rating-average")).to_have_text(shown, timeout=TIMEOUT)
    expect(page.locator("#tutor-page")).to_contain_text(f"{shown} · {count} reviews")
    settled(page)
    page.screenshot(path=str(artifacts / f"issue14-rating-profile-{rating_sum}-{count}.png"), full_page=True)
