"""Tutor onboarding steps on real PostgreSQL: validation of every field, completeness,
who may edit when, the search document, and private documents."""

# ruff: noqa: F811  (pytest fixtures imported from test_tutor_support are parameters here)
from __future__ import annotations

import uuid

import pytest
from tests.integration.test_tutor_support import (
    BASICS,
    JPEG,
    PDF,
    PNG,
    PRICING,
    as_,
    complete_profile,
    doc_dir,  # noqa: F401  (fixture)
    draft,
    make_subjects,
    make_user,
    profile,
)
from tests.support.db import scalar, sql
from tutorconnect.db import session_scope
from tutorconnect.models import User
from tutorconnect.services import tutors
from tutorconnect.services.errors import InvalidInput, NotFound, PermissionDenied
from tutorconnect.services.tutors import ProfileLocked
from tutorconnect.services.tutors import documents  # the submodule: monkeypatch target


@pytest.fixture
def tutor(db):
    make_subjects()
    uid = make_user("tutor", "Priya Sharma")
    draft(uid)
    return uid


def _save(step: str, tutor_id: uuid.UUID, *args, **kwargs):
    with session_scope() as s:
        return getattr(tutors, step)(s, as_(tutor_id), tutor_id, *args, **kwargs)


def _snapshot(tutor_id):
    return sql("SELECT p.*, u.time_zone FROM tutor_profiles p JOIN users u ON u.id = p.user_id "
               "WHERE p.user_id = :u", u=tutor_id)


# Drafts ---------------------------------------------------------------------------------
def test_a_tutor_gets_one_draft_with_a_slug_from_their_name(tutor):
    with session_scope() as s:
        again = tutors.get_or_create_draft(s, as_(tutor), tutor)
    assert again.status == "draft" and again.slug == "priya-sharma"
    assert scalar("SELECT count(*) FROM tutor_profiles") == 1


def test_a_second_tutor_with_the_same_name_gets_a_distinct_slug(tutor):
    other = make_user("tutor", "Priya Sharma")
    draft(other)
    assert profile(other).slug.startswith("priya-sharma-") and profile(other).slug != profile(tutor).slug


@pytest.mark.parametrize("role", ["student", "admin"])
def test_only_tutor_accounts_get_a_draft(db, role):
    uid = make_user(role)
    with pytest.raises(PermissionDenied), session_scope() as s:
        tutors.get_or_create_draft(s, as_(uid), uid)


def test_nobody_creates_or_edits_someone_elses_profile(tutor):
    other = make_user("tutor")
    with pytest.raises(PermissionDenied), session_scope() as s:
        tutors.get_or_create_draft(s, as_(other), tutor)
    with pytest.raises(PermissionDenied), session_scope() as s:
        tutors.save_basics(s, as_(other), tutor, **BASICS)
    with pytest.raises(PermissionDenied), session_scope() as s:
        tutors.save_basics(s, as_(None), tutor, **BASICS)


# Basics -----------------------------------------------------------------------------------
def test_basics_are_saved_and_the_time_zone_goes_on_the_account(tutor):
    _save("save_basics", tutor, **{**BASICS, "time_zone": "Europe/London"})
    p = profile(tutor)
    assert (p.display_name, p.headline, p.years_experience) == ("Ms Priya", "Maths that makes sense", 11)
    with session_scope() as s:
        assert s.get(User, tutor).time_zone == "Europe/London"


def test_script_laden_text_is_stored_verbatim_as_plain_text(tutor):
    script = "<script>alert('x')</script> & <b>bold</b>"
    _save("save_basics", tutor, **{**BASICS, "display_name": script[:80], "headline": script, "bio": script + "\n\nok"})
    p = profile(tutor)
    assert p.headline == script and p.bio == script + "\n\nok" and p.display_name == script[:80]


@pytest.mark.parametrize(
    "field,value",
    [
        ("display_name", "x" * 81), ("display_name", None), ("display_name", 7),
        ("headline", ""), ("headline", "   "), ("headline", "h" * 121), ("headline", ["list"]),
        ("bio", "b" * 4001), ("bio", None),
        ("years_experience", -1), ("years_experience", 71), ("years_experience", 2.5),
        ("years_experience", "5"), ("years_experience", True), ("years_experience", None),
        ("time_zone", "Mars/Olympus"), ("time_zone", None),
    ],
)
def test_bad_basics_are_refused_with_the_field_named_and_change_nothing(tutor, field, value):
    before = _snapshot(tutor)
    with pytest.raises(InvalidInput) as err:
        _save("save_basics", tutor, **{**BASICS, field: value})
    assert err.value.field == field and err.value.message
    assert _snapshot(tutor) == before


