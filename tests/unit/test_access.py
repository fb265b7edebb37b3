import uuid

import pytest

from tutorconnect.services.access import VERIFY_FIRST, check_access
from tutorconnect.services.errors import NotAuthenticated, PermissionDenied
from tutorconnect.services.sessions import CurrentUser


def user(role="student", verified=True) -> CurrentUser:
    return CurrentUser(uuid.uuid4(), uuid.uuid4(), "a@example.com", "A", role, "UTC", verified)


def test_signed_out_is_asked_to_sign_in():
    with pytest.raises(NotAuthenticated):
        check_access(None)


@pytest.mark.parametrize("role, roles, allowed", [
    ("student", (), True), ("student", ("admin",), False), ("tutor", ("student", "tutor"), True),
    ("admin", ("student", "tutor"), False), ("admin", ("admin",), True),
])
def test_roles_are_checked(role, roles, allowed):
    if allowed:
        assert check_access(user(role), roles).role == role
    else:
        with pytest.raises(PermissionDenied):
            check_access(user(role), roles)


def test_unverified_accounts_pass_unless_the_deployment_requires_verification():
    assert check_access(user(verified=False))
    with pytest.raises(PermissionDenied) as refused:
        check_access(user(verified=False), require_verified_email=True)
    assert refused.value.message == VERIFY_FIRST
    # account settings and the dashboard stay reachable, to resend the link
    assert check_access(user(verified=False), require_verified_email=True, allow_unverified=True)
    assert check_access(user(verified=True), require_verified_email=True)
