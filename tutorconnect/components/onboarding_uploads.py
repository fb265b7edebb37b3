"""Steps 5 and 6 of the tutor onboarding wizard: photo and intro video, documents."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.onboarding_parts import field_error, label, native_select, save_button, step_actions, step_card
from tutorconnect.state.onboarding import OnboardingState as S

PHOTO_TYPES = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"]}
DOCUMENT_TYPES = {"application/pdf": [".pdf"], "image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"]}


def _drop_zone(upload_id: str, accept: dict[str, list[str]], icon: str, label: rx.Component, **props) -> rx.Component:
    """A one-file drop zone (class "<id>-drop"), disabled while uploading or locked."""
    return rx.upload.root(
        rx.vstack(rx.icon(icon, size=22, color=rx.color("accent", 11)), label, align="center", spacing="1"),
        id=upload_id,
        accept=accept,
        multiple=False,
        max_files=1,
        disabled=S.uploading | S.locked,
        border=f"2px dashed {rx.color('gray', 7)}",
        border_radius="12px",
        padding="1.25rem",
        width="100%",
        cursor=rx.cond(S.locked, "not-allowed", "pointer"),
        opacity=rx.cond(S.locked, "0.5", "1"),
        class_name=f"{upload_id}-drop",
        **props,
    )


def _input(name: str, **props) -> rx.Component:
    return rx.input(id=name, name=name, size="3", width="100%", **props)


# 5 ------------------------------------------------------------------------------------
def media_step() -> rx.Component:
    return step_card(
        "Photo and intro video", "A friendly, well-lit photo of your face. PNG, JPEG or WebP up to 5 MB; "
        "we crop it to a square and remove location data.",
        rx.flex(
            rx.cond(
                S.photo != "",
                rx.image(src=S.photo, alt="Your profile photo", width="128px", height="128px", border_radius="999px",
                         object_fit="cover", id="photo-preview", flex_shrink="0"),
                rx.center(rx.icon("user-round", size=48, color=rx.color("gray", 9)), width="128px", height="128px",
                          border_radius="999px", background=rx.color("gray", 3), flex_shrink="0", id="photo-placeholder"),
            ),
            rx.vstack(
                _drop_zone(
                    "photo", PHOTO_TYPES, "upload",
                    rx.text(rx.cond(S.uploading, "Uploading…", "Drop a photo here, or click to choose one"),
                            size="2", weight="medium"),
                    no_keyboard=False,
                    on_drop=S.upload_photo(rx.upload_files(upload_id="photo")),
                ),
                field_error("photo"),
                rx.cond(S.photo != "", rx.button("Remove photo", variant="ghost", color_scheme="gray", size="1",
                                                 type="button", on_click=S.remove_photo, id="remove-photo", disabled=S.locked)),
                width="100%", spacing="2",
            ),
            gap="1.25rem",
            align="center",
            direction=rx.breakpoints(initial="column", sm="row"),
            width="100%",
        ),
        rx.form(
            rx.vstack(
                label("Intro video link", "intro_video_url", "Optional: an https YouTube, Vimeo or Loom link."),
                _input("intro_video_url", default_value=S.video, type="url", max_length=300,
                       placeholder="https://www.youtube.com/watch?v=…"),
                field_error("intro_video_url"),
                step_actions(5, save_button(type="submit")),
                spacing="2", width="100%",
            ),
            on_submit=S.save_video,
            key=S.form_key,
            id="media-form",
            width="100%",
        ),
        id="step-media",
    )


# 6 ------------------------------------------------------------------------------------
def _document_row(d) -> rx.Component:
    return rx.flex(
        rx.icon("file-text", size=20, color=rx.color("accent", 11), flex_shrink="0"),
        rx.vstack(
            rx.hstack(rx.text(d["title"], weight="bold", size="2"), rx.badge(d["kind"], variant="soft"), wrap="wrap",
                      align="center"),
            rx.text(d["issuer"], rx.cond(d["year"] != "", " · " + d["year"], ""), size="1", color=rx.color("gray", 11)),
            rx.text(d["filename"] + " · " + d["size"], size="1", color=rx.color("gray", 10), word_break="break-all"),
            spacing="0", flex="1 1 12rem", min_width="0",
        ),
        rx.hstack(
            rx.button(rx.el.a(rx.icon("download", size=14), "Open", href=d["href"], class_name="document-open",
                              aria_label="Open " + d["title"]),
                      size="2", variant="soft", as_child=True),
            rx.button(rx.icon("trash-2", size=14), "Remove", size="2", variant="soft", color_scheme="tomato",
                      type="button", on_click=S.ask_remove_document(d["id"]), class_name="document-remove", disabled=S.locked,
                      aria_label="Remove " + d["title"]),
            spacing="2",
        ),
        gap="0.75rem", align="center", wrap="wrap", width="100%",
        padding="0.75rem", border=f"1px solid {rx.color('gray', 5)}", border_radius="10px",
        class_name="document-row",
    )


def _remove_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove this document?"),
            rx.alert_dialog.description("Admins will no longer see it when they review your profile."),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray",
                                                 on_click=S.cancel_remove_document)),
                rx.alert_dialog.action(rx.button("Remove", color_scheme="tomato", on_click=S.remove_document,
                                                 id="confirm-remove-document")),
                gap="0.75rem", justify="end", margin_top="1rem",
            ),
        ),
        open=S.confirm_remove != "",
    )


def _doc_input(name: str, text: str, **props) -> rx.Component:
    return rx.vstack(
        label(text, f"doc_{name}"),
        rx.input(id=f"doc_{name}", name=f"doc_{name}", default_value="", size="3", width="100%", **props),
        field_error(name),
        spacing="1", width="100%",
    )


def documents_step() -> rx.Component:
    return step_card(
        "Education and certifications", "Degrees, teaching certificates and the like: PDF, PNG or JPEG up to 10 MB. "
        "Only you and our admins can open them.",
        rx.cond(
            S.documents.length() > 0,
            rx.vstack(rx.foreach(S.documents, _document_row), width="100%", spacing="2", id="document-list"),
            rx.text("No documents yet.", size="2", color=rx.color("gray", 10), id="no-documents"),
        ),
        _remove_dialog(),
        rx.heading("Add a document", size="3", as_="h3"),
        # One form, submitted with the file: the fields are read from the page at the moment
        # of the click and travel in the upload request itself, so nothing typed is lost to
        # an input's debounce or to the upload overtaking a websocket event.
        rx.form(
            rx.grid(
                rx.vstack(
                    label("Kind", "doc_kind"),
                    native_select(rx.el.option("Education", value="education"),
                                  rx.el.option("Certification", value="certification"),
                                  id="doc_kind", name="doc_kind", default_value="education"),
                    field_error("kind"),
                    spacing="1", width="100%",
                ),
                _doc_input("title", "Title", placeholder="MSc Mathematics", max_length=200),
                _doc_input("issuer", "Issued by", placeholder="University or body", max_length=200),
                _doc_input("year", "Year", placeholder="2019", max_length=4, input_mode="numeric"),
                columns=rx.breakpoints(initial="1", sm="2"),
                gap="1rem",
                width="100%",
            ),
            _drop_zone(
                "document", DOCUMENT_TYPES, "file-up",
                rx.cond(
                    rx.selected_files("document").length() > 0,
                    rx.text(rx.selected_files("document")[0], size="2", weight="medium", id="selected-document"),
                    rx.text("Drop a PDF, PNG or JPEG here, or click to choose", size="2", weight="medium"),
                ),
            ),
            field_error("file"),
            rx.button(
                rx.cond(S.uploading, rx.spinner(size="2"), rx.icon("upload", size=16)), "Upload document",
                type="submit", variant="soft", size="3", disabled=S.uploading | S.locked, id="upload-document",
            ),
            on_submit=lambda form_data: S.upload_document(rx.upload_files(upload_id="document"), form_data),
            reset_on_submit=False,
            key=S.doc_form_key,
            id="document-form",
            display="flex",
            flex_direction="column",
            gap="1rem",
            width="100%",
        ),
        step_actions(6, rx.button(rx.link(rx.icon("arrow-right", size=16), "Continue", href="/tutor/profile?step=7",
                                          id="documents-continue", underline="none", color="inherit"),
                                  size="3", as_child=True)),
        id="step-documents",
    )
