"""/tutors: the public discovery page. The search lives in the URL.

The page's on_load (`load`) parses `self.router.url.query_parameters` with
`SearchQuery.from_params` and runs `search_tutors`; every control navigates to a new
`/tutors?<params>` URL (page reset to 1), and Reflex re-runs on_load on any change of the
path or query, so reload, sharing and back/forward all reproduce the search.

Everything here is public (listed tutors only, as the service guarantees): no private
data is kept, so `PRIVATE` is empty.
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar
from urllib.parse import urlencode

import reflex as rx
from babel import Locale, UnknownLocaleError

from tutorconnect.languages import language_name
from tutorconnect.money import format_money
from tutorconnect.services import discovery, tutors
from tutorconnect.services.discovery import SearchQuery
from tutorconnect.services.errors import DomainError, InvalidInput
from tutorconnect.state.base import SessionState, in_transaction
from tutorconnect.state.guard import handler

log = logging.getLogger(__name__)

ROUTE = "/tutors"
DEFAULT_LOCALE = "en_IN"
LEVELS = ("beginner", "intermediate", "advanced", "expert")
RATINGS = ("3", "4", "4.5")
FREE_WITHIN = ("7", "14", "30")
SORT_LABELS = {
    "relevance": "Best match",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "rating": "Highest rated",
    "reviews": "Most reviews",
}
# The URL keys a visitor can set from the page (page/per_page only through links).
FILTER_KEYS = ("q", "subject", "level", "price_min", "price_max", "min_rating", "language", "free_within_days", "sort")
FIELD_LABELS = {
    "q": "Search text", "subject": "Subject", "level": "Level", "price_min": "Minimum price",
    "price_max": "Maximum price", "min_rating": "Minimum rating", "language": "Language",
    "free_within_days": "Free time within", "sort": "Sort", "page": "Page", "per_page": "Results per page",
}
ANY = "any"  # the "no filter" value of a select (Radix items cannot have an empty value)
ARG_MAX = 200
_LOCALE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def viewer_locale(accept_language: str | None) -> str:
    """The first usable locale of an Accept-Language header, else en_IN."""
    for part in (accept_language or "")[:200].split(","):
        tag = part.split(";")[0].strip()
        if not tag or tag == "*" or not _LOCALE_TAG.match(tag):
            continue
        try:
            locale = Locale.parse(tag, sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
        if locale.currency_formats.get("standard") is not None:
            return str(locale)
    return DEFAULT_LOCALE


def search_url(params: dict[str, str]) -> str:
    return ROUTE + ("?" + urlencode(params) if params else "")


def _arg(value: Any, max_len: int = ARG_MAX) -> str:
    """A handler's string argument: anything else (or too long) is refused."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InvalidInput("value", "That value is not valid.")
    text = str(value)
    if len(text) > max_len:
        raise InvalidInput("value", f"That value is too long (at most {max_len} characters).")
    return text.strip()


def _stars(card: discovery.SearchCard) -> tuple[str, str]:
    shown = tutors.format_rating(card.rating_sum, card.rating_count)  # the one rounding rule
    if shown is None:
        return "New", ""
    reviews = "1 review" if card.rating_count == 1 else f"{card.rating_count} reviews"
    return shown, reviews


def card_fields(card: discovery.SearchCard, locale: str) -> dict[str, str]:
    """The str fields components/tutor_card.py shows for one result, money in `locale`."""
    rating, reviews = _stars(card)
    subjects = list(card.subjects[:4]) + [""] * (4 - min(len(card.subjects), 4))
    price = ""
    if card.hourly_rate_minor is not None:
        try:
            price = format_money(card.hourly_rate_minor, card.currency, locale=locale)
        except Exception:  # an odd locale: fall back to the site's own
            price = format_money(card.hourly_rate_minor, card.currency)
    return {
        "slug": card.slug, "name": card.name, "headline": card.headline, "photo": card.photo_path or "",
        "initial": (card.name[:1] or "?").upper(), "price": price, "rating": rating, "reviews": reviews,
        "subject_1": subjects[0], "subject_2": subjects[1], "subject_3": subjects[2], "subject_4": subjects[3],
        "href": f"{ROUTE}/{card.slug}",
    }


