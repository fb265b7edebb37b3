"""The demo data set: its subjects, tutors, students and admin, their fixed logins and
deterministic ids, and `load_demo_data`, which loads all of it (profiles, documents,
availability, reviews and bookings) idempotently into the caller's transaction. It is a
tool that uses the services, never the other way round: it makes its rows through
services.tutors, services.bookings, services.notifications, services.outbox,
services.audit, services.passwords, services.validation, services.context and
services.errors, and nothing in tutorconnect.services imports it.
"""

from tutorconnect.demo.catalog import ADMIN, STUDENTS, SUBJECTS, TUTORS
from tutorconnect.demo.documents import demo_pdf
from tutorconnect.demo.identity import (
    ADMIN_EMAIL,
    DEMO_DOMAIN,
    DEMO_LOGINS,
    DEMO_NAMESPACE,
    DEMO_PASSWORD,
    STUDENT_EMAIL,
    TUTOR_EMAIL,
    DemoLogin,
    demo_email,
    demo_review_id,
    demo_subject_id,
    demo_user_id,
    slugify,
)
from tutorconnect.demo.load import DemoSummary, load_demo_data

__all__ = [
    "ADMIN",
    "ADMIN_EMAIL",
    "DEMO_DOMAIN",
    "DEMO_LOGINS",
    "DEMO_NAMESPACE",
    "DEMO_PASSWORD",
    "STUDENTS",
    "STUDENT_EMAIL",
    "SUBJECTS",
    "TUTORS",
    "TUTOR_EMAIL",
    "DemoLogin",
    "DemoSummary",
    "demo_email",
    "demo_pdf",
    "demo_review_id",
    "demo_subject_id",
    "demo_user_id",
    "load_demo_data",
    "slugify",
]
