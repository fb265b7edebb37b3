"""The availability editor in the browser, as a tutor of its own (so the demo tutor's hours,
which the booking tests use, stay as they are): weekly hours with several intervals, a
closed day, time off, booking settings, and the 7-day preview changing after each save.
Screenshots: desktop light and dark, phone width."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.admin_tutor_builders import PASSWORD, submitted_tutor
from tests.e2e.helpers import TIMEOUT, goto, query, session_cookie_for, settled, switch_to_dark, toast

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ZONE = "Asia/Kolkata"  # the builder's tutors live there


@pytest.fixture(scope="module")
def tutor(live_app, browser, tmp_path_factory):
    """(user id, signed-in cookies) of a fresh tutor with a submitted profile (lengths 30, 60)."""
    uid, email = submitted_tutor(live_app.database_url, "Meera Avail", tmp_path_factory.mktemp("docs"))
    return uid, {"cookies": [session_cookie_for(live_app, email, PASSWORD)], "origins": []}


def _open(new_context, state, **kwargs):
    page = new_context(storage_state=state, **kwargs).new_page()
    goto(page, "/tutor/availability")
    expect(page.locator("#availability-editor")).to_be_visible(timeout=TIMEOUT)
    return page


def _day(page, weekday: int):
    return page.locator(f".week-day[data-weekday='{weekday}']")


def _choose(page, box, option: str) -> None:
    box.get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()


def _count(page, iso: str) -> int:
    return int(page.locator(f".preview-day[data-date='{iso}']").get_attribute("data-count"))


def _open_day(page, iso: str, *, keyboard: bool = False) -> None:
    cell = page.locator(f".cal-day[data-date='{iso}']")
    if not cell.count() or cell.first.is_disabled():
        page.click("#month-next")
    cell = page.locator(f".cal-day[data-date='{iso}']:not([disabled])").first
    if keyboard:  # days are buttons: focus and Enter open the panel
        cell.focus()
        page.keyboard.press("Enter")
    else:
        cell.click()
    expect(page.locator("#day-panel")).to_be_visible(timeout=TIMEOUT)


def test_a_tutor_edits_hours_closes_a_day_takes_time_off_and_sees_the_preview(tutor, new_context, db, artifacts):
    uid, state = tutor
    page = _open(new_context, state, viewport=DESKTOP)
    expect(page.locator("#tutor-zone")).to_have_text(ZONE, timeout=TIMEOUT)
    expect(page.locator("#tutor-now")).to_contain_text("IST", timeout=TIMEOUT)
    expect(page.locator("#preview-empty")).to_contain_text("No bookable times in the next 7 days: add weekly hours", timeout=TIMEOUT)
    expect(page.locator("#edit-pricing")).to_have_attribute("href", "/tutor/profile", timeout=TIMEOUT)
    expect(page.locator(".preview-length")).to_have_count(2, timeout=TIMEOUT)  # 30 and 60 minutes, with prices

    # Monday 09:00-12:00 and 13:00-17:00, copied to Tuesday-Friday; weekend 10:00-14:00.
    _day(page, 0).locator(".interval-add").click()
    expect(_day(page, 0).locator(".interval")).to_have_count(1, timeout=TIMEOUT)
    _choose(page, _day(page, 0).locator(".interval-end").first, "12:00")
    _day(page, 0).locator(".interval-add").click()
    expect(_day(page, 0).locator(".interval")).to_have_count(2, timeout=TIMEOUT)  # 13:00-14:00 by default
    _choose(page, _day(page, 0).locator(".interval-end").nth(1), "17:00")
    page.click("#copy-monday")
    expect(_day(page, 4).locator(".interval")).to_have_count(2, timeout=TIMEOUT)
    for wd in (5, 6):
        _day(page, wd).locator(".interval-add").click()
        _choose(page, _day(page, wd).locator(".interval-start").first, "10:00")
        _choose(page, _day(page, wd).locator(".interval-end").first, "14:00")
    expect(page.locator("#week-dirty")).to_be_visible(timeout=TIMEOUT)
    page.click("#week-save")
    expect(toast(page, "Weekly hours saved.")).to_be_visible(timeout=TIMEOUT)
    rules = query(db, "select weekday, start_minute, end_minute from availability_rules where tutor_id = :t"
                      " order by 1, 2", t=uid)
    assert [tuple(r) for r in rules] == [(wd, s, e) for wd in range(5) for s, e in ((540, 720), (780, 1020))] + [
        (5, 600, 840), (6, 600, 840)]
    expect(page.locator("#preview-grid")).to_be_visible(timeout=TIMEOUT)

    today = datetime.now(ZoneInfo(ZONE)).date()
    closed, away = (today + timedelta(days=2)).isoformat(), (today + timedelta(days=3)).isoformat()
    assert _count(page, closed) > 0 and _count(page, away) > 0

    # An overlapping interval is refused with a message naming the day; nothing is saved.
    _choose(page, _day(page, 2).locator(".interval-end").first, "14:00")
    page.click("#week-save")
    expect(page.locator("#week-error")).to_contain_text("Wednesday: 09:00-14:00 overlaps 13:00-17:00", timeout=TIMEOUT)
    page.click("#week-discard")
    expect(page.locator("#week-error")).to_have_count(0, timeout=TIMEOUT)
    expect(_day(page, 2).locator(".interval-end").first).to_contain_text("12:00", timeout=TIMEOUT)

    # Close a day from the month calendar.
    _open_day(page, closed)
    page.click("#day-mode-hours")
    expect(page.locator("#day-intervals .interval")).to_have_count(2, timeout=TIMEOUT)  # the weekday's hours to start from
    settled(page)
    page.screenshot(path=artifacts / "availability-day-panel.png")
    page.click("#day-mode-closed")
    expect(page.locator("#day-intervals")).to_have_count(0, timeout=TIMEOUT)
    page.click("#day-save")
    expect(toast(page, "closed all day")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(f".cal-day[data-date='{closed}']")).to_have_attribute("data-kind", "closed", timeout=TIMEOUT)
    expect(page.locator(f".preview-day[data-date='{closed}']")).to_have_attribute("data-count", "0", timeout=TIMEOUT)
    assert query(db, "select kind from availability_overrides where tutor_id = :t and on_date = :d", t=uid,
                 d=closed) == [("closed",)]

    # Time off for one day (local whole day), with a note.
    page.fill("#start_date", away)
    page.fill("#end_date", away)
    page.fill("#note", "Conference")
    page.click("#time-off-add")
    expect(toast(page, "Time off added")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".time-off-row")).to_have_count(1, timeout=TIMEOUT)
    expect(page.locator(".time-off-row")).to_contain_text("Conference", timeout=TIMEOUT)
    expect(page.locator(f".preview-day[data-date='{away}']")).to_have_attribute("data-count", "0", timeout=TIMEOUT)
    expect(page.locator(f".cal-day[data-date='{away}']")).to_have_attribute("data-kind", "off", timeout=TIMEOUT)
    (row,) = query(db, "select starts_at, ends_at, note from time_off where tutor_id = :t", t=uid)
    assert row[0].astimezone(ZoneInfo(ZONE)).isoformat().startswith(away + "T00:00:00")
    assert (row[1] - row[0]) == timedelta(days=1) and row[2] == "Conference"

    # Settings: a bad value is named by field; a good one is saved.
    page.fill("#buffer_before", "500")
    page.click("#settings-save")
    expect(page.locator("#buffer_before-error")).to_contain_text("between 0 and 120", timeout=TIMEOUT)
    page.fill("#buffer_before", "15")
    page.fill("#min_notice_hours", "2")
    page.fill("#max_per_day", "4")
    page.click("#settings-save")
    expect(toast(page, "Booking settings saved.")).to_be_visible(timeout=TIMEOUT)
    assert query(db, "select buffer_before_minutes, min_notice_minutes, max_lessons_per_day from tutor_schedules"
                     " where tutor_id = :t", t=uid) == [(15, 120, 4)]

    page.keyboard.press("Escape")
    settled(page)
    page.screenshot(path=artifacts / "availability-editor-light.png", full_page=True)

    # Remove the time off after confirming; the day is bookable again.
    page.locator(".time-off-remove").first.click()
    page.locator(".time-off-confirm").click()
    expect(toast(page, "Time off removed.")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".time-off-row")).to_have_count(0, timeout=TIMEOUT)
    expect(page.locator(f".preview-day[data-date='{away}']")).not_to_have_attribute("data-count", "0", timeout=TIMEOUT)
    assert query(db, "select count(*) from time_off where tutor_id = :t", t=uid) == [(0,)]

    # Reopen the closed day (with the keyboard) and give it back its weekly hours.
    _open_day(page, closed, keyboard=True)
    expect(page.locator("#day-mode-closed")).to_have_attribute("data-state", "checked", timeout=TIMEOUT)
    page.click("#day-mode-weekly")
    page.click("#day-save")
    expect(page.locator(f".cal-day[data-date='{closed}']")).to_have_attribute("data-kind", "", timeout=TIMEOUT)
    assert query(db, "select count(*) from availability_overrides where tutor_id = :t", t=uid) == [(0,)]


@pytest.mark.parametrize("size, viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_editor_in_dark_mode_and_on_a_phone(tutor, new_context, artifacts, size, viewport):
    """Desktop dark, phone light and dark: one load per width (helpers.switch_to_dark)."""
    _, state = tutor
    page = _open(new_context, state, viewport=viewport, color_scheme="light")
    for mode in ("light", "dark") if size == "phone" else ("dark",):
        if mode == "dark":
            switch_to_dark(page)
        assert page.evaluate("m => document.documentElement.classList.contains(m)", mode)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "scrolls sideways"
        settled(page)
        page.screenshot(path=artifacts / f"availability-editor-{size}-{mode}.png", full_page=True)


def test_students_cannot_use_the_editor(new_context, demo_login):
    from tests.e2e.helpers import STUDENT_EMAIL

    page = new_context(storage_state=demo_login(STUDENT_EMAIL), viewport=DESKTOP).new_page()
    goto(page, "/tutor/availability")
    expect(page.locator("#availability-refused")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#availability-editor")).to_have_count(0, timeout=TIMEOUT)
