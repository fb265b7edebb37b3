"""The handler guard (tutorconnect/state/guard.py), on a stand-in state: what a browser may
pass, what a refusal and a fault answer, and that busy flags never stay set."""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from typing import Any

import pytest

from tutorconnect.services.errors import InvalidInput, NotAuthenticated, PermissionDenied
from tutorconnect.state.guard import BACKEND_ERROR_TOAST_ID, handler


class FakeState:
    """What the guard uses of a SessionState: `_require`, an on_error method, flags."""

    def __init__(self, user: Any = "ana", refuse_with: Exception | None = None) -> None:
        self.user, self.refuse_with = user, refuse_with
        self.busy = self.saving = False
        self.required: list[tuple] = []
        self.refused: list[Exception] = []

    async def _require(self, *roles: str, allow_unverified: bool = False) -> Any:
        self.required.append((roles, allow_unverified))
        if self.refuse_with is not None:
            raise self.refuse_with
        return self.user

    def _refuse(self, err: Exception) -> str:
        self.refused.append(err)
        return f"refused: {err}"

    async def _later(self, err: Exception) -> str:
        await asyncio.sleep(0)
        return f"later: {err}"

    @handler("student", busy="busy")
    async def book(self, user: Any, slot: Any) -> Any:
        self.busy = True
        if slot == "bad":
            raise InvalidInput("slot", "Choose a time.")
        if slot == "boom":
            raise OverflowError("date value out of range")
        return f"booked {slot} for {user}"

    @handler(public=True)
    def browse(self, page: Any = 1) -> Any:
        return f"page {page}"

    @handler("tutor", allow_unverified=True, busy=("busy", "saving"), on_error="_later")
    async def save(self, user: Any, form_data: dict):
        self.busy = self.saving = True
        yield "saving"
        if form_data.get("fail") == "domain":
            raise PermissionDenied()
        if form_data.get("fail") == "fault":
            raise KeyError("oops")
        yield f"saved by {user}"


def run(awaitable: Any) -> Any:
    return asyncio.run(awaitable)


def collect(gen: Any) -> list[Any]:
    async def go() -> list[Any]:
        return [x async for x in gen]
    return asyncio.run(go())


def test_user_is_hidden_from_the_signature_reflex_reads():
    for name, params in (("book", ["self", "slot"]), ("save", ["self", "form_data"]), ("browse", ["self", "page"])):
        fn = getattr(FakeState, name)
        assert list(inspect.signature(fn).parameters) == params
        assert "user" not in fn.__annotations__


def test_a_browser_cannot_pass_the_user_or_unknown_arguments():
    state = FakeState()
    with pytest.raises(TypeError):
        run(state.book(user="mallory", slot="x"))
    with pytest.raises(TypeError):
        run(state.book())  # a missing argument is Reflex's to report, as without the guard
    assert state.required == []  # refused before any work


def test_the_user_comes_from_the_server_side_session_with_the_declared_roles():
    state = FakeState(user="ana")
    assert run(state.book(slot="10:00")) == "booked 10:00 for ana"
    assert state.required == [(("student",), False)]
    assert state.busy is False


def test_a_public_handler_checks_no_session():
    state = FakeState(refuse_with=NotAuthenticated())
    assert run(state.browse(page=2)) == "page 2"
    assert state.required == []


def test_a_public_handler_cannot_ask_for_a_user():
    with pytest.raises(TypeError):
        @handler(public=True)
        async def nope(self, user):  # noqa: ANN001
            return None


@pytest.mark.parametrize("refusal", [NotAuthenticated(), PermissionDenied()])
def test_a_refused_session_runs_no_body_and_answers_with_on_error(refusal):
    state = FakeState(refuse_with=refusal)
    assert run(state.book(slot="10:00")) == f"refused: {refusal}"
    assert state.refused == [refusal] and state.busy is False


def test_bad_input_is_a_refusal_and_the_busy_flag_is_reset():
    state = FakeState()
    assert run(state.book(slot="bad")) == "refused: Choose a time."
    assert state.busy is False


def test_a_fault_is_logged_with_the_request_id_and_the_tab_stays_usable(caplog):
    state = FakeState()
    with caplog.at_level(logging.ERROR, logger="tutorconnect.handlers"):
        answer = run(state.book(slot="boom"))
    assert BACKEND_ERROR_TOAST_ID in str(answer)
    assert state.busy is False
    [record] = caplog.records
    assert "unhandled error in event handler" in record.getMessage()
    assert record.exc_info and record.exc_info[0] is OverflowError
    assert re.search(r"\(request [0-9a-f]{16}\)", record.getMessage()), record.getMessage()
    # The next click is answered.
    assert run(state.book(slot="11:00")) == "booked 11:00 for ana"


def test_generators_yield_through_and_reset_every_flag():
    state = FakeState(user="tom")
    assert collect(state.save(form_data={})) == ["saving", "saved by tom"]
    assert (state.busy, state.saving) == (False, False)
    assert state.required == [(("tutor",), True)]


def test_a_generator_refusal_goes_to_the_named_async_on_error():
    state = FakeState()
    out = collect(state.save(form_data={"fail": "domain"}))
    assert out == ["saving", f"later: {PermissionDenied()}"]
    assert (state.busy, state.saving) == (False, False)


def test_a_generator_fault_answers_with_the_backend_error_toast(caplog):
    state = FakeState()
    with caplog.at_level(logging.ERROR, logger="tutorconnect.handlers"):
        out = collect(state.save(form_data={"fail": "fault"}))
    assert out[0] == "saving" and BACKEND_ERROR_TOAST_ID in str(out[1])
    assert (state.busy, state.saving) == (False, False)


class HoldingState(FakeState):
    @handler("student", busy="busy", hold_busy=True)
    async def pay(self, user: Any, how: Any) -> Any:
        self.busy = True
        if how == "fault":
            raise RuntimeError("gateway down")
        if how == "refused":
            raise PermissionDenied()
        return "window opened"


def test_hold_busy_keeps_the_flag_after_success_only(caplog):
    state = HoldingState()
    assert run(state.pay(how="ok")) == "window opened" and state.busy is True
    for how in ("refused", "fault"):
        state.busy = False
        with caplog.at_level(logging.CRITICAL, logger="tutorconnect.handlers"):
            run(state.pay(how=how))
        assert state.busy is False, how


def test_a_cancelled_handler_resets_its_flags():
    class Slow(FakeState):
        @handler("student", busy="busy")
        async def wait(self, user: Any) -> None:
            self.busy = True
            await asyncio.sleep(10)

    async def go() -> Slow:
        state = Slow()
        task = asyncio.ensure_future(state.wait())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return state

    assert asyncio.run(go()).busy is False
