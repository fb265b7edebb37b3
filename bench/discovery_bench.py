"""Discovery search at 100,000 tutors: p50/p95 from the service layer, with and without indexes.

    .venv/bin/python bench/discovery_bench.py [--tutors 100000] [--queries 200] [--baseline 30] [--keep] [--reuse]

Creates the scratch database tc_bench_discovery on the local server (BENCH_SERVER_URL,
default postgresql+psycopg://postgres@127.0.0.1:5432/postgres), migrates it to head,
generates tutors with INSERT ... SELECT over generate_series (the tutor_search triggers
index them as they arrive), VACUUM ANALYZEs, then times `discovery.search_tutors` for
text + 2 filters + sort at page 1 and at a deep page with the planner free, and the first
`--baseline` of those queries again with index and bitmap scans disabled on the same
session (a sequential-scan plan: about a second a query, so a sample; the ratio compares
the same queries). Also times filters + sort without text (the page's default view).
Drops the database at the end unless --keep.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import scratch_database  # noqa: E402  (sets up the environment first)

from sqlalchemy import create_engine, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

DB = "tc_bench_discovery"
SUBJECTS = [
    ("mathematics", "Mathematics"), ("statistics", "Statistics"), ("physics", "Physics"),
    ("chemistry", "Chemistry"), ("biology", "Biology"), ("english", "English"), ("spanish", "Spanish"),
    ("french", "French"), ("german", "German"), ("hindi", "Hindi"), ("japanese", "Japanese"),
    ("computer-science", "Computer Science"), ("python-programming", "Python Programming"),
    ("javascript", "JavaScript"), ("data-science", "Data Science"), ("economics", "Economics"),
    ("accounting", "Accounting"), ("history", "History"), ("geography", "Geography"),
    ("music-theory", "Music Theory"), ("piano", "Piano"), ("guitar", "Guitar"), ("art", "Art"),
    ("sanskrit", "Sanskrit"), ("tamil", "Tamil"), ("calculus", "Calculus"), ("algebra", "Algebra"),
    ("organic-chemistry", "Organic Chemistry"), ("machine-learning", "Machine Learning"), ("ielts", "IELTS"),
]
FIRST = ["Aarav", "Priya", "Rahul", "Ananya", "Vikram", "Sneha", "Arjun", "Kavya", "Rohan", "Meera", "Karan",
         "Isha", "Aditya", "Pooja", "Siddharth", "Neha", "Manish", "Divya", "Amit", "Riya", "John", "Maria",
         "Chen", "Yuki", "Fatima", "Lucas", "Sofia", "Omar", "Elena", "David"]
LAST = ["Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair", "Singh", "Das", "Menon", "Kapoor", "Joshi", "Rao",
        "Bose", "Khan", "Mehta", "Verma", "Pillai", "Smith", "Garcia", "Tanaka", "Müller", "Rossi", "Kim"]
ADJ = ["Patient", "Experienced", "Friendly", "Certified", "Enthusiastic", "Practical", "Exam-focused", "Creative"]
NOUN = ["tutor", "teacher", "coach", "mentor", "instructor", "lecturer"]
BIO_WORDS = ("lessons students exams board cbse icse university school practice homework confidence "
             "structured clear examples projects concepts revision olympiad interview beginners advanced "
             "conversation grammar writing problem solving worksheets online weekly progress").split()
LANGS = ["en", "hi", "ta", "te", "bn", "mr", "es", "fr", "de", "ja"]
QUERY_TERMS = ["mathematics", "mathematcs", "physics", "pyton", "python", "chemistry", "english grammar",
               "piano", "guitar", "spanish", "calculus", "data science", "machine learning", "ielts",
               "priya", "sharma", "exam", "biology", "javascript", "histroy", "economics", "french",
               "patient maths", "olympiad", "accounting"]


def _sql_array(words: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + w.replace("'", "''") + "'" for w in words) + "]"


def generate(engine, n: int) -> float:
    started = time.perf_counter()
    with engine.begin() as conn:
        # A bulk load: the tutor_search triggers are off for these statements (each would
        # rewrite all 100,000 index rows), and the final search-document UPDATE below, with
        # triggers on, builds every index row once, as a freshly loaded table would be.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("SELECT setseed(0.42)"))
        conn.execute(
            text("INSERT INTO subjects (id, slug, name, category) VALUES (gen_random_uuid(), :s, :n, 'Bench')"),
            [{"s": s, "n": name} for s, name in SUBJECTS],
        )
        conn.execute(text(f"""
            CREATE TEMP TABLE gen ON COMMIT DROP AS
            SELECT g, gen_random_uuid() AS id,
                   ({_sql_array(FIRST)})[1 + (random() * {len(FIRST) - 1})::int] || ' ' ||
                   ({_sql_array(LAST)})[1 + (random() * {len(LAST) - 1})::int] AS name,
                   (random() * 1000)::int AS r
            FROM generate_series(1, :n) g
        """), {"n": n})
        conn.execute(text("""
            INSERT INTO users (id, email, full_name, role, time_zone, email_verified_at)
            SELECT id, 'bench-' || g || '@example.com', name, 'tutor', 'Asia/Kolkata', now() FROM gen
        """))
        conn.execute(text(f"""
            INSERT INTO tutor_profiles (user_id, slug, headline, bio, status, hourly_rate_minor, currency,
                                        years_experience, rating_count, rating_sum, approved_at)
            SELECT id, 'tutor-' || g,
                   ({_sql_array(ADJ)})[1 + (random() * {len(ADJ) - 1})::int] || ' ' ||
                   lower(s.name) || ' ' || ({_sql_array(NOUN)})[1 + (random() * {len(NOUN) - 1})::int],
                   (SELECT string_agg(({_sql_array(BIO_WORDS)})[1 + (random() * {len(BIO_WORDS) - 1} + w * 0 + g * 0)::int], ' ')
                      FROM generate_series(1, 40) w),
                   'approved', (200 + (random() * 4800)::int) * 100, 'INR', (random() * 30)::int,
                   rc, rc + (random() * 4 * rc)::int, now()
            FROM (SELECT gen.*, (CASE WHEN random() < 0.15 THEN 0 ELSE (random() * 200)::int END) AS rc FROM gen) gen
            JOIN LATERAL (SELECT name FROM subjects ORDER BY random() + gen.g * 0 LIMIT 1) s ON true
        """))
        # 1-4 subjects: the headline's subject is not linked on purpose for a few, like real profiles.
        conn.execute(text("""
            INSERT INTO tutor_subjects (tutor_id, subject_id, level)
            SELECT DISTINCT ON (gen.id, s.id) gen.id, s.id,
                   (ARRAY['beginner','intermediate','advanced','expert'])[1 + (random() * 3)::int]
            FROM gen
            CROSS JOIN LATERAL generate_series(1, 1 + (gen.r % 4)) k
            CROSS JOIN LATERAL (SELECT id FROM subjects ORDER BY random() + k * 0 + gen.g * 0 LIMIT 1) s
            ON CONFLICT DO NOTHING
        """))
        conn.execute(text(f"""
            INSERT INTO tutor_languages (tutor_id, language_code, level)
            SELECT gen.id, l, CASE WHEN l = 'en' THEN 'C2' ELSE 'native' END
            FROM gen CROSS JOIN LATERAL (
                SELECT DISTINCT unnest(ARRAY['en', ({_sql_array(LANGS)})[1 + ((gen.r * 7) % {len(LANGS)})],
                                             ({_sql_array(LANGS)})[1 + ((gen.r * 13) % {len(LANGS)})]]) AS l
            ) langs
        """))
    from tutorconnect.services.discovery import refresh_search_documents

    with Session(engine) as s:
        refresh_search_documents(s)
        s.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def queries(count: int, deep_page: int) -> list[tuple[dict, dict]]:
    """(page-1 params, deep-page params) pairs: text + 2 filters + a sort."""
    rnd = random.Random(7)
    sorts = ["relevance", "price_asc", "price_desc", "rating", "reviews"]
    out = []
    for i in range(count):
        params = {"q": rnd.choice(QUERY_TERMS), "sort": sorts[i % len(sorts)]}
        filters = rnd.sample(["price", "rating", "language", "level"], 2)
        for f in filters:
            if f == "price":
                low = rnd.choice([200, 500, 1000, 1500])
                params["price_min"], params["price_max"] = str(low), str(low + rnd.choice([1000, 2000, 3000]))
            elif f == "rating":
                params["min_rating"] = rnd.choice(["3", "3.5", "4", "4.5"])
            elif f == "language":
                params["language"] = rnd.choice(LANGS)
            else:
                params["level"] = rnd.choice(["beginner", "intermediate", "advanced"])
        out.append((params, {**params, "page": str(deep_page), "per_page": "20"}))
    return out


def no_text_queries(count: int) -> list[dict]:
    """Filters + sort without search text: the discovery page as first opened."""
    rnd = random.Random(11)
    sorts = ["rating", "price_asc", "price_desc", "reviews"]
    out = []
    for i in range(count):
        params = {"sort": sorts[i % len(sorts)]}
        if i % 3:
            params["language"] = rnd.choice(LANGS)
        if i % 2:
            params["min_rating"] = rnd.choice(["3", "4", "4.5"])
        if i % 5 == 0:
            params["subject"] = rnd.choice(SUBJECTS)[0]
        out.append(params)
    return out


def measure(session: Session, param_sets: list[dict]) -> tuple[list[float], list[int]]:
    from tutorconnect.services.discovery import SearchQuery, search_tutors

    times, totals = [], []
    for params in param_sets:
        query = SearchQuery.from_params(params)
        started = time.perf_counter()
        page = search_tutors(session, query)
        times.append((time.perf_counter() - started) * 1000)
        totals.append(page.total)
    return times, totals


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def explain(session: Session, params: dict) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the service's own statement, captured via a wrapper."""
    from tutorconnect.services import discovery

    captured: list[tuple[str, dict]] = []
    original = session.execute

    def spy(statement, params=None, *a, **kw):
        captured.append((str(statement), params))
        return original(statement, params, *a, **kw)

    session.execute = spy  # type: ignore[method-assign]
    try:
        discovery.search_tutors(session, discovery.SearchQuery.from_params(params))
    finally:
        session.execute = original  # type: ignore[method-assign]
    statement, bound = next((st, b) for st, b in captured if "OVER ()" in st)
    rows = session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + statement), bound).all()
    return "\n".join(r[0] for r in rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tutors", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--deep-page", type=int, default=200)
    ap.add_argument("--baseline", type=int, default=30, help="queries re-run without indexes (sample)")
    ap.add_argument("--keep", action="store_true", help="keep the tc_bench_discovery database")
    ap.add_argument("--reuse", action="store_true", help="measure a database kept by an earlier --keep run")
    args = ap.parse_args()

    with scratch_database(DB, keep=args.keep, reuse=args.reuse) as (url, reuse):
        engine = create_engine(url)
        try:
            return _run(engine, args, reuse)
        finally:
            engine.dispose()


