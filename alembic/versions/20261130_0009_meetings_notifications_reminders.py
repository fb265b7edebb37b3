"""meetings, calendar connections, notification preferences, reminders

Reviewed by hand. New tables only (see tutorconnect/models/meetings.py):
calendar_connections (encrypted Google refresh token per tutor), calendar_busy_cache
(freebusy copy per tutor), meetings (one per booking: provider, Calendar event id, join
URL), notification_preferences (per user, event type and channel; only non-defaults),
booking_reminders (one row per reminder sent; the key makes a second send impossible).
oauth_flow_states gains `purpose` ('signin' | 'calendar') and `user_id` (who started a
calendar connect), so the Google Calendar connect flow keeps its state and PKCE verifier
where sign-in does, and neither flow's state is accepted by the other's callback.
All FKs cascade from users/bookings. Downgrade drops the tables and their data.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 02:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text('now()')


def _user_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE')


def upgrade() -> None:
    # Notifications: a dedupe key per (event, booking, change, recipient), so a duplicate
    # event adds no second row; users may give a mobile number for text messages.
    op.add_column('notifications', sa.Column('dedupe_key', sa.Text(), nullable=True))
    op.create_index('uq_notifications_dedupe_key', 'notifications', ['dedupe_key'], unique=True)
    op.add_column('users', sa.Column('phone_e164', sa.Text(), nullable=True))
    op.create_check_constraint('ck_users_phone_e164', 'users', "phone_e164 ~ '^\\+[1-9][0-9]{7,14}$'")
    op.create_table('calendar_connections',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('google_email', sa.Text(), nullable=False),
    sa.Column('scopes', sa.Text(), nullable=False),
    sa.Column('refresh_token_enc', sa.Text(), nullable=False),
    sa.Column('calendar_id', sa.Text(), server_default=sa.text("'primary'"), nullable=False),
    sa.Column('connected_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    _user_fk(),
    sa.PrimaryKeyConstraint('user_id'))
    op.create_table('calendar_busy_cache',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('busy', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
    _user_fk(),
    sa.PrimaryKeyConstraint('user_id'))
    op.create_table('meetings',
    sa.Column('booking_id', sa.UUID(), nullable=False),
    sa.Column('provider', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'pending'"), nullable=False),
    sa.Column('calendar_event_id', sa.Text(), nullable=True),
    sa.Column('join_url', sa.Text(), nullable=True),
    sa.Column('conference_status', sa.Text(), nullable=True),
    sa.Column('synced_starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.CheckConstraint("provider IN ('google', 'fallback')", name='ck_meetings_provider'),
    sa.CheckConstraint("status IN ('pending', 'ready', 'cancelled', 'failed')", name='ck_meetings_status'),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('booking_id'))
    op.create_index('ix_meetings_status', 'meetings', ['status'])
    op.create_table('notification_preferences',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('event_type', sa.Text(), nullable=False),
    sa.Column('channel', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.CheckConstraint("channel IN ('in_app', 'email', 'sms')", name='ck_notification_preferences_channel'),
    _user_fk(),
    sa.PrimaryKeyConstraint('user_id', 'event_type', 'channel'))
    op.create_table('booking_reminders',
    sa.Column('booking_id', sa.UUID(), nullable=False),
    sa.Column('offset_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), server_default=NOW, nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('booking_id', 'offset_minutes', 'starts_at'))
    # Google Calendar connect reuses the sign-in flow table: which flow, and whose.
    op.add_column('oauth_flow_states',
                  sa.Column('purpose', sa.Text(), server_default=sa.text("'signin'"), nullable=False))
    op.add_column('oauth_flow_states', sa.Column('user_id', sa.UUID(), nullable=True))
    op.create_foreign_key('oauth_flow_states_user_id_fkey', 'oauth_flow_states', 'users', ['user_id'], ['id'],
                          ondelete='CASCADE')
    op.create_check_constraint('ck_oauth_flow_states_purpose', 'oauth_flow_states',
                               "purpose IN ('signin', 'calendar')")
    op.create_check_constraint('ck_oauth_flow_states_calendar_user', 'oauth_flow_states',
                               "purpose <> 'calendar' OR user_id IS NOT NULL")


def downgrade() -> None:
    op.drop_constraint('ck_oauth_flow_states_calendar_user', 'oauth_flow_states', type_='check')
    op.drop_constraint('ck_oauth_flow_states_purpose', 'oauth_flow_states', type_='check')
    op.drop_constraint('oauth_flow_states_user_id_fkey', 'oauth_flow_states', type_='foreignkey')
    op.drop_column('oauth_flow_states', 'user_id')
    op.drop_column('oauth_flow_states', 'purpose')
    op.drop_table('booking_reminders')
    op.drop_table('notification_preferences')
    op.drop_index('ix_meetings_status', table_name='meetings')
    op.drop_table('meetings')
    op.drop_table('calendar_busy_cache')
    op.drop_table('calendar_connections')
    op.drop_constraint('ck_users_phone_e164', 'users', type_='check')
    op.drop_column('users', 'phone_e164')
    op.drop_index('uq_notifications_dedupe_key', table_name='notifications')
    op.drop_column('notifications', 'dedupe_key')
