"""Page URLs the static build cannot serve.

The production build serves pages from files; a path segment longer than the filesystem's
file-name limit (255 bytes) makes the static lookup fail with a bare 404 before Reflex's
own routing can show the page's "not found" state. No tutor slug is longer than 80
characters (a CHECK constraint), so an over-long one is shortened to 100 characters,
still longer than any real slug: the tutor page then shows its friendly "Tutor not found".
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

SHORTENED = 100


class _OverLongSegment(Convertor):
    regex = "[^/]{201,}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("overlong", _OverLongSegment())


async def overlong_tutor_slug(request: Request) -> RedirectResponse:
    slug = request.path_params["slug"][:SHORTENED]
    return RedirectResponse("/tutors/" + quote(slug, safe=""), status_code=307)


routes = [Route("/tutors/{slug:overlong}", overlong_tutor_slug, methods=["GET", "HEAD"])]