def _run(engine, args, reuse: bool) -> int:
    if reuse:
        print(f"reusing the generated data in {DB} (--reuse)")
        took = 0.0
    else:
        print(f"generating {args.tutors:,} approved tutors ...", flush=True)
        took = generate(engine, args.tutors)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM tutor_profiles WHERE status = 'approved'")).scalar()
        links = conn.execute(text("SELECT count(*) FROM tutor_subjects")).scalar()
        langs = conn.execute(text("SELECT count(*) FROM tutor_languages")).scalar()
    print(f"generated {n:,} tutors, {links:,} subject links, {langs:,} language rows in {took:.1f} s")

    pairs = queries(args.queries, args.deep_page)
    first, deep = [p for p, _ in pairs], [d for _, d in pairs]
    results = {}
    deep_label = f"page {args.deep_page}"
    no_text = no_text_queries(max(20, args.queries // 4))
    sample = max(1, min(args.baseline, len(first)))
    with Session(engine) as s:
        measure(s, first[:20])  # warm the cache
        for label, sets in (("page 1", first), (deep_label, deep), ("no text", no_text)):
            results[("indexed", label)] = measure(s, sets)
            print(f"indexed {label} done", flush=True)
        s.execute(text("SET enable_indexscan = off"))
        s.execute(text("SET enable_bitmapscan = off"))
        for label, sets in (("page 1", first[:sample]), (deep_label, deep[:sample])):
            results[("no index", label)] = measure(s, sets)
            print(f"no-index {label} done", flush=True)
        s.execute(text("RESET enable_indexscan"))
        s.execute(text("RESET enable_bitmapscan"))
        plans = {
            "typo": explain(s, {"q": "mathematcs", "language": "hi", "min_rating": "4", "sort": "rating"}),
            "common subject, deep page": explain(
                s, {"q": "mathematics", "level": "advanced", "price_max": "3000", "sort": "price_asc",
                    "page": str(args.deep_page)}),
        }
        s.rollback()

    print(f"\n{len(first)} queries (text + 2 filters + sort) at page 1 and {deep_label}, {len(no_text)} without text;"
          f" the no-index rows re-run the first {sample}. Times in ms from search_tutors:")
    print(f"{'plan':10} {'series':10} {'n':>4} {'p50':>8} {'p95':>8} {'max':>8} {'median total':>13}")
    for (mode, label), (times, totals) in results.items():
        print(f"{mode:10} {label:10} {len(times):4} {pct(times, 50):8.1f} {pct(times, 95):8.1f} {max(times):8.1f}"
              f" {statistics.median(totals):13,.0f}")
    for label in ("page 1", deep_label):
        fast, slow = results[("indexed", label)][0][:sample], results[("no index", label)][0]
        print(f"{label}, same {sample} queries: no-index / indexed  p50 x{pct(slow, 50) / pct(fast, 50):.1f},"
              f"  p95 x{pct(slow, 95) / pct(fast, 95):.1f}")
    p95 = max(pct(results[("indexed", lbl)][0], 95) for lbl in ("page 1", deep_label, "no text"))
    print(f"target p95 <= 100 ms: {'MET' if p95 <= 100 else 'MISSED'} (worst series p95 {p95:.1f} ms)")

    for name, plan in plans.items():
        print(f"\nEXPLAIN (ANALYZE, BUFFERS), {name}:\n{plan}")
        print(f"plan uses GIN ix_tutor_search_vector: {'YES' if 'ix_tutor_search_vector' in plan else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
