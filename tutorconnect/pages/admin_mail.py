"""Admin: captured mail (/admin/mail): every email the app sent, as the local SMTP capture
server received it, newest first; open one to see its HTML (in a sandboxed frame), its
text part and its attachments' names."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.layout import page, page_header
from tutorconnect.pages.admin import pager
from tutorconnect.state.admin_mail import AdminMailState as S


def _row(m) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(m["when"], size="1", white_space="nowrap", color=rx.color("gray", 11)),
                      class_name="tc-hide-sm"),
        rx.table.cell(rx.text(m["to"], size="2", word_break="break-all"), class_name="tc-hide-sm"),
        rx.table.cell(rx.vstack(
            rx.button(
                rx.cond(S.opening == m["id"], rx.spinner(size="1"), rx.fragment()),
                rx.text(m["subject"], text_align="left"),
                variant="ghost", size="2", on_click=S.open(m["id"]), class_name="open-mail",
                height="auto", white_space="normal", padding_y="0.25rem",
            ),
            rx.text("To ", m["to"], size="1", word_break="break-all", class_name="tc-show-sm"),
            rx.hstack(
                rx.text(m["when"], size="1", color=rx.color("gray", 11), class_name="tc-show-sm"),
                rx.cond(m["files"] != "", rx.badge(rx.icon("paperclip", size=11), m["files"], variant="soft",
                                                   color_scheme="gray", size="1")),
                spacing="2", wrap="wrap", align="center",
            ),
            spacing="1", align="start",
        )),
        data_mail=m["id"],
    )


def _detail_dialog() -> rx.Component:
    d = S.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(d["subject"], size="4"),
            rx.dialog.description(
                rx.vstack(
                    rx.text(rx.text.strong("From: "), d["from"], size="2", word_break="break-all"),
                    rx.text(rx.text.strong("To: "), d["to"], size="2", word_break="break-all"),
                    rx.text(d["when"], size="1", color=rx.color("gray", 11)),
                    spacing="1",
                ),
            ),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger("HTML", value="html"),
                    rx.tabs.trigger("Text", value="text"),
                    rx.tabs.trigger("Attachments (", S.detail_files.length(), ")", value="files"),
                ),
                rx.tabs.content(
                    rx.cond(
                        d["html"] != "",
                        # No allow-scripts and no allow-same-origin: the mail can run nothing
                        # and reach nothing of the app; its links open in a new tab.
                        rx.el.iframe(src_doc=d["html"], sandbox="allow-popups allow-popups-to-escape-sandbox",
                                     title="HTML part of the email", referrer_policy="no-referrer",
                                     width="100%", height="520px", id="mail-html",
                                     style={"border": f"1px solid {rx.color('gray', 6)}", "border_radius": "8px",
                                            "background": "white"}),
                        rx.text("This email has no HTML part.", size="2", color=rx.color("gray", 11)),
                    ),
                    value="html", padding_top="0.75rem",
                ),
                rx.tabs.content(
                    rx.el.pre(d["text"], id="mail-text",
                              style={"white_space": "pre-wrap", "word_break": "break-word", "font_size": "13px",
                                     "padding": "12px", "border_radius": "8px", "max_height": "520px",
                                     "overflow": "auto", "background": rx.color("gray", 2),
                                     "border": f"1px solid {rx.color('gray', 5)}"}),
                    value="text", padding_top="0.75rem",
                ),
                rx.tabs.content(
                    rx.cond(
                        S.detail_files.length() > 0,
                        rx.vstack(rx.foreach(S.detail_files, lambda f: rx.hstack(
                            rx.icon("paperclip", size=14), rx.text(f, size="2", word_break="break-all"),
                            align="center", class_name="mail-file")), spacing="2", id="mail-files"),
                        rx.text("No attachments.", size="2", color=rx.color("gray", 11)),
                    ),
                    value="files", padding_top="0.75rem",
                ),
                default_value="html",
                margin_top="1rem",
            ),
            rx.flex(
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray", on_click=S.close,
                                          id="close-mail")),
                justify="end", margin_top="1rem",
            ),
            max_width="min(880px, 96vw)",
            width="96vw",
            id="mail-detail",
        ),
        open=S.detail_open,
        on_open_change=lambda is_open: rx.cond(is_open, rx.noop(), S.close()),
    )


def _problem(icon: str, title: str, body: rx.Component, id_: str) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=36, color=rx.color("gray", 9)),
            rx.heading(title, size="5", as_="h2", text_align="center"),
            body,
            align="center", spacing="3", max_width="560px",
        ),
        padding_y="3rem", width="100%", id=id_,
    )


def _listing() -> rx.Component:
    return rx.match(
        S.error,
        ("not_configured", _problem(
            "mail-x", "No capture server configured",
            rx.text("Here mail goes to the real SMTP server, which keeps no copy for this page. To read a capture "
                    "server's inbox here, set MAIL_CAPTURE_URL.", color=rx.color("gray", 11), text_align="center"),
            "mail-not-configured")),
        ("unreachable", _problem(
            "cloud-off", "The mail capture server is not answering",
            rx.vstack(
                rx.text("Could not read the inbox at ", rx.code(S.inbox_url),
                        ". Start the local emulators (scripts/run.sh does) and try again.",
                        color=rx.color("gray", 11), text_align="center"),
                rx.button(rx.icon("rotate-ccw", size=14), "Try again", on_click=S.refresh, id="mail-retry"),
                align="center", spacing="3",
            ),
            "mail-unreachable")),
        rx.cond(
            S.rows.length() == 0,
            _problem("inbox", "No mail captured yet",
                     rx.text("Emails the app sends (confirmations, reminders, password resets) appear here.",
                             color=rx.color("gray", 11), text_align="center"),
                     "mail-empty"),
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell("Received", class_name="tc-hide-sm", width="11rem"),
                        rx.table.column_header_cell("To", class_name="tc-hide-sm", width="30%"),
                        rx.table.column_header_cell("Subject"),
                    )),
                    rx.table.body(rx.foreach(S.rows, _row)),
                    variant="surface", width="100%", id="mail-table",
                ),
                class_name="tc-table-wrap", width="100%",
            ),
        ),
    )


@page("/admin/mail", "Captured mail", on_load=[S.load])
def admin_mail() -> rx.Component:
    return rx.vstack(
        page_header(
            "Captured mail",
            "Every email the app sent, as the local mail capture server received it. Newest first.",
            rx.button(rx.icon("refresh-cw", size=14), "Refresh", variant="soft", on_click=S.refresh,
                      disabled=S.loading, id="mail-refresh"),
        ),
        rx.cond(S.total > 0, rx.text(S.total, rx.cond(S.total == 1, " email", " emails"), size="2",
                                     color=rx.color("gray", 11), id="mail-total")),
        rx.cond(
            S.loading,
            rx.vstack(*[rx.skeleton(rx.box(height="44px", width="100%")) for _ in range(8)], width="100%"),
            _listing(),
        ),
        rx.cond((S.pages > 1) & (S.error == ""), pager(S, S.page, S.pages)),
        _detail_dialog(),
        width="100%",
        spacing="3",
    )
