import reflex as rx

from tutorconnect.components.layout import page
from tutorconnect.services import accounts
from tutorconnect.services.errors import DomainError
from tutorconnect.state.base import SessionState, in_transaction


class HelloState(SessionState):
    greeting: str = ""

    @rx.event
    async def load(self):
        try:
            user = await self._require("student", "tutor")  # role guard, from the server-side session
        except DomainError as err:
            return self._refuse(err)  # toast, and a redirect to /login when signed out
        profile = await in_transaction(accounts.get_profile, user.user_id)  # one service call
        self.greeting = f"Hello, {profile.full_name}! Your times are shown in {profile.time_zone}."


@page("/hello", "Hello", on_load=[HelloState.load])
def hello() -> rx.Component:
    return rx.heading(HelloState.greeting, id="hello-greeting")