# Subjects and languages -------------------------------------------------------------------
def test_subjects_replace_the_previous_ones(tutor):
    _save("save_subjects", tutor, [("mathematics", "expert"), ("physics", "advanced")])
    _save("save_subjects", tutor, [("physics", "beginner")])
    rows = sql("SELECT s.slug, ts.level FROM tutor_subjects ts JOIN subjects s ON s.id = ts.subject_id")
    assert [tuple(r) for r in rows] == [("physics", "beginner")]


@pytest.mark.parametrize(
    "value",
    [[], None, "mathematics", [("astrology", "expert")], [("mathematics", "guru")], [("mathematics",)],
     [("mathematics", "expert"), ("mathematics", "beginner")], [(1, "expert")],
     [(f"s{i}", "expert") for i in range(9)]],
)
def test_bad_subject_lists_are_refused(tutor, value):
    _save("save_subjects", tutor, [("mathematics", "expert")])
    with pytest.raises(InvalidInput) as err:
        _save("save_subjects", tutor, value)
    assert err.value.field == "subjects"
    assert scalar("SELECT count(*) FROM tutor_subjects") == 1


def test_a_retired_subject_cannot_be_chosen(tutor):
    sql("UPDATE subjects SET retired_at = now() WHERE slug = 'japanese'")
    with pytest.raises(InvalidInput, match="japanese"):
        _save("save_subjects", tutor, [("japanese", "expert")])


def test_every_catalog_language_is_accepted_odia_included(tutor):
    _save("save_languages", tutor, [("or", "native"), ("as", "B2"), ("sa", "A1")])
    rows = sql("SELECT language_code FROM tutor_languages ORDER BY 1")
    assert [r[0] for r in rows] == ["as", "or", "sa"]


def test_languages_are_normalized_and_replace_the_previous_ones(tutor):
    _save("save_languages", tutor, [("EN", "C1"), ("hi", "native")])
    _save("save_languages", tutor, [(" mr ", "B2"), ("en", "C2")])
    rows = sql("SELECT language_code, level FROM tutor_languages ORDER BY 1")
    assert [tuple(r) for r in rows] == [("en", "C2"), ("mr", "B2")]


@pytest.mark.parametrize(
    "value",
    [[], [("english", "C1")], [("e", "C1")], [("en", "fluent")], [("en", "c1")], [("en", "C1"), ("EN", "B1")],
     [("xx", "C1")], [("eng", "C1")], [("sh", "C1")],
     [(f"a{chr(97 + i)}", "B1") for i in range(9)], [(None, "B1")]],
)
def test_bad_language_lists_are_refused(tutor, value):
    with pytest.raises(InvalidInput) as err:
        _save("save_languages", tutor, value)
    assert err.value.field == "languages"


# Pricing ----------------------------------------------------------------------------------
def test_pricing_with_overrides_gives_a_price_per_offered_length(tutor):
    _save("save_pricing", tutor, **{**PRICING, "lesson_lengths": [90, 30, 45], "overrides": {30: 700_00}})
    p = profile(tutor)
    assert p.lesson_lengths == [30, 45, 90] and p.trial_price_minor == 300_00
    with session_scope() as s:
        assert tutors.prices(s, tutor) == {30: 700_00, 45: 900_00, 90: 1800_00}


def test_saving_pricing_again_drops_old_overrides(tutor):
    _save("save_pricing", tutor, **PRICING)
    _save("save_pricing", tutor, **{**PRICING, "overrides": {}})
    with session_scope() as s:
        assert tutors.prices(s, tutor) == {30: 600_00, 60: 1200_00}