class DiscoveryState(SessionState):
    PRIVATE: ClassVar[tuple[str, ...]] = ()  # public listings only
    # The search as the controls show it (valid values only; "" or ANY for "not set").
    q: str = ""
    subject: str = ANY
    level: str = ANY
    price_min: str = ""
    price_max: str = ""
    min_rating: str = ANY
    language: str = ANY
    free_within_days: str = ANY
    sort: str = "relevance"
    # Results.
    cards: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 0
    loading: bool = True
    filters_open: bool = False  # the filter panel on a phone
    searched: bool = False
    ready_for: str = ""  # the URL query (with "?") whose results are shown, "" while loading
    availability_notice: bool = False
    past_last_page: bool = False
    first_page_href: str = ROUTE
    prev_href: str = ""
    next_href: str = ""
    page_links: list[dict[str, str]] = []
    chips: list[dict[str, str]] = []
    clear_text_href: str = ""
    # A URL value that makes no sense.
    error: str = ""
    error_field: str = ""
    fix_href: str = ""  # the same search without the bad value ("" if nothing else is left)
    # Facets.
    subject_options: list[dict[str, str]] = []
    language_options: list[dict[str, str]] = []
    popular_subjects: list[dict[str, str]] = []
    _params: dict[str, str] = {}
    _subject_names: dict[str, str] = {}

    @rx.var
    def total_label(self) -> str:
        return "1 tutor" if self.total == 1 else f"{self.total:,} tutors"

    @rx.var
    def filter_count(self) -> int:
        """Active filters besides the search text (the phone's "Filters" button shows it)."""
        return len([c for c in self.chips if c["key"] != "q"])

    # -- helpers ------------------------------------------------------------------------
    def _reset_results(self) -> None:
        self.cards, self.total, self.page, self.pages = [], 0, 1, 0
        self.availability_notice = self.past_last_page = False
        self.prev_href = self.next_href = self.clear_text_href = ""
        self.page_links, self.chips = [], []
        self.error = self.error_field = self.fix_href = ""

    def _show_query(self, query: SearchQuery) -> None:
        params = query.to_params()
        self._params = {k: v for k, v in params.items() if k != "page"}
        self.q = params.get("q", "")
        self.subject = params.get("subject", ANY)
        self.level = params.get("level", ANY)
        self.price_min = params.get("price_min", "")
        self.price_max = params.get("price_max", "")
        self.min_rating = params.get("min_rating", ANY)
        self.language = params.get("language", ANY)
        self.free_within_days = params.get("free_within_days", ANY)
        self.sort = params.get("sort", "relevance")

    def _show_facets(self, facets: discovery.Facets, query: SearchQuery | None) -> None:
        self.subject_options = [
            {"value": s.slug, "label": f"{s.name} ({s.tutor_count})"}
            for s in facets.subjects if s.tutor_count or (query and query.subject == s.slug)
        ]
        self.language_options = [{"value": code, "label": f"{language_name(code)} ({n})"} for code, n in facets.languages]
        popular = sorted((s for s in facets.subjects if s.tutor_count), key=lambda s: (-s.tutor_count, s.name))[:6]
        self.popular_subjects = [{"name": s.name, "href": search_url({"subject": s.slug})} for s in popular]
        self._subject_names = {s.slug: s.name for s in facets.subjects}

    def _chips(self, query: SearchQuery) -> list[dict[str, str]]:
        params = query.to_params()
        params.pop("page", None)
        names = self._subject_names
        labels = {
            "q": lambda v: f"“{v}”",
            "subject": lambda v: names.get(v, v),
            "level": lambda v: f"Level: {v}",
            "price_min": lambda _: f"From {format_money(query.price_min_minor or 0, 'INR')}/h",
            "price_max": lambda _: f"Up to {format_money(query.price_max_minor or 0, 'INR')}/h",
            "min_rating": lambda v: f"{v}★ and up",
            "language": lambda v: f"Speaks {language_name(v)}",
            "free_within_days": lambda v: f"Free in next {v} days",
        }
        chips = []
        for key, label in labels.items():
            if key in params:
                rest = {k: v for k, v in params.items() if k != key}
                chips.append({"key": key, "label": label(params[key]), "href": search_url(rest)})
        return chips

    def _pagination(self, query: SearchQuery, pages: int) -> None:
        base = {k: v for k, v in query.to_params().items() if k != "page"}

        def href(n: int) -> str:
            return search_url({**base, "page": str(n)} if n > 1 else base)

        page = query.page
        self.first_page_href = href(1)
        self.prev_href = href(page - 1) if 1 < page <= pages + 1 else ""
        self.next_href = href(page + 1) if page < pages else ""
        shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)}) if pages > 1 else []
        links: list[dict[str, str]] = []
        last = 0
        for n in shown:
            if n - last > 1:
                links.append({"label": "…", "href": "", "current": ""})
            links.append({"label": str(n), "href": href(n), "current": "1" if n == page else ""})
            last = n
        self.page_links = links

    def _navigate(self, changes: dict[str, str]) -> Any:
        """Validate the search with `changes` applied, then go to its URL (page 1)."""
        params = {**self._params, **changes}
        params = {k: v for k, v in params.items() if v and v != ANY and k != "page"}
        query = SearchQuery.from_params(params)  # raises InvalidInput for nonsense
        return rx.redirect(search_url(query.to_params()))

    def _url_query(self) -> str:
        """The URL query (with "?") of the search being shown; `ready_for` once it is done."""
        return "?" + self.router.url.query if self.router.url.query else ""

    def _search_refused(self, err: DomainError) -> Any:
        self.ready_for = self._url_query()
        return self._refuse(err)

    # -- events -------------------------------------------------------------------------
    @handler(public=True, busy="loading", on_error="_search_refused")
    async def load(self):
        """on_load: run the search the URL describes."""
        self.loading = True
        self.ready_for = ""
        self._reset_results()
        self._params = {}
        yield
        done = self._url_query()
        raw = dict(self.router.url.query_parameters)
        locale = viewer_locale(self.router.headers.accept_language)
        try:
            query: SearchQuery | None = SearchQuery.from_params(raw)
        except InvalidInput as err:
            query = None
            self._fail(err, raw)

        def read(session):
            facets = discovery.cached_facets(session)
            if query is None:
                return facets, None, None
            try:
                return facets, discovery.search_tutors(session, query), None
            except InvalidInput as err:
                return facets, None, err

        try:
            facets, result, failure = await in_transaction(read)
        except DomainError:
            raise  # the guard answers (`_search_refused`)
        except Exception:
            log.exception("discovery search failed")
            self.error, self.error_field = "Search is unavailable right now. Please try again in a moment.", ""
            self.loading, self.ready_for = False, done
            return
        self._show_facets(facets, query)
        if query is not None:
            self._show_query(query)
            self.chips = self._chips(query)
            if query.q:
                self.clear_text_href = search_url({k: v for k, v in self._params.items() if k != "q"})
        if failure is not None:
            self._fail(failure, raw)
        elif result is not None:
            self.cards = [card_fields(c, locale) for c in result.items]
            self.total, self.page, self.pages = result.total, result.page, result.pages
            self.availability_notice = query.free_within_days is not None and not result.availability_filter_applied
            self.past_last_page = result.total > 0 and result.page > result.pages
            self.sort = result.sort
            self._pagination(query, result.pages)
        self.searched = True
        self.loading, self.ready_for = False, done

    def _fail(self, err: InvalidInput, raw: dict[str, str]) -> None:
        field = err.field
        value = raw.get(field, "")
        shown = value if len(value) <= 40 else value[:40] + "…"
        label = FIELD_LABELS.get(field, field)
        self.error_field = field
        rest = {k: v for k, v in raw.items() if k != field and k != "page" and k in FIELD_LABELS and len(v) <= 200}
        self.fix_href = search_url(rest) if rest else ""
        # The search box shows this URL's text (not the previous search's), if it is usable.
        text = discovery.normalize_q(raw.get("q", ""))
        self.q = text if field != "q" and len(text) <= discovery.Q_MAX else ""
        self.error = f"{label} “{shown}”: {err.message}" if shown else f"{label}: {err.message}"

    @handler(public=True)
    async def search(self, form_data: Any):
        """The search box (Enter or the button): new text, same filters, page 1."""
        if not isinstance(form_data, dict):
            raise InvalidInput("q", "The search could not be read. Please try again.")
        q = _arg(form_data.get("q"), 400)
        return self._navigate({"q": q})

    @handler(public=True)
    async def set_filter(self, name: Any, value: Any):
        """A filter or the sort changed: validate it and navigate to the new search."""
        key = _arg(name, 40)
        if key not in FILTER_KEYS:
            raise InvalidInput("filter", "That filter does not exist.")
        text = _arg(value)
        if key == "sort" and text == "relevance":
            text = ""
        return self._navigate({key: text})

    @handler(public=True)
    async def set_price(self, form_data: Any):
        """The price range form (both bounds at once)."""
        if not isinstance(form_data, dict):
            raise InvalidInput("price_min", "The price range could not be read. Please try again.")
        low = _arg(form_data.get("price_min"), 20).replace(",", "").replace("₹", "").strip()
        high = _arg(form_data.get("price_max"), 20).replace(",", "").replace("₹", "").strip()
        return self._navigate({"price_min": low, "price_max": high})

    @rx.event
    async def toggle_filters(self):
        self.filters_open = not self.filters_open

    @rx.event
    async def clear_all(self):
        return rx.redirect(ROUTE)
