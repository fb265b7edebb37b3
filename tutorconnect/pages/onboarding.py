"""/tutor/profile: the tutor onboarding wizard (seven steps, the step in `?step=N`)."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.empty_state import empty_state
from tutorconnect.components.layout import page, page_header
from tutorconnect.components.onboarding_parts import status_banner, stepper
from tutorconnect.components.onboarding_steps import (
    basics_step, languages_step, pricing_step, review_step, subjects_step,
)
from tutorconnect.components.onboarding_uploads import documents_step, media_step
from tutorconnect.state.onboarding import OnboardingState as S


def _skeleton() -> rx.Component:
    return rx.vstack(
        rx.skeleton(rx.box(height="48px", width="100%")),
        rx.skeleton(rx.box(height="320px", width="100%")),
        width="100%", spacing="3",
    )


def _wizard() -> rx.Component:
    return rx.vstack(
        status_banner(),
        stepper(),
        rx.match(
            S.step,
            (1, basics_step()),
            (2, subjects_step()),
            (3, languages_step()),
            (4, pricing_step()),
            (5, media_step()),
            (6, documents_step()),
            (7, review_step()),
            basics_step(),
        ),
        width="100%",
        spacing="4",
        id="onboarding-wizard",
    )


@page("/tutor/profile", "Your tutor profile", on_load=[S.load])
def onboarding_page() -> rx.Component:
    return rx.vstack(
        page_header(
            "Your tutor profile",
            rx.cond(S.status != "", "Profile " + S.score.to_string() + "% complete · " + S.status_label,
                    "Tell students what you teach, how and for how much."),
        ),
        rx.cond(
            S.loading,
            _skeleton(),
            rx.cond(
                S.status != "",
                _wizard(),
                rx.box(
                    empty_state("lock", "This page is for tutors",
                                "Sign in with a tutor account to build your tutor profile.", "Go to your dashboard",
                                "/dashboard", id="onboarding-denied-card"),
                    rx.text(S.denied, size="2", color=rx.color("gray", 10), text_align="center"),
                    id="onboarding-denied",
                    width="100%",
                ),
            ),
        ),
        width="100%",
        max_width="860px",
        margin_x="auto",
    )
