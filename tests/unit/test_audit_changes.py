"""The audit log's "what changed" (#14 item 22): old -> new per field, in words, instead of
two raw JSON blobs."""

from __future__ import annotations

from hypothesis import given, strategies as st

from tutorconnect.services.audit import describe_change


def test_a_changed_field_reads_old_to_new():
    assert describe_change({"role": "student"}, {"role": "admin"}) == [("Role", "student", "admin")]


def test_only_changed_fields_are_listed_and_in_a_stable_order():
    before = {"status": "pending", "headline": "Maths", "rate_minor": 120000}
    after = {"status": "approved", "headline": "Maths", "rate_minor": 150000, "reason": "ok"}
    assert describe_change(before, after) == [
        ("Rate minor", "120000", "150000"),
        ("Reason", "—", "ok"),
        ("Status", "pending", "approved"),
    ]


def test_a_created_or_removed_record_has_one_side_empty():
    assert describe_change(None, {"name": "Physics"}) == [("Name", "—", "Physics")]
    assert describe_change({"name": "Physics"}, None) == [("Name", "Physics", "—")]
    assert describe_change(None, None) == []


def test_lists_and_nested_values_are_written_compactly_and_long_values_are_cut():
    rows = describe_change({"subjects": ["maths"]}, {"subjects": ["maths", "physics"], "note": "x" * 500})
    assert ("Subjects", "maths", "maths, physics") in rows
    [note] = [r for r in rows if r[0] == "Note"]
    assert len(note[2]) <= 121 and note[2].endswith("…")
    nested = describe_change({}, {"meta": {"b": 1, "a": True}})
    assert nested == [("Meta", "—", "a: yes, b: 1")]


@given(st.dictionaries(st.text(min_size=1, max_size=10), st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)), max_size=6),
       st.dictionaries(st.text(min_size=1, max_size=10), st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)), max_size=6))
def test_a_field_is_listed_when_its_shown_value_differs(before, after):
    rows = describe_change(before, after)
    assert all(old != new for _, old, new in rows)
    differing = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert len(rows) <= len(differing)
    plain = {k for k in differing if all(isinstance(v, str) and v for v in (before.get(k), after.get(k)))}
    assert len(rows) >= len(plain)


def test_labels_read_as_words_and_an_empty_value_shows_as_none():
    assert describe_change({"user_id": "", "kept": []}, {"user_id": "u1", "kept": ""}) == [("User ID", "\u2014", "u1")]
    assert describe_change({}, {"ip": "127.0.0.1"}) == [("IP", "\u2014", "127.0.0.1")]
