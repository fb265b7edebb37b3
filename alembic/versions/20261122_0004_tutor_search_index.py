"""tutor search index

Reviewed by hand. Gives each subject a small search_code (identity) and adds tutor_search (one narrow row per listed tutor: what discovery
cards, filters and sorts need) and search_lexicon (the words typo correction maps onto),
both derived data kept by triggers, so no code path (service, bulk seed, admin SQL) can
leave them out of step with their sources:

- tc_refresh_tutor_search(ids) recomputes the rows of those tutors from tutor_profiles,
  users, tutor_subjects, subjects and tutor_languages: upserts the listed ones (approved,
  account not deleted), deletes the others, and adds their words to search_lexicon;
- statement-level AFTER triggers with transition tables call it once per statement with
  the ids the statement touched (so a bulk INSERT of 100,000 rows costs one set-based
  refresh, not 100,000): tutor_profiles insert/update, tutor_subjects and tutor_languages
  insert/update/delete, users update of full_name/time_zone/deleted_at, subjects update
  of name/retired_at. Deleting a profile cascades through the foreign key.

Upserts (not delete + insert) so that two transactions refreshing the same tutor
serialize on the row instead of one failing on the primary key; ids and words are
processed in sorted order so that concurrent refreshes take row locks in one order.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFRESH = """
CREATE FUNCTION tc_refresh_tutor_search(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM tutor_search s
     WHERE s.tutor_id = ANY(ids)
       AND NOT EXISTS (SELECT 1 FROM tutor_profiles p JOIN users u ON u.id = p.user_id
                        WHERE p.user_id = s.tutor_id AND p.status = 'approved' AND u.deleted_at IS NULL);
    INSERT INTO tutor_search AS t (tutor_id, slug, name, headline, photo_path, time_zone, currency,
                                   hourly_rate_minor, rating_count, rating_sum, subject_names,
                                   subject_levels, languages, search_vector, approved_at)
    SELECT p.user_id, p.slug, coalesce(nullif(p.display_name, ''), u.full_name), p.headline, p.photo_path,
           u.time_zone, p.currency, p.hourly_rate_minor, p.rating_count, p.rating_sum,
           coalesce((SELECT array_agg(s.name ORDER BY s.name, s.slug)
                       FROM tutor_subjects ts JOIN subjects s ON s.id = ts.subject_id
                      WHERE ts.tutor_id = p.user_id AND s.retired_at IS NULL), '{}'),
           coalesce((SELECT array_agg(DISTINCT x ORDER BY x)
                       FROM tutor_subjects ts JOIN subjects s ON s.id = ts.subject_id
                            CROSS JOIN LATERAL generate_series(1, coalesce(array_position(
                                ARRAY['beginner','intermediate','advanced','expert'], ts.level), 0)) k
                            CROSS JOIN LATERAL unnest(ARRAY[s.search_code * 8 + k, k]) x
                      WHERE ts.tutor_id = p.user_id), '{}'),
           coalesce((SELECT array_agg(tl.language_code ORDER BY tl.language_code)
                       FROM tutor_languages tl WHERE tl.tutor_id = p.user_id), '{}'),
           p.search_vector, p.approved_at
      FROM tutor_profiles p JOIN users u ON u.id = p.user_id
     WHERE p.user_id = ANY(ids) AND p.status = 'approved' AND u.deleted_at IS NULL
     ORDER BY p.user_id
    ON CONFLICT (tutor_id) DO UPDATE SET
        slug = EXCLUDED.slug, name = EXCLUDED.name, headline = EXCLUDED.headline,
        photo_path = EXCLUDED.photo_path, time_zone = EXCLUDED.time_zone, currency = EXCLUDED.currency,
        hourly_rate_minor = EXCLUDED.hourly_rate_minor, rating_count = EXCLUDED.rating_count,
        rating_sum = EXCLUDED.rating_sum, subject_names = EXCLUDED.subject_names,
        subject_levels = EXCLUDED.subject_levels, languages = EXCLUDED.languages,
        search_vector = EXCLUDED.search_vector, approved_at = EXCLUDED.approved_at
    WHERE (t.slug, t.name, t.headline, t.photo_path, t.time_zone, t.currency, t.hourly_rate_minor,
           t.rating_count, t.rating_sum, t.subject_names, t.subject_levels, t.languages,
           t.search_vector, t.approved_at)
          IS DISTINCT FROM
          (EXCLUDED.slug, EXCLUDED.name, EXCLUDED.headline, EXCLUDED.photo_path, EXCLUDED.time_zone,
           EXCLUDED.currency, EXCLUDED.hourly_rate_minor, EXCLUDED.rating_count, EXCLUDED.rating_sum,
           EXCLUDED.subject_names, EXCLUDED.subject_levels, EXCLUDED.languages,
           EXCLUDED.search_vector, EXCLUDED.approved_at);
    INSERT INTO search_lexicon (word)
    SELECT DISTINCT w
      FROM tutor_search s CROSS JOIN LATERAL unnest(tsvector_to_array(s.search_vector)) w
     WHERE s.tutor_id = ANY(ids) AND char_length(w) BETWEEN 3 AND 40
     ORDER BY w
    ON CONFLICT (word) DO NOTHING;
END
$fn$
"""

# (function name, SQL giving the affected tutor ids from the transition table `changed`)
SOURCES = {
    "tc_tutor_search_from_profiles": "SELECT user_id FROM changed",
    "tc_tutor_search_from_tutor_rows": "SELECT DISTINCT tutor_id FROM changed",
}
# (trigger name, table, event, transition table, function)
TRIGGERS = [
    ("trg_tutor_search_profiles_ins", "tutor_profiles", "INSERT", "NEW", "tc_tutor_search_from_profiles"),
    ("trg_tutor_search_profiles_upd", "tutor_profiles", "UPDATE", "NEW", "tc_tutor_search_from_profiles"),
    ("trg_tutor_search_subjects_ins", "tutor_subjects", "INSERT", "NEW", "tc_tutor_search_from_tutor_rows"),
    ("trg_tutor_search_subjects_upd", "tutor_subjects", "UPDATE", "NEW", "tc_tutor_search_from_tutor_rows"),
    ("trg_tutor_search_subjects_del", "tutor_subjects", "DELETE", "OLD", "tc_tutor_search_from_tutor_rows"),
    ("trg_tutor_search_languages_ins", "tutor_languages", "INSERT", "NEW", "tc_tutor_search_from_tutor_rows"),
    ("trg_tutor_search_languages_upd", "tutor_languages", "UPDATE", "NEW", "tc_tutor_search_from_tutor_rows"),
    ("trg_tutor_search_languages_del", "tutor_languages", "DELETE", "OLD", "tc_tutor_search_from_tutor_rows"),
    ("trg_tutor_search_users_upd", "users", "UPDATE OF full_name, time_zone, deleted_at", "NEW",
     "tc_tutor_search_from_users"),
    ("trg_tutor_search_catalog_upd", "subjects", "UPDATE OF name, retired_at", "NEW", "tc_tutor_search_from_subjects"),
]
# PostgreSQL allows transition tables only on single-event triggers, and "UPDATE OF
# columns" triggers cannot have them at all: those two use a row-level variant below.
ROW_LEVEL = {"trg_tutor_search_users_upd", "trg_tutor_search_catalog_upd"}


def upgrade() -> None:
    op.add_column("subjects", sa.Column("search_code", sa.Integer(), sa.Identity(always=True), nullable=False))
    op.create_index("uq_subjects_search_code", "subjects", ["search_code"], unique=True)
    op.create_table(
        "tutor_search",
        sa.Column("tutor_id", sa.UUID(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("photo_path", sa.Text(), nullable=True),
        sa.Column("time_zone", sa.Text(), nullable=False),
        sa.Column("currency", sa.CHAR(length=3), nullable=False),
        sa.Column("hourly_rate_minor", sa.Integer(), nullable=True),
        sa.Column("rating_count", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Integer(), nullable=False),
        sa.Column("subject_names", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("subject_levels", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("languages", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("search_vector", postgresql.TSVECTOR(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tutor_id"], ["tutor_profiles.user_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tutor_id"),
    )
    op.create_index("ix_tutor_search_vector", "tutor_search", ["search_vector"], postgresql_using="gin")
    op.create_index("ix_tutor_search_subject_levels", "tutor_search", ["subject_levels"], postgresql_using="gin")
    op.create_index("ix_tutor_search_languages", "tutor_search", ["languages"], postgresql_using="gin")
    op.create_index("ix_tutor_search_price", "tutor_search", ["hourly_rate_minor", "tutor_id"])
    op.create_index("ix_tutor_search_reviews", "tutor_search", ["rating_count", "tutor_id"])
    # The rating sort without search text walks this index.
    op.execute(
        "CREATE INDEX ix_tutor_search_rating ON tutor_search "
        "((rating_sum::numeric / nullif(rating_count, 0)) DESC NULLS LAST, rating_count DESC, tutor_id)"
    )
    op.create_table("search_lexicon", sa.Column("word", sa.Text(), nullable=False), sa.PrimaryKeyConstraint("word"))
    op.create_index(
        "ix_search_lexicon_word_trgm", "search_lexicon", ["word"], postgresql_using="gin",
        postgresql_ops={"word": "gin_trgm_ops"},
    )

    op.execute(REFRESH)
    for name, ids_sql in SOURCES.items():
        op.execute(f"""
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
                PERFORM tc_refresh_tutor_search(ARRAY(SELECT x FROM ({ids_sql}) AS t(x) ORDER BY x));
                RETURN NULL;
            END
            $fn$
        """)
    # Row-level variants for the "UPDATE OF" triggers: the row is the transition table.
    op.execute("""
        CREATE FUNCTION tc_tutor_search_from_user_row() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF (OLD.full_name, OLD.time_zone, OLD.deleted_at) IS DISTINCT FROM (NEW.full_name, NEW.time_zone, NEW.deleted_at)
               AND EXISTS (SELECT 1 FROM tutor_profiles WHERE user_id = NEW.id) THEN
                PERFORM tc_refresh_tutor_search(ARRAY[NEW.id]);
            END IF;
            RETURN NULL;
        END
        $fn$
    """)
    op.execute("""
        CREATE FUNCTION tc_tutor_search_from_subject_row() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF (OLD.name, OLD.retired_at) IS DISTINCT FROM (NEW.name, NEW.retired_at) THEN
                PERFORM tc_refresh_tutor_search(ARRAY(
                    SELECT tutor_id FROM tutor_subjects WHERE subject_id = NEW.id ORDER BY tutor_id));
            END IF;
            RETURN NULL;
        END
        $fn$
    """)
    for trigger, table, event, transition, function in TRIGGERS:
        if trigger in ROW_LEVEL:
            row_fn = "tc_tutor_search_from_user_row" if table == "users" else "tc_tutor_search_from_subject_row"
            op.execute(f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {row_fn}()")
        else:
            op.execute(
                f"CREATE TRIGGER {trigger} AFTER {event} ON {table} "
                f"REFERENCING {transition} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    # Existing data: one refresh of every profile.
    op.execute("SELECT tc_refresh_tutor_search(ARRAY(SELECT user_id FROM tutor_profiles ORDER BY user_id))")


def downgrade() -> None:
    for trigger, table, *_ in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    for name in [*SOURCES, "tc_tutor_search_from_user_row", "tc_tutor_search_from_subject_row"]:
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.execute("DROP FUNCTION IF EXISTS tc_refresh_tutor_search(uuid[])")
    op.drop_table("search_lexicon")
    op.drop_table("tutor_search")
    op.drop_index("uq_subjects_search_code", table_name="subjects")
    op.drop_column("subjects", "search_code")
