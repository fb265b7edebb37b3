from typing import ClassVar

import reflex as rx

from tutorconnect.components.layout import page
from tutorconnect.services import accounts
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.guard import handler


class HelloState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ("greeting",)  # reset if another session reaches this tab
    greeting: str = ""

    @handler("student", "tutor")  # role guard from the server-side session; refusals become a toast
    async def load(self, user: CurrentUser):
        profile = await in_transaction(accounts.get_profile, user.user_id)  # one service call
        self.greeting = f"Hello, {profile.full_name}! Your times are shown in {profile.time_zone}."


@page("/hello", "Hello", on_load=[HelloState.load])
def hello() -> rx.Component:
    return rx.heading(HelloState.greeting, id="hello-greeting")
