"""Live updates in Chromium, on the live app with Redis: several Reflex backend workers
(Redis state manager) and a real Celery worker.

(a) A student has /bookings open with an unpaid booking and the tutor has /tutor/schedule
    open. The payment happens through the Razorpay emulator (its API, as a phone would),
    so the webhook is what confirms the booking: the student's row flips to "Confirmed",
    the tutor's row too, and the tutor's bell counts up (the notification is written by
    the meeting job in the Celery worker), all without a reload.
(b) A student has a tutor's picker open; another student holds one of its times (and
    books it): the time disappears from the first student's picker, and comes back when
    a hold is released.

Latency is measured in the page (a MutationObserver stamps the change) from the moment
the test asks the emulator to pay, and printed; the test only waits with a bound."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import TIMEOUT, goto, query
from tests.e2e.test_bookings_pages import _card, _signed_in, future, make_booking, make_person

pytestmark = pytest.mark.e2e
LIVE_WAIT = 10_000  # ms: a bound for "it arrived by itself", not a benchmark
JOB_WAIT = 30_000  # ms: the bell waits on a Celery job (outbox relay + meeting job) first

# Stamps window.__liveSeen[key] = Date.now() the first time `selector` matches (checked on
# every DOM mutation), and leaves a marker that a reload would wipe.
_WATCH_JS = """([key, selector]) => {
  window.__noReload = 'still here';
  window.__liveSeen = window.__liveSeen || {};
  const check = () => { if (!window.__liveSeen[key] && document.querySelector(selector)) window.__liveSeen[key] = Date.now(); };
  new MutationObserver(check).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  check();
}"""


def _watch(page: Page, key: str, selector: str) -> None:
    page.evaluate(_WATCH_JS, [key, selector])


def _seen_after(page: Page, key: str, start_ms: float) -> float:
    seen = page.evaluate(f"window.__liveSeen[{json.dumps(key)}]")
    assert seen, f"{key}: no change stamped"
    return seen - start_ms


def _not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__noReload") == "still here", "the page was reloaded"


def _instant_tutor(db, name: str, zone: str):
    tutor, _ = make_person(db, "tutor", name, zone)
    query(db, "update tutor_profiles set requires_confirmation = false where user_id = :t", t=tutor)
    slug = query(db, "select slug from tutor_profiles where user_id = :t", t=tutor)[0][0]
    return tutor, slug


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        children = [p for p, parent in parents.items() if parent == pid]
        found.update(children)
        todo.extend(children)
    return found


def _worker_pids(live_app) -> set[int]:
    """Backend workers of THIS app (processes under its `reflex run`) that logged the start
    of their live-updates listener (one line each)."""
    text = (live_app.log_dir / "app.log").read_text(errors="replace")
    logged = set()
    for line in text.splitlines():
        if "live updates: listening" in line and (m := re.search(r'"worker_pid":\s*(\d+)', line)):
            logged.add(int(m.group(1)))
    web = next(p for p in live_app.processes if "reflex" in " ".join(map(str, p.args)))
    return logged & _descendants(web.pid)


def _order_for(page: Page, db, reference: str, booking_id) -> str:
    """The Razorpay order of the booking, made the way the student's checkout makes it."""
    goto(page, f"/pay/{reference}")
    page.click("#pay-button")
    expect(page.locator("[data-testid=rzp-checkout]")).to_be_visible(timeout=TIMEOUT)
    rows = query(db, "select razorpay_order_id from payment_orders where booking_id = :id", id=booking_id)
    assert len(rows) == 1, rows
    return rows[0][0]


