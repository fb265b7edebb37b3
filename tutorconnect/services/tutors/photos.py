"""A tutor's profile photo: checked by content, re-encoded, stored as a public file.

The upload is never stored as sent. It must decode as a PNG, JPEG or WebP image (the
format comes from the bytes, never from the file name), and it is then decoded to pixels,
turned upright (EXIF orientation), center-cropped to a square, resized to 512x512 and
encoded again as WebP. Re-encoding defeats polyglots (a file that is also HTML, a script
or a ZIP keeps none of that) and drops every metadata block, so an EXIF GPS position
taken by a phone camera never reaches students. Photos are public: they live under
var/media/photos and are served by api/media_routes.py.
"""

from __future__ import annotations

import contextlib
import io
import re
import uuid
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import Session, select

from tutorconnect.config import PROJECT_ROOT
from tutorconnect.models import TutorProfile
from tutorconnect.services.context import RequestContext
from tutorconnect.services.errors import InvalidInput
from tutorconnect.services.tutors.documents import _write_atomically
from tutorconnect.services.tutors.profile_drafts import editable_profile, touch

PHOTO_DIR = PROJECT_ROOT / "var" / "media" / "photos"
PHOTO_URL_PREFIX = "/media/photos/"
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_SIZE = 512
# Far beyond any camera, far below what would exhaust memory when decoded.
MAX_PIXELS = 50_000_000
KEY_RE = re.compile(r"^[0-9a-f]{32}\.webp$")
_FORMATS = ("PNG", "JPEG", "WEBP")
_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def _bad(message: str = "Upload a PNG, JPEG or WebP photo.") -> InvalidInput:
    return InvalidInput("photo", message)


def _looks_like_image(data: bytes) -> bool:
    return data.startswith(_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def normalize_photo(data: object) -> bytes:
    """The re-encoded 512x512 WebP for an uploaded image, or InvalidInput('photo').

    Pure function (no I/O): 1 byte..5 MB, PNG/JPEG/WebP by content, at most 50 megapixels.
    """
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise _bad("Choose a photo to upload.")
    if len(data) > PHOTO_MAX_BYTES:
        raise _bad("The photo is larger than 5 MB. Upload a smaller one.")
    data = bytes(data)
    if not _looks_like_image(data):
        raise _bad()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=_FORMATS) as img:
                width, height = img.size
                if width < 1 or height < 1 or width * height > MAX_PIXELS:
                    raise _bad("That image is too large in pixels. Upload a photo of at most 50 megapixels.")
                img.load()
                img = ImageOps.exif_transpose(img) or img
                img = img.convert("RGBA" if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info else "RGB")
                side = min(img.size)
                img = ImageOps.fit(img, (side, side), method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))
                img = img.resize((PHOTO_SIZE, PHOTO_SIZE), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                # No exif=, icc_profile= or xmp=: the new file carries pixels only.
                img.save(out, format="WEBP", quality=85, method=4)
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, EOFError):
        raise _bad("That file is not a readable PNG, JPEG or WebP image.") from None
    return out.getvalue()


def photo_file(key: str, directory: Path | None = None) -> Path | None:
    """The stored photo for a served key, or None for a malformed or unknown key."""
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        return None
    path = (directory or PHOTO_DIR) / key
    return path if path.is_file() else None


def upload_photo(
    session: Session, ctx: RequestContext, tutor_id: uuid.UUID, *, data: object, directory: Path | None = None
) -> str:
    """Store a new profile photo for the tutor's own profile and return its public path.

    The image is normalized first (see normalize_photo), then written atomically under a
    random key, then the profile points at it; if the profile cannot be updated the file
    is removed. The intro video link is left as it is. Raises InvalidInput('photo'),
    PermissionDenied, NotFound, ProfileLocked.
    """
    profile = editable_profile(session, ctx, tutor_id)
    encoded = normalize_photo(data)
    key = uuid.uuid4().hex + ".webp"
    path = _write_atomically(directory or PHOTO_DIR, key, encoded)
    path.chmod(0o644)
    try:
        profile.photo_path = PHOTO_URL_PREFIX + key
        touch(session, profile)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        raise
    return profile.photo_path


def remove_photo(session: Session, ctx: RequestContext, tutor_id: uuid.UUID) -> str | None:
    """Clear the profile photo; returns the path it had (for discard_unused_photo)."""
    profile = editable_profile(session, ctx, tutor_id)
    previous = profile.photo_path
    profile.photo_path = None
    touch(session, profile)
    return previous


def discard_unused_photo(session: Session, photo_path: str | None, *, directory: Path | None = None) -> bool:
    """Delete a stored photo file that no profile uses any more; True if one was deleted.

    Call it after the transaction that replaced or cleared the photo has committed, so a
    rolled-back change never loses its file. Paths outside /media/photos/ (the demo's
    generated avatars) are never touched.
    """
    if not isinstance(photo_path, str) or not photo_path.startswith(PHOTO_URL_PREFIX):
        return False
    path = photo_file(photo_path[len(PHOTO_URL_PREFIX):], directory)
    if path is None:
        return False
    still_used = session.exec(select(TutorProfile.user_id).where(TutorProfile.photo_path == photo_path)).first()
    if still_used is not None:
        return False
    path.unlink(missing_ok=True)
    return True