@pytest.mark.parametrize(
    "field,value",
    [
        ("hourly_rate_minor", 99_00), ("hourly_rate_minor", 50_000_01), ("hourly_rate_minor", 1200.0),
        ("hourly_rate_minor", "120000"), ("hourly_rate_minor", True), ("hourly_rate_minor", None),
        ("hourly_rate_minor", 1200_50),
        ("trial_price_minor", 0), ("trial_price_minor", -100), ("trial_price_minor", 1300_00),
        ("trial_price_minor", 250.0), ("trial_price_minor", 250_50),
        ("currency", "USD"), ("currency", "inr"), ("currency", None),
        ("lesson_lengths", []), ("lesson_lengths", [120]), ("lesson_lengths", [60, 60]),
        ("lesson_lengths", ["60"]), ("lesson_lengths", [True]), ("lesson_lengths", 60),
        ("overrides", {45: 900_00}), ("overrides", {30: 0}), ("overrides", {30: 100_000_00}),
        ("overrides", {30: 700.0}), ("overrides", [(30, 700_00)]), ("overrides", {30: 700_50}),
        ("requires_confirmation", "yes"), ("requires_confirmation", 1), ("requires_confirmation", None),
    ],
)
def test_bad_pricing_is_refused_with_the_field_named_and_changes_nothing(tutor, field, value):
    _save("save_pricing", tutor, **PRICING)
    before = _snapshot(tutor), sql("SELECT * FROM tutor_prices")
    with pytest.raises(InvalidInput) as err:
        _save("save_pricing", tutor, **{**PRICING, field: value})
    assert err.value.field == field
    assert (_snapshot(tutor), sql("SELECT * FROM tutor_prices")) == before


# Media ------------------------------------------------------------------------------------
def test_media_can_be_set_and_cleared(tutor):
    _save("save_media", tutor, photo_path="/avatars/p.svg", intro_video_url="https://vimeo.com/1234")
    assert (profile(tutor).photo_path, profile(tutor).intro_video_url) == ("/avatars/p.svg", "https://vimeo.com/1234")
    _save("save_media", tutor, photo_path=None, intro_video_url="")
    assert (profile(tutor).photo_path, profile(tutor).intro_video_url) == (None, None)


def test_a_non_video_link_and_a_non_image_photo_are_refused(tutor):
    with pytest.raises(InvalidInput) as err:
        _save("save_media", tutor, photo_path=None, intro_video_url="https://evil.test/video")
    assert err.value.field == "intro_video_url"
    with pytest.raises(InvalidInput) as err:
        _save("save_media", tutor, photo_path="/uploads/cv.pdf", intro_video_url=None)
    assert err.value.field == "photo_path"


# Completeness -----------------------------------------------------------------------------
def _completeness(tutor_id):
    with session_scope() as s:
        return tutors.completeness(s, tutor_id)


def test_an_empty_draft_scores_zero_and_lists_everything_missing(tutor):
    c = _completeness(tutor)
    assert c.score == 0 and len(c.missing) == len(tutors.WEIGHTS) and not c.complete
    assert "A headline" in c.missing and "Your hourly rate" in c.missing


def test_each_step_adds_its_documented_weight(tutor, doc_dir):
    _save("save_basics", tutor, **BASICS)
    assert _completeness(tutor).score == 10 + 15 + 5
    _save("save_subjects", tutor, [("mathematics", "expert")])
    assert _completeness(tutor).score == 50
    _save("save_languages", tutor, [("en", "C2")])
    _save("save_pricing", tutor, **PRICING)
    assert _completeness(tutor).score == 80
    _save("save_media", tutor, photo_path="/avatars/p.svg", intro_video_url=None)
    assert _completeness(tutor).missing == ["At least one education or certification document"]
    _save("add_document", tutor, kind="certification", title="CELTA", issuer="Cambridge", year=2015,
          filename="celta.png", data=PNG)
    assert _completeness(tutor).score == 100 and _completeness(tutor).complete


def test_a_short_bio_is_listed_as_missing(tutor):
    _save("save_basics", tutor, **{**BASICS, "bio": "Too short."})
    assert any("introduction" in m for m in _completeness(tutor).missing)


def test_the_wizard_resumes_with_everything_saved_so_far(tutor, doc_dir):
    complete_profile(tutor, doc_dir, subjects=(("physics", "advanced"), ("mathematics", "expert")))
    with session_scope() as s:
        d = tutors.load_draft(s, as_(tutor), tutor)
    assert (d.display_name, d.headline, d.years_experience, d.time_zone) == ("Ms Priya", BASICS["headline"], 11, "Asia/Kolkata")
    assert d.subjects == [("mathematics", "expert"), ("physics", "advanced")]
    assert d.languages == [("en", "C2"), ("hi", "native")]
    assert (d.hourly_rate_minor, d.trial_price_minor, d.lesson_lengths) == (1200_00, 300_00, [30, 60])
    assert d.overrides == {30: 700_00} and d.prices == {30: 700_00, 60: 1200_00}
    assert d.status == "draft" and d.completeness.score == 100
    with pytest.raises(PermissionDenied), session_scope() as s:
        tutors.load_draft(s, as_(make_user("student")), tutor)


