"""Private by design: before any event reaches a handler (the hydrate included), the
private vars of every loaded state that another session loaded are reset.

Reflex keeps a tab's state under the client token the tab keeps in sessionStorage. A token
used again with another cookie (the first user signed out in another tab and someone else
signed in, or a token copied into another browser) reaches the same server-side state; the
hydrate would send it whole. This middleware runs before Reflex's own hydrate middleware,
with the connection's headers already applied, so the first delta the new holder receives
carries only defaults where the previous user's data was.
"""

from __future__ import annotations

from typing import Any

from reflex.middleware import Middleware

from tutorconnect.state.base import SessionState, loaded_session_states


class PrivateDataMiddleware(Middleware):
    async def preprocess(self, app: Any, state: Any, event: Any) -> None:
        for loaded in loaded_session_states(state):
            if type(loaded) is SessionState:
                loaded._forget_other_user()
            loaded._forget_other_owners()
        return None
