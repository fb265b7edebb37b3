"""payments and ledger

Reviewed by hand. payment_orders (one Razorpay order per booking: unique booking_id and
razorpay_order_id), payments (one row per Razorpay payment id), payment_events (the
append-only log of verified webhook deliveries: unique event_id, and unique dedupe_key
"<event>:<payment or refund id>" among applied rows, so an event is applied once however
often and under whatever id it arrives), refunds (unique idempotency_key sent to Razorpay
as X-Refund-Idempotency, unique razorpay_refund_id) and ledger_entries (append-only signed
minor units, unique source_key per row; a CHECK ties the sign to the kind). Money is
integer minor units + CHAR(3) currency; enumerations are CHECK constraints. Foreign keys
to bookings/payments are ON DELETE RESTRICT: money rows never disappear with a booking.
New tables only: no lock on existing ones beyond the FK creation (SHARE ROW EXCLUSIVE on
bookings, brief, empty referencing tables). Downgrade drops these tables and their data.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 23:44:59
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('payment_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('event_id', sa.Text(), nullable=False),
    sa.Column('event', sa.Text(), nullable=False),
    sa.Column('payment_id', sa.Text(), nullable=True),
    sa.Column('order_id', sa.Text(), nullable=True),
    sa.Column('refund_id', sa.Text(), nullable=True),
    sa.Column('dedupe_key', sa.Text(), nullable=True),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('flagged', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('flag_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_payment_events_flagged', 'payment_events', ['received_at'], unique=False, postgresql_where=sa.text('flagged'))
    op.create_index('ix_payment_events_order', 'payment_events', ['order_id'], unique=False)
    op.create_index('ix_payment_events_payment', 'payment_events', ['payment_id'], unique=False)
    op.create_index('uq_payment_events_applied', 'payment_events', ['dedupe_key'], unique=True, postgresql_where=sa.text('applied_at IS NOT NULL'))
    op.create_index('uq_payment_events_event_id', 'payment_events', ['event_id'], unique=True)
    op.create_table('ledger_entries',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('booking_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('source_key', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(kind IN ('payment', 'platform_fee', 'tutor_earnings') AND amount_minor >= 0) OR (kind IN ('refund', 'platform_fee_reversal', 'tutor_earnings_reversal') AND amount_minor <= 0)", name='ck_ledger_entries_sign'),
    sa.CheckConstraint("kind IN ('payment', 'refund', 'platform_fee', 'tutor_earnings', 'platform_fee_reversal', 'tutor_earnings_reversal')", name='ck_ledger_entries_kind'),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_ledger_entries_booking', 'ledger_entries', ['booking_id', 'id'], unique=False)
    op.create_index('ix_ledger_entries_created', 'ledger_entries', ['created_at'], unique=False)
    op.create_index('uq_ledger_entries_source', 'ledger_entries', ['source_key'], unique=True)
    op.create_table('payment_orders',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('booking_id', sa.UUID(), nullable=False),
    sa.Column('razorpay_order_id', sa.Text(), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('receipt', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('created', 'attempted', 'paid')", name='ck_payment_orders_status'),
    sa.CheckConstraint('amount_minor > 0', name='ck_payment_orders_amount'),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_payment_orders_status_created', 'payment_orders', ['status', 'created_at'], unique=False)
    op.create_index('uq_payment_orders_booking', 'payment_orders', ['booking_id'], unique=True)
    op.create_index('uq_payment_orders_razorpay', 'payment_orders', ['razorpay_order_id'], unique=True)
    op.create_table('payments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('razorpay_payment_id', sa.Text(), nullable=False),
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('booking_id', sa.UUID(), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('method', sa.Text(), nullable=True),
    sa.Column('error_code', sa.Text(), nullable=True),
    sa.Column('error_description', sa.Text(), nullable=True),
    sa.Column('error_reason', sa.Text(), nullable=True),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('created', 'authorized', 'captured', 'failed', 'refunded')", name='ck_payments_status'),
    sa.CheckConstraint('amount_minor > 0', name='ck_payments_amount'),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['payment_orders.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_payments_booking', 'payments', ['booking_id'], unique=False)
    op.create_index('ix_payments_order', 'payments', ['order_id'], unique=False)
    op.create_index('uq_payments_razorpay', 'payments', ['razorpay_payment_id'], unique=True)
    op.create_table('refunds',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('booking_id', sa.UUID(), nullable=False),
    sa.Column('payment_id', sa.UUID(), nullable=False),
    sa.Column('idempotency_key', sa.Text(), nullable=False),
    sa.Column('razorpay_refund_id', sa.Text(), nullable=True),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('failure_reason', sa.Text(), nullable=True),
    sa.Column('flagged', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'processed', 'failed')", name='ck_refunds_status'),
    sa.CheckConstraint('amount_minor > 0', name='ck_refunds_amount'),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_refunds_booking', 'refunds', ['booking_id'], unique=False)
    op.create_index('ix_refunds_status_created', 'refunds', ['status', 'created_at'], unique=False)
    op.create_index('uq_refunds_idempotency', 'refunds', ['idempotency_key'], unique=True)
    op.create_index('uq_refunds_razorpay', 'refunds', ['razorpay_refund_id'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_refunds_razorpay', table_name='refunds')
    op.drop_index('uq_refunds_idempotency', table_name='refunds')
    op.drop_index('ix_refunds_status_created', table_name='refunds')
    op.drop_index('ix_refunds_booking', table_name='refunds')
    op.drop_table('refunds')
    op.drop_index('uq_payments_razorpay', table_name='payments')
    op.drop_index('ix_payments_order', table_name='payments')
    op.drop_index('ix_payments_booking', table_name='payments')
    op.drop_table('payments')
    op.drop_index('uq_payment_orders_razorpay', table_name='payment_orders')
    op.drop_index('uq_payment_orders_booking', table_name='payment_orders')
    op.drop_index('ix_payment_orders_status_created', table_name='payment_orders')
    op.drop_table('payment_orders')
    op.drop_index('uq_ledger_entries_source', table_name='ledger_entries')
    op.drop_index('ix_ledger_entries_created', table_name='ledger_entries')
    op.drop_index('ix_ledger_entries_booking', table_name='ledger_entries')
    op.drop_table('ledger_entries')
    op.drop_index('uq_payment_events_event_id', table_name='payment_events')
    op.drop_index('uq_payment_events_applied', table_name='payment_events', postgresql_where=sa.text('applied_at IS NOT NULL'))
    op.drop_index('ix_payment_events_payment', table_name='payment_events')
    op.drop_index('ix_payment_events_order', table_name='payment_events')
    op.drop_index('ix_payment_events_flagged', table_name='payment_events', postgresql_where=sa.text('flagged'))
    op.drop_table('payment_events')
