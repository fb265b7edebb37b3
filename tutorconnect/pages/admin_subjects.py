"""Admin: the subject taxonomy (/admin/subjects).

Form controls' ids equal their names: Reflex sends a control's id as a form field too.
"""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.layout import page, page_header
from tutorconnect.state.admin_subjects import AdminSubjectsState as S


def _add_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.flex(
                rx.vstack(
                    rx.text("Subject name", as_="label", html_for="name", size="2", weight="medium"),
                    rx.input(name="name", id="name", placeholder="e.g. Organic Chemistry", max_length=80,
                             required=True, width="100%"),
                    spacing="1", flex="2 1 200px",
                ),
                rx.vstack(
                    rx.text("Category", as_="label", html_for="category", size="2", weight="medium"),
                    rx.input(name="category", id="category", max_length=60, required=True, width="100%",
                             placeholder="Pick one or type a new one", custom_attrs={"list": "subject-categories"}),
                    rx.el.datalist(rx.foreach(S.categories, lambda c: rx.el.option(value=c)), id="subject-categories"),
                    spacing="1", flex="1 1 180px",
                ),
                rx.button(rx.icon("plus", size=14), "Add subject", type="submit", id="add-subject", align_self="end"),
                gap="0.75rem",
                wrap="wrap",
                align="end",
                width="100%",
            ),
            rx.cond(S.add_error != "", rx.text(S.add_error, color="tomato", size="2", role="alert", id="add-error", margin_top="0.5rem")),
            on_submit=S.add,
            key=S.add_form_key.to_string(),
            width="100%",
        ),
        width="100%",
    )


def _name_cell(r) -> rx.Component:
    return rx.cond(
        S.editing_id == r["id"],
        rx.form(
            rx.vstack(
                rx.hstack(
                    rx.input(name="new_name", default_value=r["name"], max_length=80, size="1", id="new_name", auto_focus=True),
                    rx.button("Save", size="1", type="submit", id="rename-save"),
                    rx.button("Cancel", size="1", type="button", variant="soft", color_scheme="gray", on_click=S.cancel_rename),
                    spacing="2",
                    wrap="wrap",
                ),
                rx.cond(S.rename_error != "", rx.text(S.rename_error, color="tomato", size="1", role="alert", id="rename-error")),
                spacing="1",
            ),
            on_submit=S.save_rename,
        ),
        rx.vstack(
            rx.hstack(
                rx.text(r["name"], weight="medium", color=rx.cond(r["retired"] != "", rx.color("gray", 10), rx.color("gray", 12))),
                rx.icon_button(rx.icon("pencil", size=12), size="1", variant="ghost", aria_label="Rename",
                               on_click=S.start_rename(r["id"]), class_name="rename-subject"),
                align="center",
                spacing="2",
            ),
            # On a phone the category column is hidden: say it under the name.
            rx.text(r["category"], size="1", color=rx.color("gray", 10), class_name="tc-show-sm"),
            spacing="0",
        ),
    )


def _row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(_name_cell(r)),
        rx.table.cell(rx.badge(r["category"], variant="soft", color_scheme="gray"), class_name="tc-hide-sm"),
        rx.table.cell(r["tutors"], text_align="right"),
        rx.table.cell(rx.cond(r["retired"] != "", rx.badge("Retired", color_scheme="orange"), rx.badge("Active", color_scheme="green")),
                      class_name="tc-hide-sm"),
        rx.table.cell(
            rx.cond(
                r["retired"] != "",
                rx.button("Unretire", size="1", variant="soft", on_click=S.ask_retire(r["id"], False), class_name="unretire-subject"),
                rx.button("Retire", size="1", variant="soft", color_scheme="orange", on_click=S.ask_retire(r["id"], True),
                          class_name="retire-subject"),
            )
        ),
        data_slug=r["slug"],
    )


def _retire_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(S.pending_retire, "Retire ", "Bring back "), S.pending_name, "?"),
            rx.alert_dialog.description(
                rx.cond(
                    S.pending_retire,
                    "Tutors who teach it keep it on their profiles, but new tutors cannot choose it and students "
                    "can no longer filter the search by it. You can bring it back later.",
                    "Tutors can choose it again and students can filter the search by it.",
                ),
                size="2",
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.cancel_retire)),
                rx.alert_dialog.action(rx.button(rx.cond(S.pending_retire, "Retire subject", "Unretire subject"),
                                                 color_scheme=rx.cond(S.pending_retire, "orange", "accent"),
                                                 on_click=S.confirm_retire, id="confirm-retire")),
                gap="0.75rem",
                justify="end",
                margin_top="1rem",
            ),
        ),
        open=S.pending_id != "",
    )


@page("/admin/subjects", "Subjects", on_load=[S.load])
def admin_subjects() -> rx.Component:
    return rx.vstack(
        page_header("Subjects", "The subjects tutors teach and students search by."),
        _add_form(),
        rx.cond(
            S.loading,
            rx.vstack(*[rx.skeleton(rx.box(height="40px", width="100%")) for _ in range(8)], width="100%"),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Subject"),
                            rx.table.column_header_cell("Category", class_name="tc-hide-sm"),
                            rx.table.column_header_cell("Tutors", text_align="right"),
                            rx.table.column_header_cell("Status", class_name="tc-hide-sm"),
                            rx.table.column_header_cell(""),
                        )
                    ),
                    rx.table.body(rx.foreach(S.rows, _row)),
                    variant="surface",
                    width="100%",
                    id="subjects-table",
                ),
                width="100%",
                overflow_x="auto",
            ),
        ),
        _retire_dialog(),
        width="100%",
        spacing="4",
    )
