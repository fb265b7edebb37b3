"""Profile photos: accepted by content only, re-encoded square WebP without metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.integration.test_tutor_support import PDF, as_, draft, make_user, profile
from tutorconnect.db import session_scope
from tutorconnect.services import tutors
from tutorconnect.services.errors import InvalidInput, PermissionDenied
from tutorconnect.services.tutors import ProfileLocked
from tutorconnect.services.tutors import photos  # the submodule: monkeypatch target


def image_bytes(fmt: str, size=(800, 600), color=(200, 40, 40), exif: bytes | None = None, mode="RGB") -> bytes:
    out = io.BytesIO()
    img = Image.new(mode, size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    img.save(out, format=fmt, **kwargs)
    return out.getvalue()


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    gps = {1: "N", 2: (12.0, 58.0, 1.0), 3: "E", 4: (77.0, 35.0, 2.0)}
    exif[0x8825] = gps
    return exif.tobytes()


@pytest.fixture
def photo_dir(tmp_path, monkeypatch):
    path = tmp_path / "photos"
    monkeypatch.setattr(photos, "PHOTO_DIR", path)
    return path


@pytest.fixture
def tutor(db):
    tid = make_user("tutor", "Photo Tutor")
    draft(tid)
    return tid


def upload(tutor_id, data):
    with session_scope() as s:
        return tutors.upload_photo(s, as_(tutor_id), tutor_id, data=data)


def stored_files(photo_dir):
    return sorted(p for p in photo_dir.glob("*") if not p.name.startswith(".")) if photo_dir.exists() else []


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_png_jpeg_and_webp_become_a_512_square_webp_on_the_profile(tutor, photo_dir, fmt):
    path = upload(tutor, image_bytes(fmt))
    assert tutors.KEY_RE.fullmatch(path.removeprefix("/media/photos/"))
    assert profile(tutor).photo_path == path
    [file] = stored_files(photo_dir)
    assert path.endswith(file.name)
    with Image.open(file) as img:
        assert img.format == "WEBP" and img.size == (512, 512)


def test_crop_is_centered_so_a_wide_photo_keeps_its_middle(tutor, photo_dir):
    img = Image.new("RGB", (900, 300), (0, 0, 255))
    img.paste((0, 255, 0), (300, 0, 600, 300))  # the middle third is green
    out = io.BytesIO()
    img.save(out, format="PNG")
    upload(tutor, out.getvalue())
    with Image.open(stored_files(photo_dir)[0]) as stored:
        r, g, b = stored.convert("RGB").getpixel((256, 256))
        assert g > 200 and b < 60
        r, g, b = stored.convert("RGB").getpixel((5, 256))
        assert g > 200  # the blue sides are cropped away


def test_exif_with_gps_location_is_stripped(tutor, photo_dir):
    data = image_bytes("JPEG", exif=gps_exif())
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get(0x010F) == "SecretCam"  # the test image really has EXIF
    upload(tutor, data)
    stored = stored_files(photo_dir)[0].read_bytes()
    assert b"SecretCam" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert not img.getexif() and "exif" not in img.info and "icc_profile" not in img.info


def test_a_png_with_an_html_payload_appended_is_stored_without_it(tutor, photo_dir):
    polyglot = image_bytes("PNG") + b"<html><script>alert(document.cookie)</script></html>"
    upload(tutor, polyglot)
    stored = stored_files(photo_dir)[0].read_bytes()
    assert b"<script>" not in stored and stored.startswith(b"RIFF")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(PDF, id="pdf-renamed-to-png"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", id="svg"),
        pytest.param(b"GIF89a/*" + b"\x00" * 40 + b"*/=alert(1)//", id="gif-js-polyglot"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, id="png-magic-then-garbage"),
        pytest.param(image_bytes("PNG")[:200], id="truncated-png"),
        pytest.param(b"just some text", id="text"),
        pytest.param(b"", id="empty"),
        pytest.param("not bytes", id="a-string"),
        pytest.param(None, id="none"),
    ],
)
def test_anything_but_a_real_image_is_rejected_and_nothing_is_stored(tutor, photo_dir, data):
    with pytest.raises(InvalidInput) as err:
        upload(tutor, data)
    assert err.value.field == "photo" and ("PNG, JPEG or WebP" in err.value.message or "Choose a photo" in err.value.message)
    assert stored_files(photo_dir) == []
    assert profile(tutor).photo_path is None


def test_a_photo_over_5_mb_is_rejected(tutor, photo_dir):
    data = image_bytes("PNG") + b"\x00" * (5 * 1024 * 1024)
    with pytest.raises(InvalidInput, match="larger than 5 MB"):
        upload(tutor, data)
    assert stored_files(photo_dir) == [] and profile(tutor).photo_path is None


def test_an_image_with_too_many_pixels_is_rejected_before_decoding(tutor, photo_dir):
    # A small file that declares a huge canvas (a decompression bomb).
    data = image_bytes("PNG", size=(10000, 6000), color=0, mode="L")
    assert len(data) < 5 * 1024 * 1024
    with pytest.raises(InvalidInput, match="megapixels"):
        upload(tutor, data)
    assert stored_files(photo_dir) == []


def test_only_the_tutor_themselves_can_set_their_photo(tutor, photo_dir):
    other = make_user("tutor")
    with pytest.raises(PermissionDenied), session_scope() as s:
        tutors.upload_photo(s, as_(other), tutor, data=image_bytes("PNG"))
    student = make_user("student")
    with pytest.raises(PermissionDenied), session_scope() as s:
        tutors.upload_photo(s, as_(student), student, data=image_bytes("PNG"))
    assert stored_files(photo_dir) == [] and profile(tutor).photo_path is None


def test_a_profile_under_review_cannot_change_its_photo(tutor, photo_dir):
    from sqlalchemy import text

    with session_scope() as s:
        s.execute(text("UPDATE tutor_profiles SET status='under_review' WHERE user_id=:u"), {"u": tutor})
    with pytest.raises(ProfileLocked):
        upload(tutor, image_bytes("PNG"))
    assert stored_files(photo_dir) == []


def test_photo_file_accepts_only_well_formed_existing_keys(tutor, photo_dir):
    path = upload(tutor, image_bytes("PNG"))
    key = path.rsplit("/", 1)[1]
    assert tutors.photo_file(key) is not None
    for bad in ("../secret_key", key.upper(), key[:-5] + ".png", "0" * 32 + ".webp", "", key + "/"):
        assert tutors.photo_file(bad) is None


def test_a_replaced_photo_file_is_deleted_once_no_profile_uses_it(tutor, photo_dir):
    first = upload(tutor, image_bytes("PNG"))
    second = upload(tutor, image_bytes("JPEG"))
    assert len(stored_files(photo_dir)) == 2
    with session_scope() as s:
        assert tutors.discard_unused_photo(s, first) is True
    assert [f.name for f in stored_files(photo_dir)] == [second.rsplit("/", 1)[1]]
    with session_scope() as s:  # still the profile's photo: kept
        assert tutors.discard_unused_photo(s, second) is False
    with session_scope() as s:
        assert tutors.remove_photo(s, as_(tutor), tutor) == second
    with session_scope() as s:
        assert tutors.discard_unused_photo(s, second) is True
    assert stored_files(photo_dir) == [] and profile(tutor).photo_path is None


@pytest.mark.parametrize("path", [None, "", "/avatars/priya.svg", "/media/photos/../../secret_key",
                                  "/media/photos/" + "0" * 32 + ".webp"])
def test_discarding_never_touches_anything_but_stored_photos(tutor, photo_dir, path):
    with session_scope() as s:
        assert tutors.discard_unused_photo(s, path) is False
