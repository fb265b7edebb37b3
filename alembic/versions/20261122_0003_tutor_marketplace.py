"""tutor marketplace

Reviewed by hand. tutor_profiles gains presentation (display_name, intro_video_url),
pricing (trial_price_minor, lesson_lengths smallint[] within {30,45,60,90}, at least one;
requires_confirmation), the approval timeline (rejection_reason, submitted/reviewed/
approved_at), exact rating aggregates (rating_count, rating_sum with count <= sum <=
5*count) and a search document (search_text with a trigram GIN index, search_vector with
a GIN index; both maintained by services/tutor_profiles.py). New tables: tutor_prices
(per-length overrides), tutor_languages, tutor_documents (private files; the row keeps
the storage key), tutor_status_events (approval history), reviews (partial unique
index on booking_id; its FK arrives with the bookings migration), favorites and
notifications (in-app). New tables CASCADE with their tutor/user. Autogenerate does not
see CHECK constraints added to an existing table: those were added by hand below.
Downgrade drops the new tables and columns (and their data).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:11:29.611442
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('link', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('char_length(body) <= 2000', name='ck_notifications_body_len'),
    sa.CheckConstraint('char_length(title) BETWEEN 1 AND 200', name='ck_notifications_title_len'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_notifications_user_created', 'notifications', ['user_id', 'created_at'], unique=False)
    op.create_index('ix_notifications_user_unread', 'notifications', ['user_id'], unique=False, postgresql_where=sa.text('read_at IS NULL'))
    op.create_table('favorites',
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('tutor_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.user_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('student_id', 'tutor_id')
    )
    op.create_index('ix_favorites_tutor_id', 'favorites', ['tutor_id'], unique=False)
    op.create_table('reviews',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tutor_id', sa.UUID(), nullable=False),
    sa.Column('student_id', sa.UUID(), nullable=False),
    sa.Column('booking_id', sa.UUID(), nullable=True),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('body', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('reply_body', sa.Text(), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.Column('hidden_by', sa.UUID(), nullable=True),
    sa.CheckConstraint('char_length(body) <= 2000', name='ck_reviews_body_len'),
    sa.CheckConstraint('char_length(reply_body) <= 2000', name='ck_reviews_reply_len'),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name='ck_reviews_rating'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.user_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_reviews_student_id', 'reviews', ['student_id'], unique=False)
    op.create_index('ix_reviews_tutor_visible', 'reviews', ['tutor_id', 'created_at'], unique=False, postgresql_where=sa.text('hidden_at IS NULL'))
    op.create_index('uq_reviews_booking_id', 'reviews', ['booking_id'], unique=True, postgresql_where=sa.text('booking_id IS NOT NULL'))
    op.create_table('tutor_documents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tutor_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('issuer', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=True),
    sa.Column('storage_key', sa.Text(), nullable=False),
    sa.Column('original_filename', sa.Text(), nullable=False),
    sa.Column('content_type', sa.Text(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("content_type IN ('application/pdf', 'image/png', 'image/jpeg')", name='ck_tutor_documents_content_type'),
    sa.CheckConstraint("kind IN ('education', 'certification')", name='ck_tutor_documents_kind'),
    sa.CheckConstraint('char_length(issuer) <= 200', name='ck_tutor_documents_issuer_len'),
    sa.CheckConstraint('char_length(title) BETWEEN 1 AND 200', name='ck_tutor_documents_title_len'),
    sa.CheckConstraint('size_bytes BETWEEN 1 AND 10000000', name='ck_tutor_documents_size'),
    sa.CheckConstraint('year BETWEEN 1950 AND 2100', name='ck_tutor_documents_year'),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.user_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_tutor_documents_tutor_id', 'tutor_documents', ['tutor_id'], unique=False)
    op.create_index('uq_tutor_documents_storage_key', 'tutor_documents', ['storage_key'], unique=True)
    op.create_table('tutor_languages',
    sa.Column('tutor_id', sa.UUID(), nullable=False),
    sa.Column('language_code', sa.Text(), nullable=False),
    sa.Column('level', sa.Text(), nullable=False),
    sa.CheckConstraint("language_code ~ '^[a-z]{2,3}$'", name='ck_tutor_languages_code'),
    sa.CheckConstraint("level IN ('A1', 'A2', 'B1', 'B2', 'C1', 'C2', 'native')", name='ck_tutor_languages_level'),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.user_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tutor_id', 'language_code')
    )
    op.create_table('tutor_prices',
    sa.Column('tutor_id', sa.UUID(), nullable=False),
    sa.Column('length_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('price_minor', sa.Integer(), nullable=False),
    sa.CheckConstraint('length_minutes IN (30, 45, 60, 90)', name='ck_tutor_prices_length'),
    sa.CheckConstraint('price_minor > 0', name='ck_tutor_prices_positive'),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.user_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tutor_id', 'length_minutes')
    )
    op.create_table('tutor_status_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('tutor_id', sa.UUID(), nullable=False),
    sa.Column('from_status', sa.Text(), nullable=False),
    sa.Column('to_status', sa.Text(), nullable=False),
    sa.Column('actor_user_id', sa.UUID(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.user_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_tutor_status_events_tutor', 'tutor_status_events', ['tutor_id', 'created_at'], unique=False)
    op.add_column('tutor_profiles', sa.Column('display_name', sa.Text(), server_default=sa.text("''"), nullable=False))
    op.add_column('tutor_profiles', sa.Column('intro_video_url', sa.Text(), nullable=True))
    op.add_column('tutor_profiles', sa.Column('trial_price_minor', sa.Integer(), nullable=True))
    op.add_column('tutor_profiles', sa.Column('lesson_lengths', postgresql.ARRAY(sa.SmallInteger()), server_default=sa.text("'{60}'"), nullable=False))
    op.add_column('tutor_profiles', sa.Column('requires_confirmation', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('tutor_profiles', sa.Column('rejection_reason', sa.Text(), nullable=True))
    op.add_column('tutor_profiles', sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tutor_profiles', sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tutor_profiles', sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tutor_profiles', sa.Column('rating_count', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.add_column('tutor_profiles', sa.Column('rating_sum', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.add_column('tutor_profiles', sa.Column('search_text', sa.Text(), server_default=sa.text("''"), nullable=False))
    op.add_column('tutor_profiles', sa.Column('search_vector', postgresql.TSVECTOR(), nullable=True))
    op.create_check_constraint('ck_tutor_profiles_display_name_len', 'tutor_profiles', 'char_length(display_name) <= 80')
    op.create_check_constraint('ck_tutor_profiles_trial_price_positive', 'tutor_profiles', 'trial_price_minor > 0')
    op.create_check_constraint(
        'ck_tutor_profiles_lesson_lengths', 'tutor_profiles',
        "lesson_lengths <@ '{30,45,60,90}'::smallint[] AND cardinality(lesson_lengths) >= 1",
    )
    op.create_check_constraint('ck_tutor_profiles_rating_count', 'tutor_profiles', 'rating_count >= 0')
    op.create_check_constraint(
        'ck_tutor_profiles_rating_sum', 'tutor_profiles', 'rating_sum BETWEEN rating_count AND 5 * rating_count'
    )
    op.create_index('ix_tutor_profiles_search_text_trgm', 'tutor_profiles', ['search_text'], unique=False, postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    op.create_index('ix_tutor_profiles_search_vector', 'tutor_profiles', ['search_vector'], unique=False, postgresql_using='gin')


def downgrade() -> None:
    op.drop_index('ix_tutor_profiles_search_vector', table_name='tutor_profiles', postgresql_using='gin')
    op.drop_index('ix_tutor_profiles_search_text_trgm', table_name='tutor_profiles', postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    for name in ('rating_sum', 'rating_count', 'lesson_lengths', 'trial_price_positive', 'display_name_len'):
        op.drop_constraint(f'ck_tutor_profiles_{name}', 'tutor_profiles', type_='check')
    op.drop_column('tutor_profiles', 'search_vector')
    op.drop_column('tutor_profiles', 'search_text')
    op.drop_column('tutor_profiles', 'rating_sum')
    op.drop_column('tutor_profiles', 'rating_count')
    op.drop_column('tutor_profiles', 'approved_at')
    op.drop_column('tutor_profiles', 'reviewed_at')
    op.drop_column('tutor_profiles', 'submitted_at')
    op.drop_column('tutor_profiles', 'rejection_reason')
    op.drop_column('tutor_profiles', 'requires_confirmation')
    op.drop_column('tutor_profiles', 'lesson_lengths')
    op.drop_column('tutor_profiles', 'trial_price_minor')
    op.drop_column('tutor_profiles', 'intro_video_url')
    op.drop_column('tutor_profiles', 'display_name')
    op.drop_index('ix_tutor_status_events_tutor', table_name='tutor_status_events')
    op.drop_table('tutor_status_events')
    op.drop_table('tutor_prices')
    op.drop_table('tutor_languages')
    op.drop_index('uq_tutor_documents_storage_key', table_name='tutor_documents')
    op.drop_index('ix_tutor_documents_tutor_id', table_name='tutor_documents')
    op.drop_table('tutor_documents')
    op.drop_index('uq_reviews_booking_id', table_name='reviews', postgresql_where=sa.text('booking_id IS NOT NULL'))
    op.drop_index('ix_reviews_tutor_visible', table_name='reviews', postgresql_where=sa.text('hidden_at IS NULL'))
    op.drop_index('ix_reviews_student_id', table_name='reviews')
    op.drop_table('reviews')
    op.drop_index('ix_favorites_tutor_id', table_name='favorites')
    op.drop_table('favorites')
    op.drop_index('ix_notifications_user_unread', table_name='notifications', postgresql_where=sa.text('read_at IS NULL'))
    op.drop_index('ix_notifications_user_created', table_name='notifications')
    op.drop_table('notifications')
