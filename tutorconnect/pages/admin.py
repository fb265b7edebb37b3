"""Admin: users and roles, and the audit log."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.layout import page, page_header
from tutorconnect.state.admin import ROLES, AdminAuditState, AdminUsersState


def pager(state, page_var, pages_var) -> rx.Component:
    return rx.hstack(
        rx.button(rx.icon("chevron-left", size=14), "Previous", variant="soft", size="2",
                  disabled=page_var <= 1, on_click=state.go_to_page(page_var - 1)),
        rx.text("Page ", page_var, " of ", pages_var, size="2", color=rx.color("gray", 11)),
        rx.button("Next", rx.icon("chevron-right", size=14), variant="soft", size="2",
                  disabled=page_var >= pages_var, on_click=state.go_to_page(page_var + 1)),
        align="center",
        justify="center",
        width="100%",
        padding_top="0.75rem",
    )


def _role_badge(role) -> rx.Component:
    return rx.match(
        role,
        ("admin", rx.badge("admin", color_scheme="tomato")),
        ("tutor", rx.badge("tutor", color_scheme="indigo")),
        rx.badge("student", color_scheme="gray"),
    )


def _user_row(u) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.text(u["name"], weight="medium"),
                rx.text(u["email"], size="1", color=rx.color("gray", 10)),
                spacing="0",
            )
        ),
        rx.table.cell(_role_badge(u["role"])),
        rx.table.cell(rx.cond(u["verified"], rx.icon("badge-check", size=16, color="green"), rx.text("—")), class_name="tc-hide-sm"),
        rx.table.cell(u["joined"], class_name="tc-hide-sm"),
        rx.table.cell(u["last_login"], class_name="tc-hide-sm"),
        rx.table.cell(
            rx.cond(
                u["is_self"],
                rx.text("You", size="1", color=rx.color("gray", 10)),
                rx.select.root(
                    rx.select.trigger(placeholder="Change role", aria_label="Change role"),
                    rx.select.content(*[rx.select.item(r.capitalize(), value=r) for r in ROLES]),
                    value=u["role"],
                    on_change=lambda role: AdminUsersState.ask_role_change(u["id"], role),
                    size="1",
                ),
            )
        ),
    )


def _confirm_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Change role?"),
            rx.alert_dialog.description(
                "Make ", rx.text.strong(AdminUsersState.pending_name), " a ", rx.text.strong(AdminUsersState.pending_role),
                "? They will be signed out everywhere and sign in again with the new role. This is recorded in the audit log.",
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=AdminUsersState.cancel_role_change)),
                rx.alert_dialog.action(rx.button("Change role", on_click=AdminUsersState.confirm_role_change, id="confirm-role")),
                gap="0.75rem",
                justify="end",
                margin_top="1rem",
            ),
        ),
        open=AdminUsersState.pending_user_id != "",
    )


def _filters() -> rx.Component:
    return rx.flex(
        rx.form(
            rx.hstack(
                rx.input(rx.input.slot(rx.icon("search", size=14)), name="q", placeholder="Search name or email",
                         default_value=AdminUsersState.query, key=AdminUsersState.query, max_length=100, width="260px"),
                rx.button("Search", type="submit", variant="soft"),
            ),
            on_submit=AdminUsersState.search,
        ),
        rx.segmented_control.root(
            rx.segmented_control.item("All", value="all"),
            *[rx.segmented_control.item(r.capitalize(), value=r) for r in ROLES],
            value=rx.cond(AdminUsersState.role_filter == "", "all", AdminUsersState.role_filter),
            on_change=AdminUsersState.filter_role,
        ),
        gap="0.75rem",
        wrap="wrap",
        margin_bottom="1rem",
    )


@page("/admin/users", "Users", on_load=[AdminUsersState.load])
def admin_users() -> rx.Component:
    return rx.vstack(
        page_header("Users", AdminUsersState.total.to_string() + rx.cond(AdminUsersState.total == 1, " account", " accounts")),
        _filters(),
        rx.cond(
            AdminUsersState.loading,
            rx.vstack(*[rx.skeleton(rx.box(height="40px", width="100%")) for _ in range(6)], width="100%"),
            rx.cond(
                AdminUsersState.rows.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell("Person"),
                                rx.table.column_header_cell("Role"),
                                rx.table.column_header_cell("Verified", class_name="tc-hide-sm"),
                                rx.table.column_header_cell("Joined", class_name="tc-hide-sm"),
                                rx.table.column_header_cell("Last sign-in", class_name="tc-hide-sm"),
                                rx.table.column_header_cell(""),
                            )
                        ),
                        rx.table.body(rx.foreach(AdminUsersState.rows, _user_row)),
                        variant="surface",
                        width="100%",
                        id="users-table",
                    ),
                    class_name="tc-table-wrap",
                ),
                rx.callout.root(rx.callout.icon(rx.icon("search-x")), rx.callout.text("No accounts match. Try a shorter search or another role."), color_scheme="gray"),
            ),
        ),
        pager(AdminUsersState, AdminUsersState.page, AdminUsersState.pages),
        _confirm_dialog(),
        width="100%",
    )


def _audit_row(e) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(e["when"], size="1", white_space="nowrap")),
        rx.table.cell(rx.code(e["action"])),
        rx.table.cell(rx.text(e["target"], size="1")),
        rx.table.cell(rx.text(e["actor"], size="1"), class_name="tc-hide-sm"),
        rx.table.cell(
            rx.text(e["changes"], size="1", white_space="pre-line", overflow_wrap="anywhere", max_width="28rem"),
            class_name="tc-hide-sm",
        ),
        rx.table.cell(rx.text(e["ip"], size="1"), class_name="tc-hide-sm"),
    )


@page("/admin/audit", "Audit log", on_load=[AdminAuditState.load])
def admin_audit() -> rx.Component:
    return rx.vstack(
        page_header("Audit log", "Who changed what, when and from where."),
        rx.box(
            rx.segmented_control.root(
                rx.segmented_control.item("Everything", value="all"),
                rx.segmented_control.item("Accounts", value="user."),
                rx.segmented_control.item("Sessions", value="session."),
                rx.segmented_control.item("Tutors", value="tutor."),
                rx.segmented_control.item("Subjects", value="subject."),
                value=rx.cond(AdminAuditState.action == "", "all", AdminAuditState.action),
                on_change=AdminAuditState.filter_action,
            ),
            max_width="100%",
            overflow_x="auto",
            margin_bottom="1rem",
        ),
        rx.cond(
            AdminAuditState.loading,
            rx.vstack(*[rx.skeleton(rx.box(height="40px", width="100%")) for _ in range(8)], width="100%"),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("When"),
                            rx.table.column_header_cell("Action"),
                            rx.table.column_header_cell("Target"),
                            rx.table.column_header_cell("Actor", class_name="tc-hide-sm"),
                            rx.table.column_header_cell("Change", class_name="tc-hide-sm"),
                            rx.table.column_header_cell("From", class_name="tc-hide-sm"),
                        )
                    ),
                    rx.table.body(rx.foreach(AdminAuditState.entries, _audit_row)),
                    variant="surface",
                    width="100%",
                    id="audit-table",
                ),
                class_name="tc-table-wrap",
            ),
        ),
        pager(AdminAuditState, AdminAuditState.page, AdminAuditState.pages),
        width="100%",
    )
