"""Who the demo records are: the fixed logins, the demo email domain and deterministic ids.

Keys derive from DEMO_NAMESPACE so the same person, subject, review or booking gets the
same id on every machine, and loading twice changes nothing.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass

DEMO_PASSWORD = "demo-password-1"
DEMO_DOMAIN = "tutorconnect.test"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
STUDENT_EMAIL = f"student@{DEMO_DOMAIN}"
TUTOR_EMAIL = f"tutor@{DEMO_DOMAIN}"
# Fixed namespace: the same person or subject gets the same id on every machine.
DEMO_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://tutorconnect.test/demo-data")


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    name: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", ADMIN_EMAIL, DEMO_PASSWORD, "Anjali Desai"),
    DemoLogin("student", STUDENT_EMAIL, DEMO_PASSWORD, "Aarav Patel"),
    DemoLogin("tutor", TUTOR_EMAIL, DEMO_PASSWORD, "Priya Sharma"),
)


# Identities of demo records: stable across loads, so loading twice changes nothing ------------
def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return "-".join(words)


def demo_email(name: str) -> str:
    return f"{slugify(name).replace('-', '.')}@{DEMO_DOMAIN}"


def demo_user_id(email: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"user:{email}")


def demo_subject_id(slug: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"subject:{slug}")


def demo_review_id(tutor_slug: str, k: int) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"review:{tutor_slug}:{k}")
