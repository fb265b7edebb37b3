"""scheduling and bookings

Reviewed by hand. Availability (tutor_schedules settings, weekly availability_rules and
availability_overrides with exclusion constraints against overlapping intervals, time_off),
slot_holds (the PostgreSQL fallback for Redis holds: one per student and tutor, never
overlapping for a tutor), bookings (exclusion constraints: no two active bookings of a
tutor overlap including buffers, no two active lessons of a student overlap; money copied
at creation with fee + earnings = price), booking_events (append-only history) and
calendar_feed_tokens (hashed). The gist exclusion constraints on uuid columns need
btree_gist, installed by 0001. Downgrade drops these tables and their data.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 07:41:46.542039
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_feed_tokens',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('token_hash', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('uq_calendar_feed_tokens_hash', 'calendar_feed_tokens', ['token_hash'], unique=True)
    op.create_table('availability_overrides',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tutor_id', sa.UUID(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('start_minute', sa.SmallInteger(), nullable=True),
    sa.Column('end_minute', sa.SmallInteger(), nullable=True),
    postgresql.ExcludeConstraint((sa.column('tutor_id'), '='), (sa.column('on_date'), '='), (sa.text('int4range(coalesce(start_minute, 0), coalesce(end_minute, 1440))'), '&&'), using='gist', name='ex_availability_overrides_overlap'),
    sa.CheckConstraint("(kind = 'closed' AND start_minute IS NULL AND end_minute IS NULL) OR (kind = 'hours' AND start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute)", name='ck_availability_overrides_minutes'),
    sa.CheckConstraint("kind IN ('closed', 'hours')", name='ck_availability_overrides_kind'),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.user_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('availability_rules',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tutor_id', sa.UUID(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('start_minute', sa.SmallInteger(), nullable=False),
    sa.Column('end_minute', sa.SmallInteger(), nullable=False),
    postgresql.ExcludeConstraint((sa.column('tutor_id'), '='), (sa.column('weekday'), '='), (sa.text('int4range(start_minute, end_minute)'), '&&'), using='gist', name='ex_availability_rules_overlap'),
    sa.CheckConstraint('start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute', name='ck_availability_rules_minutes'),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name='ck_availability_rules_weekday'),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.user_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('bookings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.Text(), nullable=False),
    sa.Column('tutor_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('length_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('blocked_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_trial', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('price_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.CHAR(length=3), nullable=False),
    sa.Column('platform_fee_bps', sa.Integer(), nullable=False),
    sa.Column('platform_fee_minor', sa.Integer(), nullable=False),
    sa.Column('tutor_earnings_minor', sa.Integer(), nullable=False),
    sa.Column('cancellation_policy', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('requires_confirmation', sa.Boolean(), nullable=False),
    sa.Column('tutor_time_zone', sa.Text(), nullable=False),
    sa.Column('student_time_zone', sa.Text(), nullable=False),
    sa.Column('reschedule_count', sa.SmallInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('sequence', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('respond_by', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by', sa.Text(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('refund_minor', sa.Integer(), nullable=True),
    sa.Column('meeting_url', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    postgresql.ExcludeConstraint((sa.column('student_id'), '='), (sa.text('tstzrange(starts_at, ends_at)'), '&&'), where=sa.text("status IN ('pending_payment', 'awaiting_tutor', 'confirmed')"), using='gist', name='ex_bookings_student_overlap'),
    postgresql.ExcludeConstraint((sa.column('tutor_id'), '='), (sa.text('tstzrange(blocked_from, blocked_until)'), '&&'), where=sa.text("status IN ('pending_payment', 'awaiting_tutor', 'confirmed')"), using='gist', name='ex_bookings_tutor_overlap'),
    sa.CheckConstraint("status IN ('pending_payment', 'awaiting_tutor', 'confirmed', 'declined', 'expired', 'cancelled', 'completed', 'no_show_student', 'no_show_tutor')", name='ck_bookings_status'),
    sa.CheckConstraint('blocked_from <= starts_at AND blocked_until >= ends_at', name='ck_bookings_blocked'),
    sa.CheckConstraint('ends_at > starts_at', name='ck_bookings_range'),
    sa.CheckConstraint('length_minutes IN (30, 45, 60, 90)', name='ck_bookings_length'),
    sa.CheckConstraint('platform_fee_minor + tutor_earnings_minor = price_minor', name='ck_bookings_money_adds_up'),
    sa.CheckConstraint('price_minor >= 0 AND platform_fee_minor >= 0 AND tutor_earnings_minor >= 0', name='ck_bookings_money_positive'),
    sa.CheckConstraint('refund_minor IS NULL OR refund_minor BETWEEN 0 AND price_minor', name='ck_bookings_refund'),
    sa.CheckConstraint('reschedule_count >= 0', name='ck_bookings_reschedule_count'),
    sa.CheckConstraint('tutor_id <> student_id', name='ck_bookings_not_self'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.user_id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_bookings_status_expires', 'bookings', ['status', 'expires_at'], unique=False)
    op.create_index('ix_bookings_student_starts', 'bookings', ['student_id', 'starts_at'], unique=False)
    op.create_index('ix_bookings_tutor_starts', 'bookings', ['tutor_id', 'starts_at'], unique=False)
    op.create_index('uq_bookings_reference', 'bookings', ['reference'], unique=True)
    op.create_table('slot_holds',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tutor_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('length_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    postgresql.ExcludeConstraint((sa.column('tutor_id'), '='), (sa.text('tstzrange(blocked_from, blocked_until)'), '&&'), using='gist', name='ex_slot_holds_overlap'),
    sa.CheckConstraint('blocked_until > blocked_from AND ends_at > starts_at', name='ck_slot_holds_range'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.user_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('uq_slot_holds_student_tutor', 'slot_holds', ['student_id', 'tutor_id'], unique=True)
    op.create_table('time_off',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tutor_id', sa.UUID(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name='ck_time_off_range'),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.user_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_time_off_tutor', 'time_off', ['tutor_id', 'starts_at'], unique=False)
    op.create_table('tutor_schedules',
    sa.Column('tutor_id', sa.UUID(), nullable=False),
    sa.Column('buffer_before_minutes', sa.SmallInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('buffer_after_minutes', sa.SmallInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('min_notice_minutes', sa.Integer(), server_default=sa.text('720'), nullable=False),
    sa.Column('horizon_days', sa.SmallInteger(), server_default=sa.text('60'), nullable=False),
    sa.Column('max_lessons_per_day', sa.SmallInteger(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('buffer_after_minutes BETWEEN 0 AND 120', name='ck_tutor_schedules_buffer_after'),
    sa.CheckConstraint('buffer_before_minutes BETWEEN 0 AND 120', name='ck_tutor_schedules_buffer_before'),
    sa.CheckConstraint('horizon_days BETWEEN 1 AND 365', name='ck_tutor_schedules_horizon'),
    sa.CheckConstraint('max_lessons_per_day IS NULL OR max_lessons_per_day BETWEEN 1 AND 24', name='ck_tutor_schedules_max_per_day'),
    sa.CheckConstraint('min_notice_minutes BETWEEN 0 AND 20160', name='ck_tutor_schedules_min_notice'),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.user_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tutor_id')
    )
    op.create_table('booking_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('booking_id', sa.UUID(), nullable=False),
    sa.Column('from_status', sa.Text(), nullable=True),
    sa.Column('to_status', sa.Text(), nullable=False),
    sa.Column('actor_user_id', sa.UUID(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("to_status IN ('pending_payment', 'awaiting_tutor', 'confirmed', 'declined', 'expired', 'cancelled', 'completed', 'no_show_student', 'no_show_tutor')", name='ck_booking_events_to_status'),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_booking_events_booking', 'booking_events', ['booking_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_booking_events_booking', table_name='booking_events')
    op.drop_table('booking_events')
    op.drop_table('tutor_schedules')
    op.drop_index('ix_time_off_tutor', table_name='time_off')
    op.drop_table('time_off')
    op.drop_index('uq_slot_holds_student_tutor', table_name='slot_holds')
    op.drop_table('slot_holds')
    op.drop_index('uq_bookings_reference', table_name='bookings')
    op.drop_index('ix_bookings_tutor_starts', table_name='bookings')
    op.drop_index('ix_bookings_student_starts', table_name='bookings')
    op.drop_index('ix_bookings_status_expires', table_name='bookings')
    op.drop_table('bookings')
    op.drop_table('availability_rules')
    op.drop_table('availability_overrides')
    op.drop_index('uq_calendar_feed_tokens_hash', table_name='calendar_feed_tokens')
    op.drop_table('calendar_feed_tokens')