# Status rules -----------------------------------------------------------------------------
def test_editing_is_refused_while_under_review_and_allowed_once_approved(tutor, doc_dir):
    admin = make_user("admin")
    complete_profile(tutor, doc_dir)
    with session_scope() as s:
        tutors.submit_profile(s, as_(tutor), tutor)
    with session_scope() as s:
        tutors.start_review(s, as_(admin), tutor)
    with pytest.raises(ProfileLocked):
        _save("save_basics", tutor, **BASICS)
    with session_scope() as s:
        tutors.approve_tutor(s, as_(admin), tutor)
    _save("save_basics", tutor, **{**BASICS, "headline": "Now teaching calculus too"})
    assert profile(tutor).status == "approved" and "calculus" in profile(tutor).search_text


# Search document --------------------------------------------------------------------------
def test_every_save_refreshes_the_search_document(tutor):
    _save("save_basics", tutor, **{**BASICS, "display_name": "", "headline": "Calculus Coach", "bio": "Zebra crossings."})
    _save("save_subjects", tutor, [("physics", "advanced"), ("mathematics", "expert")])
    p = profile(tutor)
    assert p.search_text == "priya sharma calculus coach mathematics physics"
    weights = dict(sql("SELECT lexeme, weights[1] FROM tutor_profiles, unnest(search_vector) WHERE user_id = :u", u=tutor))
    assert weights["priya"] == "A" and weights["physics"] == "A"
    assert weights["calculus"] == "B" and weights["zebra"] == "C"
    assert scalar("SELECT search_vector @@ to_tsquery('simple', 'physics') FROM tutor_profiles") is True


def test_refreshing_all_documents_in_one_statement(tutor):
    sql("UPDATE tutor_profiles SET search_text = '', search_vector = NULL")
    with session_scope() as s:
        assert tutors.refresh_search_documents(s) == 1
        assert tutors.refresh_search_documents(s, []) == 0
    assert profile(tutor).search_text == "priya sharma"


# Documents --------------------------------------------------------------------------------
@pytest.mark.parametrize("data,content_type,filename", [
    (PDF, "application/pdf", "degree.pdf"), (PNG, "image/png", "scan.jpg"), (JPEG, "image/jpeg", "no-extension"),
])
def test_documents_are_typed_by_their_bytes_and_stored_privately(tutor, doc_dir, data, content_type, filename):
    doc_id = _save("add_document", tutor, kind="education", title="BSc", issuer="Univ", year=2010,
                   filename=filename, data=data)
    with session_scope() as s:
        path, ctype, name = tutors.open_document(s, as_(tutor), doc_id)
    assert ctype == content_type and name == filename
    assert path.parent == doc_dir and path.read_bytes() == data
    assert "assets" not in path.parts and "uploaded_files" not in path.parts
    assert list(doc_dir.glob(".upload-*")) == []


def test_the_document_directory_is_private_and_outside_every_served_folder():
    from tutorconnect.config import PROJECT_ROOT

    assert tutors.DOCUMENT_DIR == PROJECT_ROOT / "var" / "private" / "documents"
    for served in (PROJECT_ROOT / "assets", PROJECT_ROOT / "uploaded_files", PROJECT_ROOT / ".web"):
        assert not tutors.DOCUMENT_DIR.is_relative_to(served)


@pytest.mark.parametrize("data,message", [
    (b"<html><script>alert(1)</script></html>", "PDF, PNG or JPEG"),
    (b"MZ\x90\x00 windows exe", "PDF, PNG or JPEG"),
    (b"", "Choose a file"),
    (PDF + b"\x00" * 10_000_000, "10 MB"),
])
def test_documents_of_other_types_or_over_the_limit_are_refused(tutor, doc_dir, data, message):
    with pytest.raises(InvalidInput, match=message):
        _save("add_document", tutor, kind="education", title="BSc", issuer="", year=None,
              filename="innocent.pdf", data=data)
    assert scalar("SELECT count(*) FROM tutor_documents") == 0
    assert not doc_dir.exists() or list(doc_dir.iterdir()) == []