def test_a_webhook_payment_updates_both_open_pages_and_the_tutors_bell(browser, live_app, db, artifacts):
    assert live_app.redis_url, "this test needs the app with Redis"
    pids = _worker_pids(live_app)
    print(f"\nbackend workers listening for live updates: {len(pids)} (pids {sorted(pids)})")
    assert len(pids) >= 2, f"expected several backend workers, saw {pids}"

    tutor, _ = _instant_tutor(db, "Ines Moreau", "Europe/Paris")
    learner, student_email = make_person(db, "student", "Vikram Joshi")
    booking = make_booking(db, learner, tutor, future(8, 9), paid=False)
    tutor_email = query(db, "select email from users where id = :t", t=tutor)[0][0]
    student_ctx, student_page = _signed_in(browser, live_app, student_email)
    tutor_ctx, tutor_page = _signed_in(browser, live_app, tutor_email)
    try:
        goto(student_page, "/bookings")
        card = _card(student_page, booking.reference)
        expect(card.locator(".booking-status")).to_contain_text("Awaiting payment", timeout=TIMEOUT)
        goto(tutor_page, "/tutor/schedule?tab=upcoming")
        tutor_card = _card(tutor_page, booking.reference)
        expect(tutor_card.locator(".booking-status")).to_contain_text("Awaiting payment", timeout=TIMEOUT)
        expect(tutor_page.locator("#bell-count")).to_have_count(0)  # a new tutor: nothing unread
        unread_before = query(db, "select count(*) from notifications where user_id = :t and read_at is null",
                              t=tutor)[0][0]
        assert unread_before == 0

        # The student starts checkout in another tab (that creates the order), then pays
        # at the "bank": the emulator's API, so only the webhook tells us.
        pay_tab = student_ctx.new_page()
        order_id = _order_for(pay_tab, db, booking.reference, booking.id)
        pay_tab.close()
        selector = f'.booking-card[data-reference="{booking.reference}"][data-status="confirmed"]'
        _watch(student_page, "student-row", selector)
        _watch(tutor_page, "tutor-row", selector)
        _watch(tutor_page, "tutor-bell", "#bell-count")
        start_ms = time.time() * 1000
        paid = httpx.post(f"{live_app.razorpay_url}/_emulator/orders/{order_id}/pay", json={"outcome": "success"},
                          timeout=10)
        assert paid.status_code == 200, paid.text

        expect(card.locator(".booking-status")).to_have_text("Confirmed", timeout=LIVE_WAIT)
        expect(tutor_card.locator(".booking-status")).to_have_text("Confirmed", timeout=LIVE_WAIT)
        student_ms = _seen_after(student_page, "student-row", start_ms)
        tutor_ms = _seen_after(tutor_page, "tutor-row", start_ms)
        assert query(db, "select status from bookings where id = :id", id=booking.id)[0][0] == "confirmed"
        webhooks = query(db, "select count(*) from payment_events where order_id = :o", o=order_id)
        assert webhooks[0][0] >= 1, "the booking was confirmed without a webhook"

        expect(tutor_page.locator("#bell-count")).to_be_visible(timeout=JOB_WAIT)
        unread = query(db, "select count(*) from notifications where user_id = :t and read_at is null", t=tutor)[0][0]
        assert unread >= 1
        expect(tutor_page.locator("#bell-count")).to_have_text(str(unread), timeout=LIVE_WAIT)
        bell_ms = _seen_after(tutor_page, "tutor-bell", start_ms)
        _not_reloaded(student_page)
        _not_reloaded(tutor_page)
        print(f"live update latency from the emulator's payment: student row {student_ms:.0f} ms, "
              f"tutor row {tutor_ms:.0f} ms, tutor bell {bell_ms:.0f} ms (after the meeting job)")
        student_page.screenshot(path=str(artifacts / "live-student-confirmed.png"), full_page=True)
        tutor_page.screenshot(path=str(artifacts / "live-tutor-bell.png"), full_page=True)
    finally:
        student_ctx.close()
        tutor_ctx.close()


