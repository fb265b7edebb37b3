"""payments captured at the wrong amount; admins resolve flagged payment events

Reviewed by hand (#14 items 5 and 6). payments.status gains 'mismatched': a capture at
another amount or currency than its order's, never applied to the booking nor written to
the ledger, refunded in full automatically. payment_events gains an admin's resolution of
a flagged event (resolved_at, resolved_by -> users ON DELETE SET NULL, resolution_note),
a CHECK that only flagged events are resolved, and a partial index for the unresolved
queue. Downgrade drops the columns (resolutions are lost; the audit log keeps them) and
turns 'mismatched' payments back into 'captured', the old schema's word for money that
arrived.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 00:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "status IN ('created', 'authorized', 'captured', 'failed', 'refunded')"
NEW_STATUSES = "status IN ('created', 'authorized', 'captured', 'failed', 'refunded', 'mismatched')"


def upgrade() -> None:
    op.drop_constraint('ck_payments_status', 'payments', type_='check')
    op.create_check_constraint('ck_payments_status', 'payments', NEW_STATUSES)
    op.add_column('payment_events', sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('payment_events', sa.Column('resolved_by', sa.UUID(), nullable=True))
    op.add_column('payment_events', sa.Column('resolution_note', sa.Text(), nullable=True))
    op.create_foreign_key('payment_events_resolved_by_fkey', 'payment_events', 'users', ['resolved_by'], ['id'],
                          ondelete='SET NULL')
    op.create_check_constraint('ck_payment_events_resolved_flagged', 'payment_events', 'resolved_at IS NULL OR flagged')
    op.create_index('ix_payment_events_unresolved', 'payment_events', ['received_at', 'id'], unique=False,
                    postgresql_where=sa.text('flagged AND resolved_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_payment_events_unresolved', table_name='payment_events',
                  postgresql_where=sa.text('flagged AND resolved_at IS NULL'))
    op.drop_constraint('ck_payment_events_resolved_flagged', 'payment_events', type_='check')
    op.drop_constraint('payment_events_resolved_by_fkey', 'payment_events', type_='foreignkey')
    op.drop_column('payment_events', 'resolution_note')
    op.drop_column('payment_events', 'resolved_by')
    op.drop_column('payment_events', 'resolved_at')
    op.drop_constraint('ck_payments_status', 'payments', type_='check')
    op.execute("UPDATE payments SET status = 'captured' WHERE status = 'mismatched'")
    op.create_check_constraint('ck_payments_status', 'payments', OLD_STATUSES)
