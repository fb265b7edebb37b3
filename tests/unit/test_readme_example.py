"""The README's "add a page" example is the real, registered page tutorconnect/pages/hello.py.

The end-to-end suite visits /hello as a student, an admin and a visitor; this test keeps
the README's copy from drifting away from the code that those tests exercise.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- example:hello -->\s*```python\n(.*?)```", text, re.S)
    assert match, "README.md lost its 'add a page' example block"
    return match.group(1)


def test_readme_add_a_page_example_is_the_shipped_hello_page():
    assert _readme_example().strip() == (ROOT / "tutorconnect/pages/hello.py").read_text().strip()


def test_every_page_module_is_registered_by_importing_the_package():
    from reflex_base.registry import RegistrationContext

    import tutorconnect.pages  # noqa: F401

    routes = {kwargs.get("route") for _, kwargs in RegistrationContext.ensure_context().decorated_pages}
    assert {"/hello", "/favorites", "/tutors/[slug]"} <= routes, routes
