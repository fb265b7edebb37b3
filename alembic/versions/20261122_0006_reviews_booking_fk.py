"""reviews.booking_id references bookings.id

Reviewed by hand. Until the bookings table existed (0005) a review's booking_id was a bare
uuid whose meaning the caller vouched for; now reviews are written from completed bookings
(services.reviews.review_booking), so the database holds the link too.

ON DELETE RESTRICT rather than SET NULL: a review written from a lesson is only legitimate
because of that lesson, and booking_id IS NULL is reserved for demo/test reviews, so a
deleted booking must not silently turn its review into one "without a booking". The app
never deletes bookings (they carry money and history), so RESTRICT only ever stops a
hand-written DELETE, which is what we want; TRUNCATE ... CASCADE (tests) is unaffected.

Added NOT VALID and then validated in an autocommit block: the ADD commits after a brief
SHARE ROW EXCLUSIVE lock on reviews and bookings, and VALIDATE checks the existing rows
under SHARE UPDATE EXCLUSIVE (reads and writes continue). Validation fails if an existing review names a booking that does not
exist (before this revision no code wrote such rows outside tests): the revision then
stays at 0005 with the constraint NOT VALID; set those booking_ids to NULL (or delete the
reviews) and upgrade again. Downgrade drops the
constraint (no data is lost).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 22:45:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # IF EXISTS: a run whose VALIDATE failed left the NOT VALID constraint committed (and
    # the revision at 0005); after fixing the rows, running the upgrade again just works.
    op.execute("ALTER TABLE reviews DROP CONSTRAINT IF EXISTS reviews_booking_id_fkey")
    op.execute("ALTER TABLE reviews ADD CONSTRAINT reviews_booking_id_fkey FOREIGN KEY (booking_id) "
               "REFERENCES bookings (id) ON DELETE RESTRICT NOT VALID")
    # commit the ADD (releasing its lock) and validate outside that transaction
    with op.get_context().autocommit_block():
        op.execute("ALTER TABLE reviews VALIDATE CONSTRAINT reviews_booking_id_fkey")


def downgrade() -> None:
    op.drop_constraint('reviews_booking_id_fkey', 'reviews', type_='foreignkey')
