"""One guard for every State event handler that does work on someone's behalf.

    @handler("student", busy="busy")
    async def book(self, user: CurrentUser, booking_id: Any):
        ...

The guard, around the handler's body:
- authorizes from the server-side session (`SessionState._require(*roles)`) and passes the
  signed-in user as the `user` argument; `public=True` skips that (sign-in, public pages);
- turns a `DomainError` (a refusal, or bad arguments raised by the `forms` parsers) into what
  the person sees: the state's `on_error` method, `_refuse` by default (a toast, and a
  redirect to sign in when signed out);
- resets the named busy flags however the handler ends, so no fault leaves a tab ignoring
  every click;
- logs any other exception with the request id and answers with the same toast as Reflex's
  backend exception handler: the tab stays usable.

`user` is hidden from the signature Reflex reads, so a browser cannot pass it. Arguments
are bound to the handler's own signature before the guard starts: unknown or missing
arguments are refused by Reflex exactly as for an unguarded handler.
"""

from __future__ import annotations

import functools
import inspect
import logging
import uuid
from collections.abc import Callable
from typing import Any

import reflex as rx

from tutorconnect.logging_setup import request_id_var
from tutorconnect.services.errors import DomainError

log = logging.getLogger("tutorconnect.handlers")

BACKEND_ERROR_TOAST_ID = "backend_error"


def backend_error_toast() -> rx.event.EventSpec:
    """What a person sees when something failed on our side: no internals."""
    return rx.toast.error(
        "Something went wrong on our side. Please try again.",
        id=BACKEND_ERROR_TOAST_ID,
        position="top-center",
    )


def handler(
    *roles: str,
    public: bool = False,
    allow_unverified: bool = False,
    busy: str | tuple[str, ...] = (),
    hold_busy: bool = False,
    on_error: str = "_refuse",
) -> Callable[[Callable[..., Any]], Any]:
    """Decorate a State event handler (in place of `@rx.event`); see the module docstring.

    `hold_busy=True`: the busy flags stay set when the handler succeeds (what it started
    goes on in the browser: a payment window, a reload after sign-in) and are reset only
    when it is refused or fails.
    """
    flags = (busy,) if isinstance(busy, str) else tuple(busy)

    def decorate(fn: Callable[..., Any]) -> Any:
        signature = inspect.signature(fn)
        wants_user = "user" in signature.parameters
        if public and wants_user:
            raise TypeError(f"{fn.__qualname__}: a public handler has no signed-in user to receive")
        visible = signature.replace(parameters=[p for p in signature.parameters.values() if p.name != "user"])

        async def authorize(state: Any, kwargs: dict) -> dict:
            request_id_var.set(uuid.uuid4().hex[:16])  # this event's id, for the log and the audit
            if public:
                return kwargs
            user = await state._require(*roles, allow_unverified=allow_unverified)
            return {**kwargs, "user": user} if wants_user else kwargs

        def refused(state: Any, err: DomainError) -> Any:
            return getattr(state, on_error)(err)

        def fault() -> rx.event.EventSpec:
            # The same words as the app's backend exception handler: one phrase to grep for.
            log.exception("unhandled error in event handler %s (request %s)", fn.__qualname__, request_id_var.get())
            return backend_error_toast()

        def settle(state: Any) -> None:
            for flag in flags:
                setattr(state, flag, False)

        if inspect.isasyncgenfunction(fn):

            async def wrapper(self, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
                visible.bind(self, *args, **kwargs)  # a TypeError here is Reflex's to report
                done = False
                try:
                    call = await authorize(self, kwargs)
                    async for update in fn(self, *args, **call):
                        yield update
                    done = True
                except DomainError as err:
                    settle(self)
                    answer = refused(self, err)
                    if inspect.isawaitable(answer):
                        answer = await answer
                    yield answer
                except Exception:
                    settle(self)
                    yield fault()
                finally:  # cancelled too
                    if not (done and hold_busy):
                        settle(self)

        else:

            async def wrapper(self, *args: Any, **kwargs: Any):  # type: ignore[no-redef]
                visible.bind(self, *args, **kwargs)
                done = False
                try:
                    call = await authorize(self, kwargs)
                    result = fn(self, *args, **call)
                    result = await result if inspect.isawaitable(result) else result
                    done = True
                    return result
                except DomainError as err:
                    answer = refused(self, err)
                    return await answer if inspect.isawaitable(answer) else answer
                except Exception:
                    return fault()
                finally:  # cancelled too
                    if not (done and hold_busy):
                        settle(self)

        functools.update_wrapper(wrapper, fn)
        wrapper.__signature__ = visible  # type: ignore[attr-defined]
        wrapper.__annotations__ = {k: v for k, v in fn.__annotations__.items() if k != "user"}
        return rx.event(wrapper)

    return decorate
