from tutorconnect.db import session_scope
from tutorconnect.services import accounts


def test_registered_user_can_sign_in(db, ctx):
    with session_scope() as s:
        uid = accounts.register(s, ctx, email=" Ada@Example.com ", password="correct horse battery", full_name="Ada L", time_zone="Europe/London")
    with session_scope() as s:
        assert accounts.authenticate(s, ctx, email="ada@example.COM", password="correct horse battery") == uid