@pytest.mark.parametrize("field,value", [("kind", "passport"), ("title", ""), ("issuer", "i" * 201),
                                         ("year", 1900), ("year", 3000), ("year", "2010")])
def test_document_details_are_validated(tutor, doc_dir, field, value):
    details = dict(kind="education", title="BSc", issuer="Univ", year=2010, filename="d.pdf", data=PDF)
    with pytest.raises(InvalidInput) as err:
        _save("add_document", tutor, **{**details, field: value})
    assert err.value.field == field


def test_only_the_owning_tutor_or_an_admin_can_open_a_document(tutor, doc_dir):
    doc_id = _save("add_document", tutor, kind="education", title="BSc", issuer="", year=None,
                   filename="../../etc/passwd.pdf", data=PDF)
    admin, student, other_tutor = make_user("admin"), make_user("student"), make_user("tutor")
    with session_scope() as s:
        path, _, name = tutors.open_document(s, as_(admin), doc_id)
        assert name == "passwd.pdf" and path.exists()
        assert [d.id for d in tutors.list_documents(s, as_(admin), tutor)] == [str(doc_id)]
    for stranger in (student, other_tutor, None):
        with pytest.raises(PermissionDenied), session_scope() as s:
            tutors.open_document(s, as_(stranger), doc_id)
        with pytest.raises(PermissionDenied), session_scope() as s:
            tutors.list_documents(s, as_(stranger), tutor)
    with pytest.raises(NotFound), session_scope() as s:
        tutors.open_document(s, as_(admin), uuid.uuid4())


def test_a_removed_document_can_no_longer_be_opened(tutor, doc_dir):
    doc_id = _save("add_document", tutor, kind="education", title="BSc", issuer="", year=None,
                   filename="d.pdf", data=PDF)
    _save("remove_document", tutor, doc_id)
    with pytest.raises(NotFound), session_scope() as s:
        tutors.open_document(s, as_(tutor), doc_id)
    assert _completeness(tutor).score == 0


def test_a_failed_row_insert_leaves_no_file_behind(tutor, doc_dir, monkeypatch):
    def refuse():
        raise RuntimeError("database went away")

    write = documents._write_atomically
    written = []

    def write_then_fail_the_flush(*args):
        written.append(write(*args))
        s.flush = refuse  # the file is on disk; now the row insert fails
        return written[-1]

    monkeypatch.setattr(documents, "_write_atomically", write_then_fail_the_flush)
    with pytest.raises(RuntimeError), session_scope() as s:
        tutors.add_document(s, as_(tutor), tutor, kind="education", title="B", issuer="", year=None,
                                    filename="b.pdf", data=PDF)
    assert scalar("SELECT count(*) FROM tutor_documents") == 0
    assert written and list(doc_dir.iterdir()) == []


def test_a_storage_key_is_never_overwritten(tutor, doc_dir, monkeypatch):
    monkeypatch.setattr(documents.uuid, "uuid4", lambda: uuid.UUID(int=7))
    _save("add_document", tutor, kind="education", title="A", issuer="", year=None, filename="a.pdf", data=PDF)
    with pytest.raises(FileExistsError):
        _save("add_document", tutor, kind="education", title="B", issuer="", year=None, filename="b.pdf", data=PDF + b"2")
    assert [p.read_bytes() for p in doc_dir.iterdir()] == [PDF]


def test_a_tutor_renaming_their_account_is_found_by_the_new_name(db, ctx):
    from sqlalchemy import text as sql_text

    from tutorconnect.db import get_engine, session_scope
    from tutorconnect.services import accounts, tutors

    with session_scope() as s:
        uid = accounts.register(s, ctx, email="rename.me@example.com", password="a long enough passphrase",
                                full_name="Old Name", role="tutor", time_zone="UTC")
    with session_scope() as s:
        tutors.get_or_create_draft(s, ctx.acting_as(uid), uid)
    with session_scope() as s:
        accounts.update_profile(s, ctx.acting_as(uid), user_id=uid, full_name="Zebulon Quixote", time_zone="UTC")
    with get_engine().connect() as conn:
        search_text = conn.execute(sql_text("SELECT search_text FROM tutor_profiles WHERE user_id = :id"), {"id": uid}).scalar()
    assert "zebulon quixote" in search_text and "old name" not in search_text
