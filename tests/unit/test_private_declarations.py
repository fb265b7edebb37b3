"""Private by design, statically: every page state names its private vars in one place
(`PRIVATE`), each name is a real var of that state, and every var recording who loaded
private data is itself private. The behaviour (a reused tab gets none of it) is tested
end to end in tests/e2e/test_security_private_state.py."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tutorconnect.state
from tutorconnect.state.auth import FormState
from tutorconnect.state.base import SessionState

for module in pkgutil.iter_modules(tutorconnect.state.__path__):
    importlib.import_module(f"tutorconnect.state.{module.name}")


def _page_states() -> list[type]:
    found, pending = [], list(SessionState.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls is not FormState and cls.__module__.startswith("tutorconnect.state."):
            found.append(cls)
    return sorted(set(found), key=lambda c: c.__name__)


STATES = _page_states()


def test_there_are_page_states_to_check():
    assert len(STATES) >= 30


@pytest.mark.parametrize("cls", STATES, ids=lambda c: c.__name__)
def test_each_page_state_declares_its_private_vars_itself(cls):
    assert "PRIVATE" in vars(cls), f"{cls.__name__} must say which of its vars are private (PRIVATE = () if none)"
    private = cls.PRIVATE
    assert isinstance(private, tuple) and len(set(private)) == len(private)
    unknown = [name for name in private if name not in cls.__fields__]
    assert not unknown, f"{cls.__name__}.PRIVATE names no such vars: {unknown}"


@pytest.mark.parametrize("cls", STATES, ids=lambda c: c.__name__)
def test_owner_vars_are_private(cls):
    own = [name for name, f in cls.__fields__.items() if f._owner is not SessionState and name.endswith("_owner")]
    missing = [name for name in own if name not in cls.PRIVATE]
    assert not missing, f"{cls.__name__}: {missing} record who loaded private data, so they are private too"
