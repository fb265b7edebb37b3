"""/media/photos/{key} (public photos) and /api/tutor-documents/{id} (private documents)."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from starlette.testclient import TestClient

from tests.integration.test_tutor_support import PDF, as_, complete_profile, draft, make_subjects, make_user
from tutorconnect.api.app import build_api
from tutorconnect.api.media_routes import safe_filename
from tutorconnect.db import session_scope
from tutorconnect.services import sessions, tutors
from tutorconnect.services.tutors import documents, photos  # the submodules: monkeypatch targets


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    monkeypatch.setattr(photos, "PHOTO_DIR", tmp_path / "photos")
    monkeypatch.setattr(documents, "DOCUMENT_DIR", tmp_path / "docs")
    return tmp_path


@pytest.fixture
def client():
    with TestClient(build_api(), base_url="http://testserver") as c:
        yield c


def sign_in(user_id) -> dict[str, str]:
    with session_scope() as s:
        return {"tc_session": sessions.create_session(s, as_(user_id), user_id)}


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 10)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def tutor_with_document(db, dirs):
    make_subjects()
    tutor = make_user("tutor", "Doc Owner")
    complete_profile(tutor, dirs / "docs")
    with session_scope() as s:
        doc_id = tutors.add_document(
            s, as_(tutor), tutor, kind="certification", title="CELTA", issuer="Cambridge", year=2020,
            filename='../../"evil\u202e".pdf.html', data=PDF)
    return tutor, doc_id


class TestPhotos:
    def test_a_stored_photo_is_served_as_webp_with_nosniff_and_a_long_cache(self, db, dirs, client):
        tutor = make_user("tutor")
        draft(tutor)
        with session_scope() as s:
            path = tutors.upload_photo(s, as_(tutor), tutor, data=png())
        r = client.get(path)
        assert r.status_code == 200
        assert r.headers["content-type"] == "image/webp"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "max-age=31536000" in r.headers["cache-control"] and "public" in r.headers["cache-control"]
        assert r.content.startswith(b"RIFF") and r.content[8:12] == b"WEBP"

    @pytest.mark.parametrize("key", ["0" * 32 + ".webp", "..%2F..%2Fvar%2Fsecret_key", "abc.webp", "A" * 32 + ".webp",
                                     "0" * 32 + ".png", "0" * 32 + ".webp.html"])
    def test_unknown_or_malformed_keys_are_404(self, db, dirs, client, key):
        r = client.get("/media/photos/" + key)
        assert r.status_code == 404
        if "%2F" not in key:  # an encoded slash never reaches the route at all
            assert r.headers["x-content-type-options"] == "nosniff"


class TestDocuments:
    def url(self, doc_id) -> str:
        return f"/api/tutor-documents/{doc_id}"

    def test_the_owner_downloads_their_document_with_safe_headers(self, tutor_with_document, client):
        tutor, doc_id = tutor_with_document
        r = client.get(self.url(doc_id), cookies=sign_in(tutor))
        assert r.status_code == 200 and r.content == PDF
        assert r.headers["content-type"] == "application/pdf"
        disposition = r.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        ascii_part = disposition.split(";")[1]
        assert "/" not in ascii_part and ".." not in ascii_part.replace('filename="', "")
        assert ascii_part.strip().endswith('.pdf"')
        assert "\u202e" not in disposition and "%E2%80%AE" not in disposition
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["content-security-policy"] == "sandbox"
        assert r.headers["cache-control"] == "private, no-store"

    def test_an_admin_downloads_any_tutors_document(self, tutor_with_document, client):
        _, doc_id = tutor_with_document
        admin = make_user("admin")
        r = client.get(self.url(doc_id), cookies=sign_in(admin))
        assert r.status_code == 200 and r.content == PDF

    @pytest.mark.parametrize("who", ["other-tutor", "student", "signed-out", "bad-cookie"])
    def test_anyone_else_gets_the_same_404_as_for_an_unknown_id(self, tutor_with_document, client, who):
        _, doc_id = tutor_with_document
        cookies = {
            "other-tutor": lambda: sign_in(make_user("tutor")),
            "student": lambda: sign_in(make_user("student")),
            "signed-out": lambda: {},
            "bad-cookie": lambda: {"tc_session": "forged"},
        }[who]()
        r = client.get(self.url(doc_id), cookies=cookies)
        unknown = client.get(self.url(uuid.uuid4()), cookies=cookies)
        assert r.status_code == unknown.status_code == 404
        assert r.content == unknown.content and PDF not in r.content
        assert r.headers["cache-control"] == "private, no-store"

    @pytest.mark.parametrize("raw", ["not-a-uuid", "1", "' or 1=1 --", "5f0c3a4e9b2d4c7e8a1f6b3d2e9c7a4100", "..%2F..%2Fetc%2Fpasswd"])
    def test_malformed_ids_are_404(self, tutor_with_document, client, raw):
        tutor, _ = tutor_with_document
        assert client.get("/api/tutor-documents/" + raw, cookies=sign_in(tutor)).status_code == 404

    def test_a_removed_document_is_404_even_for_its_owner(self, tutor_with_document, client):
        tutor, doc_id = tutor_with_document
        with session_scope() as s:
            tutors.remove_document(s, as_(tutor), tutor, doc_id)
        assert client.get(self.url(doc_id), cookies=sign_in(tutor)).status_code == 404


@pytest.mark.parametrize(
    ("name", "ctype", "ascii_name"),
    [
        ("degree.pdf", "application/pdf", "degree.pdf"),
        ("scan.png.html", "image/png", "scan.png.png"),
        ('a"b;c\\d/e.pdf', "application/pdf", "abcde.pdf"),
        ("", "image/jpeg", "document.jpg"),
        ("खगोल.pdf", "application/pdf", "document.pdf"),
    ],
)
def test_safe_filename_keeps_the_real_extension_and_no_header_syntax(name, ctype, ascii_name):
    plain, full = safe_filename(name, ctype)
    assert plain == ascii_name
    assert full.endswith(ascii_name.rsplit(".", 1)[1])


class TestUploadLimit:
    """Reflex's /_upload spools whole bodies to disk: the API app refuses oversized ones first."""

    def test_an_upload_declaring_more_than_the_limit_is_413_before_reading_it(self, client):
        from tutorconnect.api.media_routes import UPLOAD_MAX_BODY

        r = client.post("/_upload", content=b"x" * 10, headers={"content-length": str(UPLOAD_MAX_BODY + 1)})
        assert r.status_code == 413

    def test_an_upload_without_a_length_is_411(self, client):
        def body():
            yield b"x" * 100

        r = client.post("/_upload", content=body())
        assert r.status_code == 411

    def test_uploads_within_the_limit_and_other_paths_pass_through(self, client):
        # build_api alone has no Reflex app behind it: passing through means a 404 here.
        assert client.post("/_upload", content=b"x" * 1000).status_code == 404
        assert client.post("/ping-anything", content=b"x" * 20_000_000).status_code == 404