def test_a_slot_taken_by_another_student_leaves_an_open_picker(browser, live_app, db):
    _, slug = _instant_tutor(db, "Jonas Berg", "Europe/Stockholm")
    _, watcher_email = make_person(db, "student", "Meera Nair")
    _, taker_email = make_person(db, "student", "Arjun Reddy")
    watcher_ctx, watcher = _signed_in(browser, live_app, watcher_email)
    taker_ctx, taker = _signed_in(browser, live_app, taker_email)
    try:
        for page in (watcher, taker):
            goto(page, f"/book/{slug}")
            expect(page.locator("#slot-grid")).to_be_visible(timeout=TIMEOUT)
            label = page.locator("#week-label").inner_text()
            page.click("#week-next")
            expect(page.locator("#week-label")).not_to_have_text(label, timeout=TIMEOUT)
        expect(watcher.locator("#week-label")).to_have_text(taker.locator("#week-label").inner_text())
        start = watcher.locator(".slot-button").nth(3).get_attribute("data-start")
        slot = f'.slot-button[data-start="{start}"]'
        expect(watcher.locator(slot)).to_have_count(1)
        _watch(watcher, "gone", f"#slot-grid:not(:has({slot}))")

        # The other student holds that time: it leaves the first student's picker.
        taker.locator(slot).click()
        expect(taker.locator("#hold-summary")).to_be_visible(timeout=TIMEOUT)
        expect(watcher.locator(slot)).to_have_count(0, timeout=LIVE_WAIT)
        expect(watcher.locator(".slot-button").first).to_be_visible()  # the rest of the week is still there

        # Released ("choose another time"): it is offered again, by itself.
        taker.click("#release-hold")
        expect(taker.locator("#hold-summary")).to_have_count(0, timeout=TIMEOUT)
        expect(watcher.locator(slot)).to_have_count(1, timeout=LIVE_WAIT)

        # Held again and booked: gone for good.
        taker.locator(slot).click()
        expect(taker.locator("#hold-summary")).to_be_visible(timeout=TIMEOUT)
        taker.click("#book-now")
        taker.wait_for_url(re.compile(r"/pay/TC-[A-Z0-9]+$"), timeout=TIMEOUT)
        expect(watcher.locator(slot)).to_have_count(0, timeout=LIVE_WAIT)
        _not_reloaded(watcher)
    finally:
        watcher_ctx.close()
        taker_ctx.close()


# -- without Redis: one app process, jobs in it, the in-process bus ---------------------------------
@pytest.fixture(scope="module")
def local_app():
    """The first-run shape: no REDIS_URL, one backend worker running the jobs itself."""
    from sqlalchemy import create_engine

    from tests.e2e.conftest import ARTIFACTS
    from tests.support.live_app import start_live_app
    from tests.support.parallel import worker_id
    from tutorconnect.db import normalize_url

    app = start_live_app(ARTIFACTS / f"live-app-local-{worker_id()}", redis=False, name="e2e-local")
    engine = create_engine(normalize_url(app.database_url))
    yield app, engine
    engine.dispose()
    app.stop()


def test_without_redis_a_change_in_one_tab_reaches_the_other_by_itself(local_app):
    """Two tabs of one student on the app without Redis: cancelling in one updates the
    other's list (published from the handler's transaction thread, delivered by the
    app's lifespan task through the in-process bus)."""
    from tests.e2e.live_support import push_with, signed_in_student
    from tests.support.reflex_ws import ReflexSocket
    from tutorconnect.state.bookings_list import StudentBookingsState as Student

    app, db = local_app
    assert app.redis_url is None
    log = (app.log_dir / "app.log").read_text(errors="replace")
    assert '"transport": "in-process"' in log
    tutor, _ = make_person(db, "tutor", "Emil Novak", "Europe/Prague")
    person = signed_in_student(db, "Pooja Shah")
    booking = make_booking(db, person.id, tutor, future(6))
    watching = ReflexSocket(app.base_url, page="/bookings", cookie=person.cookie).connect()
    acting = ReflexSocket(app.base_url, page="/bookings", cookie=person.cookie).connect()
    try:
        loaded = watching.call(Student.load)
        assert [c["status"] for c in loaded.var(Student, "cards")] == ["awaiting_tutor"]
        acting.call(Student.load)
        acting.call(Student.open_cancel, {"booking_id": str(booking.id)})
        done = acting.call(Student.submit_dialog, {"form_data": {"reason": "Something came up."}})
        assert f"Booking {booking.reference} cancelled." in done.toast("success"), done.text
        pushed = push_with(watching, Student, "cards", timeout=LIVE_WAIT / 1000)
        assert pushed.var(Student, "cards") == []  # cancelled: gone from Upcoming, under Past (#14)
    finally:
        watching.close()
        acting.close()
