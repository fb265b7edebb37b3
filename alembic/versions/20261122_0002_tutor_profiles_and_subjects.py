"""tutor profiles and subjects

Reviewed by hand: the subject taxonomy (`subjects`, slug unique, soft retirement via
`retired_at`), `tutor_profiles` keyed by the user's id (CASCADE with the account; status
is a text enum with a CHECK, an approved profile must carry a headline and a rate; money
is integer minor units with a CHAR(3) ISO currency, INR by default) and `tutor_subjects`
(CASCADE with the profile, RESTRICT on a subject still taught: retire it instead).
Indexes: profile status (listing queries), tutor_subjects.subject_id (search by subject;
the primary key already serves lookups by tutor). Downgrade drops the three tables and
their data.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:54:16.475907
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('subjects',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('slug', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('category', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 80", name='ck_subjects_slug'),
    sa.CheckConstraint('char_length(category) BETWEEN 1 AND 60', name='ck_subjects_category_len'),
    sa.CheckConstraint('char_length(name) BETWEEN 1 AND 80', name='ck_subjects_name_len'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('uq_subjects_slug', 'subjects', ['slug'], unique=True)
    op.create_table('tutor_profiles',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('slug', sa.Text(), nullable=False),
    sa.Column('headline', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('bio', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('status', sa.Text(), server_default=sa.text("'draft'"), nullable=False),
    sa.Column('hourly_rate_minor', sa.Integer(), nullable=True),
    sa.Column('currency', sa.CHAR(length=3), server_default=sa.text("'INR'"), nullable=False),
    sa.Column('years_experience', sa.Integer(), nullable=True),
    sa.Column('photo_path', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name='ck_tutor_profiles_currency'),
    sa.CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 80", name='ck_tutor_profiles_slug'),
    sa.CheckConstraint("status <> 'approved' OR (hourly_rate_minor IS NOT NULL AND char_length(headline) > 0)", name='ck_tutor_profiles_approved_complete'),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'under_review', 'approved', 'rejected', 'suspended')", name='ck_tutor_profiles_status'),
    sa.CheckConstraint('char_length(bio) <= 4000', name='ck_tutor_profiles_bio_len'),
    sa.CheckConstraint('char_length(headline) <= 120', name='ck_tutor_profiles_headline_len'),
    sa.CheckConstraint('hourly_rate_minor > 0', name='ck_tutor_profiles_rate_positive'),
    sa.CheckConstraint('years_experience BETWEEN 0 AND 70', name='ck_tutor_profiles_years_experience'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_index('ix_tutor_profiles_status', 'tutor_profiles', ['status'], unique=False)
    op.create_index('uq_tutor_profiles_slug', 'tutor_profiles', ['slug'], unique=True)
    op.create_table('tutor_subjects',
    sa.Column('tutor_id', sa.UUID(), nullable=False),
    sa.Column('subject_id', sa.UUID(), nullable=False),
    sa.Column('level', sa.Text(), nullable=False),
    sa.CheckConstraint("level IN ('beginner', 'intermediate', 'advanced', 'expert')", name='ck_tutor_subjects_level'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.user_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tutor_id', 'subject_id')
    )
    op.create_index('ix_tutor_subjects_subject_id', 'tutor_subjects', ['subject_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tutor_subjects_subject_id', table_name='tutor_subjects')
    op.drop_table('tutor_subjects')
    op.drop_index('uq_tutor_profiles_slug', table_name='tutor_profiles')
    op.drop_index('ix_tutor_profiles_status', table_name='tutor_profiles')
    op.drop_table('tutor_profiles')
    op.drop_index('uq_subjects_slug', table_name='subjects')
    op.drop_table('subjects')
