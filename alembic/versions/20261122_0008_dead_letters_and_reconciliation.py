"""dead letters and reconciliation log

Reviewed by hand. dead_letters: one row per parked outbox job (retries exhausted or a
permanent error), with its payload, error and attempts; an admin retry stamps
retried_at/retried_by (at most one open dead letter per outbox row: partial unique index).
reconciliation_log: append-only record of every repair reconciliation made, before and
after as JSONB. New tables only; the FKs to outbox/users are ON DELETE SET NULL (the
record outlives the row). Downgrade drops both tables and their data.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 00:05:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dead_letters',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('outbox_id', sa.BigInteger(), nullable=True),
    sa.Column('job', sa.Text(), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('permanent', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('retried_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retried_by', sa.UUID(), nullable=True),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['retried_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_dead_letters_created', 'dead_letters', ['created_at'], unique=False)
    op.create_index('uq_dead_letters_open', 'dead_letters', ['outbox_id'], unique=True,
                    postgresql_where=sa.text('retried_at IS NULL'))
    op.create_table('reconciliation_log',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('target_id', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('before', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('after', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_reconciliation_log_created', 'reconciliation_log', ['created_at'], unique=False)
    op.create_index('ix_reconciliation_log_target', 'reconciliation_log', ['kind', 'target_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_reconciliation_log_target', table_name='reconciliation_log')
    op.drop_index('ix_reconciliation_log_created', table_name='reconciliation_log')
    op.drop_table('reconciliation_log')
    op.drop_index('uq_dead_letters_open', table_name='dead_letters', postgresql_where=sa.text('retried_at IS NULL'))
    op.drop_index('ix_dead_letters_created', table_name='dead_letters')
    op.drop_table('dead_letters')
