"""Steps 5 and 6 of the onboarding wizard: photo, intro video and documents.

A mixin of OnboardingState (state/onboarding.py), which declares the vars used here and
the helpers `_edit`, `_fail` (the handlers' `on_error`), `_saved`, `_reload`, `_ctx`.
Uploads arrive through Reflex's upload endpoint as `rx.UploadFile`s whose bytes go straight
to the services: nothing is written to Reflex's public upload directory. The upload request
carries no cookie of its own for the handler; the guard's `_require` reads the session from
the websocket's headers that Reflex keeps on the state (router data), as for every event.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorconnect.models.tutors import DOCUMENT_MAX_BYTES
from tutorconnect.services import tutors
from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.sessions import CurrentUser
from tutorconnect.state.base import in_transaction
from tutorconnect.state.forms import parse_form
from tutorconnect.state.guard import handler
from tutorconnect.state.onboarding_support import uuid_arg


class OnboardingFilesMixin(rx.State, mixin=True):
    # -- step 5: photo and video --------------------------------------------------------
    @handler("tutor", busy="uploading", on_error="_fail")
    async def upload_photo(self, user: CurrentUser, files: list[rx.UploadFile]):
        self.uploading, self.field_errors = True, {}
        yield
        data = await _one_file(files, tutors.PHOTO_MAX_BYTES, "photo",
                               "The photo is larger than 5 MB. Upload a smaller one.")
        previous = self._edit("photo")
        await in_transaction(tutors.upload_photo, self._ctx(user), user.user_id, data=data)
        await in_transaction(tutors.discard_unused_photo, previous)
        await self._reload(user)
        self.uploading = False
        yield rx.toast.success("Photo saved.")

    @handler("tutor", on_error="_fail")
    async def remove_photo(self, user: CurrentUser):
        previous = await in_transaction(tutors.remove_photo, self._ctx(user), user.user_id)
        await in_transaction(tutors.discard_unused_photo, previous)
        await self._reload(user)
        return rx.toast.info("Photo removed.")

    @handler("tutor", busy="saving", on_error="_fail")
    async def save_video(self, user: CurrentUser, form_data: Any):
        self.saving, self.field_errors = True, {}
        yield
        data = parse_form(form_data, {"intro_video_url": 400})
        await in_transaction(tutors.save_media, self._ctx(user), user.user_id,
                             photo_path=self._edit("photo") or None, intro_video_url=data["intro_video_url"].strip())
        yield await self._saved(user, "Photo and video saved.")

    # -- step 6: documents --------------------------------------------------------------
    @handler("tutor", busy="uploading", on_error="_fail")
    async def upload_document(self, user: CurrentUser, files: list[rx.UploadFile], form_data: Any = None):
        """The file and the form's fields arrive in one request (the fields are bound to the
        upload event), so what is stored is exactly what the form showed when it was sent."""
        self.uploading, self.field_errors = True, {}
        yield
        self._edit("documents")
        doc = _document_fields(form_data)
        year_text = doc["year"].strip()
        if year_text and not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4):
            raise InvalidInput("year", "Enter the year as four digits, like 2019, or leave it empty.")
        data = await _one_file(files, DOCUMENT_MAX_BYTES, "file",
                               "The file is larger than 10 MB. Upload a smaller scan or PDF.")
        name = files[0].filename or "document"
        await in_transaction(
            tutors.add_document, self._ctx(user), user.user_id, kind=doc["kind"], title=doc["title"],
            issuer=doc["issuer"], year=int(year_text) if year_text else None, filename=name, data=data,
        )
        self.doc_form_key += 1  # a fresh, empty form for the next document
        await self._reload(user)
        self.uploading = False
        yield [rx.clear_selected_files("document"), rx.toast.success("Document uploaded.")]

    @handler("tutor", on_error="_fail")
    async def ask_remove_document(self, document_id: Any):
        did = str(uuid_arg(document_id))
        if did not in {d["id"] for d in self._edit("documents")}:
            raise InvalidInput("document", "That document could not be found. Please reload the page.")
        self.confirm_remove = did
        return None

    @handler("tutor")
    async def cancel_remove_document(self):
        self.confirm_remove = ""
        return None

    @handler("tutor", on_error="_fail")
    async def remove_document(self, user: CurrentUser):
        # The confirmation closes however the removal ends (a refusal also clears it).
        chosen, self.confirm_remove = self.confirm_remove, ""
        await in_transaction(tutors.remove_document, self._ctx(user), user.user_id, uuid_arg(chosen))
        await self._reload(user)
        return rx.toast.info("Document removed.")


async def _one_file(files: Any, limit: int, field: str, too_big: str) -> bytes:
    """The bytes of exactly one uploaded file, read at most `limit` + 1 bytes deep."""
    if not isinstance(files, list) or len(files) != 1 or not isinstance(files[0], rx.UploadFile):
        raise InvalidInput(field, "Choose one file to upload.")
    data = files[0].file.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(field, too_big)
    if not data:
        raise InvalidInput(field, "That file is empty.")
    return data


def _document_fields(form_data: Any) -> dict[str, str]:
    """The add-document form's fields ("doc_title" ...) as {"title": ...}; an error names the
    field the way the service does, so it shows next to that field."""
    try:
        clean = parse_form(form_data, {"doc_kind": 20, "doc_title": 400, "doc_issuer": 400, "doc_year": 20})
    except InvalidInput as err:
        raise InvalidInput(err.field.removeprefix("doc_"), err.message) from None
    return {name.removeprefix("doc_"): value for name, value in clean.items()}
