"""Steps 1-4 and 7 of the tutor onboarding wizard (5 and 6, the uploads, are in
onboarding_uploads.py)."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.zone_picker import zone_input
from tutorconnect.components.onboarding_parts import (
    field_error, label, native_select, save_button, step_actions, step_card,
)
from tutorconnect.models.tutors import BIO_MAX, DISPLAY_NAME_MAX, HEADLINE_MAX, LANGUAGE_LEVELS, LESSON_LENGTHS, SUBJECT_LEVELS
from tutorconnect.state.onboarding import OnboardingState as S
from tutorconnect.languages import LANGUAGES



def _input(name: str, **props) -> rx.Component:
    return rx.input(id=name, name=name, size="3", width="100%", **props)


# 1 ------------------------------------------------------------------------------------
def basics_step() -> rx.Component:
    b = S.basics
    return step_card(
        "Basics", "Who you are and how you teach. Students read this first.",
        rx.form(
            rx.vstack(
                label("Display name", "display_name", "Optional: leave empty to use your account name."),
                _input("display_name", default_value=b.get("display_name", ""), max_length=DISPLAY_NAME_MAX,
                       auto_complete="name"),
                field_error("display_name"),
                label("Headline", "headline", "One line that says what you teach and for whom."),
                _input("headline", default_value=b.get("headline", ""), max_length=HEADLINE_MAX,
                       placeholder="Patient maths tutor for classes 8-12 and JEE"),
                field_error("headline"),
                label("About you", "bio", "Your experience, your method and what a first lesson looks like."),
                rx.text_area(id="bio", name="bio", default_value=b.get("bio", ""), rows="8", width="100%", size="3",
                             max_length=BIO_MAX, on_change=S.bio_typed, aria_describedby="bio-counter"),
                rx.text(S.bio_len.to_string() + f" / {BIO_MAX} characters · at least 100 for a complete profile",
                        size="1", color=rx.cond(S.bio_len < 100, rx.color("amber", 11), rx.color("gray", 10)),
                        id="bio-counter", aria_live="polite"),
                field_error("bio"),
                rx.grid(
                    rx.vstack(
                        label("Years of experience", "years_experience"),
                        _input("years_experience", type="number", min="0", max="70", step="1", input_mode="numeric",
                               default_value=b.get("years_experience", "")),
                        field_error("years_experience"),
                        spacing="1", width="100%",
                    ),
                    rx.vstack(
                        label("Time zone", "time_zone"),
                        zone_input(id="time_zone", name="time_zone", value=b.get("time_zone", "UTC"),
                                   options=S.zones, aria_label="Time zone"),
                        field_error("time_zone"),
                        spacing="1", width="100%",
                    ),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    gap="1rem",
                    width="100%",
                ),
                step_actions(1, save_button(type="submit")),
                spacing="2",
                width="100%",
            ),
            on_submit=S.save_basics,
            key=S.form_key,
            id="basics-form",
            width="100%",
        ),
        id="step-basics",
    )


# 2 ------------------------------------------------------------------------------------
def _subject_row(row, i) -> rx.Component:
    return rx.flex(
        native_select(
            rx.el.option("Choose a subject…", value=""),
            rx.foreach(S.subject_groups, lambda g: rx.el.optgroup(
                rx.foreach(g.subjects, lambda s: rx.el.option(s.name, value=s.slug)), label=g.category)),
            value=row["slug"],
            on_change=lambda v: S.set_subject(i, v),
            aria_label="Subject " + (i + 1).to_string(),
            class_name="subject-select",
        ),
        rx.flex(
            native_select(
                *[rx.el.option(level.title(), value=level) for level in SUBJECT_LEVELS],
                value=row["level"],
                on_change=lambda v: S.set_subject_level(i, v),
                aria_label="Level for subject " + (i + 1).to_string(),
                class_name="subject-level",
            ),
            rx.icon_button(rx.icon("trash-2", size=16), variant="soft", color_scheme="gray", size="3", type="button",
                           on_click=S.remove_subject_row(i), aria_label="Remove subject " + (i + 1).to_string(),
                           class_name="subject-remove", disabled=S.locked),
            gap="0.5rem", width="100%", max_width=rx.breakpoints(initial="100%", sm="280px"),
        ),
        gap="0.5rem",
        width="100%",
        direction=rx.breakpoints(initial="column", sm="row"),
        class_name="subject-row",
        padding_bottom="0.5rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def subjects_step() -> rx.Component:
    return step_card(
        "Subjects", "What you teach and up to which level: from 1 to 8 subjects.",
        rx.foreach(S.subject_rows, _subject_row),
        rx.cond(S.subject_rows.length() == 0,
                rx.text("No subjects yet. Add the first one.", size="2", color=rx.color("gray", 10))),
        field_error("subjects"),
        rx.button(rx.icon("plus", size=16), "Add a subject", variant="soft", type="button", on_click=S.add_subject_row,
                  disabled=(S.subject_rows.length() >= 8) | S.locked, id="add-subject"),
        step_actions(2, save_button(on_click=S.save_subjects)),
        id="step-subjects",
    )


# 3 ------------------------------------------------------------------------------------
def _language_row(row, i) -> rx.Component:
    return rx.flex(
        native_select(
            rx.el.option("Choose a language…", value=""),
            *[rx.el.option(name, value=code) for code, name in LANGUAGES.items()],
            value=row["code"],
            on_change=lambda v: S.set_language(i, v),
            aria_label="Language " + (i + 1).to_string(),
            class_name="language-select",
        ),
        rx.flex(
            native_select(
                *[rx.el.option("Native" if lv == "native" else lv, value=lv) for lv in LANGUAGE_LEVELS],
                value=row["level"],
                on_change=lambda v: S.set_language_level(i, v),
                aria_label="Level for language " + (i + 1).to_string(),
                class_name="language-level",
            ),
            rx.icon_button(rx.icon("trash-2", size=16), variant="soft", color_scheme="gray", size="3", type="button",
                           on_click=S.remove_language_row(i), aria_label="Remove language " + (i + 1).to_string(),
                           class_name="language-remove", disabled=S.locked),
            gap="0.5rem", width="100%", max_width=rx.breakpoints(initial="100%", sm="280px"),
        ),
        gap="0.5rem",
        width="100%",
        direction=rx.breakpoints(initial="column", sm="row"),
        class_name="language-row",
        padding_bottom="0.5rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def languages_step() -> rx.Component:
    return step_card(
        "Languages", "The languages you can teach in, with your level (A1 beginner to C2 mastery, or native).",
        rx.foreach(S.language_rows, _language_row),
        rx.cond(S.language_rows.length() == 0,
                rx.text("No languages yet. Add the first one.", size="2", color=rx.color("gray", 10))),
        field_error("languages"),
        rx.button(rx.icon("plus", size=16), "Add a language", variant="soft", type="button", on_click=S.add_language_row,
                  disabled=(S.language_rows.length() >= 8) | S.locked, id="add-language"),
        step_actions(3, save_button(on_click=S.save_languages)),
        id="step-languages",
    )


# 4 ------------------------------------------------------------------------------------
def _rupee_input(name: str, value, on_change, placeholder: str = "", aria: str = "") -> rx.Component:
    return rx.input(
        rx.input.slot(rx.text("₹", size="2")),
        id=name, value=value, on_change=on_change, placeholder=placeholder, input_mode="numeric",
        size="3", width="100%", max_length=9, aria_label=aria or None,
    )


def _length_option(m: int) -> rx.Component:
    offered = S.lengths.contains(m)
    return rx.flex(
        rx.box(
            rx.checkbox(f"{m} minutes", checked=offered, on_change=lambda c: S.toggle_length(m, c), id=f"length-{m}", disabled=S.locked,
                        size="3"),
            width="140px", flex_shrink="0",
        ),
        rx.cond(
            offered,
            rx.box(
                _rupee_input(f"override-{m}", S.overrides.get(str(m), ""), lambda v: S.set_override(m, v),
                             placeholder="Derived from hourly rate", aria=f"Price for {m} minutes (optional)"),
                field_error(f"override_{m}"),
                width="100%", max_width="260px",
            ),
        ),
        gap="0.75rem",
        align=rx.breakpoints(initial="start", sm="center"),
        direction=rx.breakpoints(initial="column", sm="row"),
        width="100%",
    )


def _preview_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["minutes"] + " min"),
        rx.table.cell(rx.text(row["price"], weight="bold")),
        rx.table.cell(rx.text(row["source"], size="1", color=rx.color("gray", 10))),
    )


def pricing_step() -> rx.Component:
    return step_card(
        "Pricing", "Prices are in Indian rupees. A lesson's price is your hourly rate pro rata unless you set it.",
        rx.grid(
            rx.vstack(
                label("Hourly rate", "hourly_rate", "₹100 to ₹50,000, whole rupees."),
                _rupee_input("hourly_rate", S.pricing.get("hourly", ""), S.set_hourly, "1200"),
                field_error("hourly_rate_minor"),
                spacing="1", width="100%",
            ),
            rx.vstack(
                label("Trial lesson price", "trial_price", "Optional; at most your hourly rate."),
                _rupee_input("trial_price", S.pricing.get("trial", ""), S.set_trial, "No trial lesson"),
                field_error("trial_price_minor"),
                spacing="1", width="100%",
            ),
            columns=rx.breakpoints(initial="1", sm="2"),
            gap="1rem",
            width="100%",
        ),
        rx.vstack(
            rx.text("Lesson lengths you offer", size="2", weight="medium", id="lengths-label"),
            rx.text("Leave a price empty to derive it from your hourly rate.", size="1", color=rx.color("gray", 10)),
            *[_length_option(m) for m in LESSON_LENGTHS],
            field_error("lesson_lengths"),
            field_error("overrides"),
            spacing="2", width="100%", role="group", aria_labelledby="lengths-label",
        ),
        rx.flex(
            rx.switch(checked=S.pricing.get("confirm", "") == "1", on_change=S.set_confirmation, id="requires-confirmation", disabled=S.locked,
                      size="3"),
            rx.text("Bookings need my confirmation", as_="label", html_for="requires-confirmation", size="2"),
            gap="0.75rem", align="center",
        ),
        field_error("requires_confirmation"),
        rx.box(
            rx.text("What students will pay", size="2", weight="medium", margin_bottom="0.25rem"),
            rx.table.root(
                rx.table.body(rx.foreach(S.preview, _preview_row)),
                size="1", variant="surface", width="100%", id="price-preview",
            ),
            width="100%",
        ),
        step_actions(4, save_button(on_click=S.save_pricing)),
        id="step-pricing",
    )


# 7 ------------------------------------------------------------------------------------
def _missing_item(m) -> rx.Component:
    return rx.el.li(
        rx.link(m["label"], href="/tutor/profile?step=" + m["step"], class_name="missing-link"),
        rx.text.span(" (step " + m["step"] + ")", color=rx.color("gray", 10)),
    )


def review_step() -> rx.Component:
    return step_card(
        "Review and submit", "An admin checks every profile before students can see it.",
        rx.vstack(
            rx.hstack(
                rx.text("Profile completeness", size="2", weight="medium"),
                rx.spacer(),
                rx.text(S.score.to_string() + " / 100", weight="bold", id="completeness-score"),
                width="100%",
            ),
            rx.progress(value=S.score, max=100, size="3", width="100%", aria_label="Profile completeness",
                        color_scheme=rx.cond(S.score == 100, "green", "amber")),
            width="100%", spacing="2",
        ),
        rx.cond(
            S.missing.length() > 0,
            rx.vstack(
                rx.text("Still missing:", size="2", weight="medium"),
                rx.el.ul(rx.foreach(S.missing, _missing_item), style={"margin": "0", "padding_left": "1.25rem"},
                         id="missing-items"),
                width="100%", spacing="1",
            ),
            rx.callout.root(rx.callout.icon(rx.icon("circle-check")),
                            rx.callout.text("Everything is in place."), color_scheme="green", width="100%",
                            id="profile-complete"),
        ),
        step_actions(
            7,
            rx.cond(
                (S.status == "draft") | (S.status == "rejected"),
                rx.button(rx.cond(S.saving, rx.spinner(size="2"), rx.icon("send", size=16)), "Submit for review",
                          size="3", on_click=S.submit, disabled=S.saving | (S.score < 100), id="submit-profile"),
            ),
            rx.cond(
                S.status == "submitted",
                rx.button(rx.icon("undo-2", size=16), "Withdraw submission", size="3", variant="soft",
                          color_scheme="gray", on_click=S.withdraw, disabled=S.saving, id="withdraw-profile"),
            ),
        ),
        rx.cond((S.score < 100) & ((S.status == "draft") | (S.status == "rejected")),
                rx.text("Complete every item above to submit.", size="1", color=rx.color("gray", 10))),
        id="step-review",
    )
