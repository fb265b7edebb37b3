"""/tutors: search listed tutors by text, filters and sort; every choice is in the URL."""

from __future__ import annotations

import reflex as rx

from tutorconnect.components.layout import page, page_header
from tutorconnect.components.tutor_card import tutor_card, tutor_card_skeleton
from tutorconnect.state.discovery import ANY, FREE_WITHIN, LEVELS, RATINGS, SORT_LABELS, DiscoveryState as S

LABEL = {"size": "2", "weight": "medium", "color": rx.color("gray", 11)}


def _search_box() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                name="q",
                id="search-q",
                type="search",
                default_value=S.q,
                key=S.q,
                placeholder="Subject, name or goal",
                max_length=100,
                size="3",
                width="100%",
                aria_label="Search tutors",
                auto_complete="off",
            ),
            rx.button("Search", type="submit", size="3", id="search-submit"),
            width="100%",
            spacing="2",
        ),
        on_submit=S.search,
        reset_on_submit=False,
        width="100%",
        id="search-form",
    )


def _select(label: str, key: str, value, items: list[rx.Component], *, id: str, any_label: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", html_for=id, **LABEL),
        rx.select.root(
            rx.select.trigger(id=id, width="100%", aria_label=label),
            rx.select.content(rx.select.item(any_label, value=ANY), *items),
            value=value,
            on_change=lambda v: S.set_filter(key, v),
        ),
        spacing="1",
        width="100%",
    )


def _options(var) -> rx.Component:
    return rx.foreach(var, lambda o: rx.select.item(o["label"], value=o["value"]))


def _price_form() -> rx.Component:
    def box(name: str, placeholder: str, label: str) -> rx.Component:
        return rx.input(
            rx.input.slot("₹"),
            name=name,
            id=f"filter-{name}",
            default_value=getattr(S, name),
            key=getattr(S, name),
            placeholder=placeholder,
            input_mode="decimal",
            max_length=12,
            aria_label=label,
            width="100%",
        )

    return rx.form(
        rx.vstack(
            rx.text("Price per hour", **LABEL),
            rx.hstack(
                box("price_min", "Min", "Minimum price per hour in rupees"),
                rx.text("–", color=rx.color("gray", 10)),
                box("price_max", "Max", "Maximum price per hour in rupees"),
                align="center",
                spacing="2",
                width="100%",
            ),
            rx.button("Apply price", type="submit", variant="soft", size="1", id="apply-price"),
            spacing="2",
            width="100%",
        ),
        on_submit=S.set_price,
        reset_on_submit=False,
        width="100%",
    )


def _filters() -> rx.Component:
    return rx.vstack(
        _select("Subject", "subject", S.subject, [_options(S.subject_options)], id="filter-subject", any_label="Any subject"),
        _select(
            "Your level", "level", S.level,
            [rx.select.item(level.capitalize(), value=level) for level in LEVELS],
            id="filter-level", any_label="Any level",
        ),
        _price_form(),
        _select(
            "Rating", "min_rating", S.min_rating,
            [rx.select.item(f"{r}★ and up", value=r) for r in RATINGS],
            id="filter-rating", any_label="Any rating",
        ),
        _select("Speaks", "language", S.language, [_options(S.language_options)], id="filter-language", any_label="Any language"),
        _select(
            "Has free time", "free_within_days", S.free_within_days,
            [rx.select.item(f"In the next {d} days", value=d) for d in FREE_WITHIN],
            id="filter-free", any_label="Any time",
        ),
        spacing="4",
        width="100%",
    )


def _filter_panel() -> rx.Component:
    return rx.box(
        rx.box(
            rx.button(
                rx.icon("sliders-horizontal", size=16),
                rx.cond(S.filters_open, "Hide filters", "Filters"),
                rx.cond(S.filter_count > 0, rx.badge(S.filter_count, radius="full", variant="solid", size="1")),
                variant="outline", color_scheme="gray", width="100%", on_click=S.toggle_filters, id="toggle-filters",
            ),
            display=rx.breakpoints(initial="block", md="none"),
            margin_bottom="0.75rem",
        ),
        rx.card(
            _filters(),
            display=rx.breakpoints(initial=rx.cond(S.filters_open, "block", "none"), md="block"),
            size="2",
            id="filter-panel",
        ),
        width=rx.breakpoints(initial="100%", md="260px"),
        flex_shrink="0",
    )


def _chip(c) -> rx.Component:
    return rx.link(
        rx.badge(c["label"], rx.icon("x", size=12), size="2", radius="full", variant="surface", color_scheme="indigo"),
        href=c["href"],
        underline="none",
        class_name="filter-chip",
        aria_label="Remove filter " + c["label"],
        title="Remove this filter",
    )


def _toolbar() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading(
                rx.cond(S.loading, "Searching…", S.total_label), size="5", as_="h2", id="results-count",
            ),
            rx.spacer(),
            rx.hstack(
                rx.text("Sort", **LABEL, as_="label", html_for="sort"),
                rx.select.root(
                    rx.select.trigger(id="sort", aria_label="Sort"),
                    rx.select.content(*[rx.select.item(label, value=key) for key, label in SORT_LABELS.items()]),
                    value=S.sort,
                    on_change=lambda v: S.set_filter("sort", v),
                ),
                align="center",
                spacing="2",
            ),
            align="center",
            wrap="wrap",
            gap="0.75rem",
            width="100%",
        ),
        rx.cond(
            S.chips.length() > 0,
            rx.flex(
                rx.foreach(S.chips, _chip),
                rx.link("Clear all", href="/tutors", size="2", id="clear-all"),
                wrap="wrap",
                gap="0.5rem",
                align="center",
                id="active-filters",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _error() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("triangle-alert")),
        rx.callout.text(
            rx.text("This search link has a value we can't use.", weight="bold"),
            rx.text(S.error, id="discovery-error-text"),
        ),
        rx.hstack(
            rx.cond(
                S.fix_href != "",
                rx.link(rx.button("Remove just this value", variant="solid", color_scheme="tomato", size="2"), href=S.fix_href, id="fix-filter"),
            ),
            rx.link(rx.button("Clear filters", variant="soft", color_scheme="tomato", size="2"), href="/tutors", id="clear-filters"),
            spacing="2",
            wrap="wrap",
        ),
        color_scheme="tomato",
        role="alert",
        id="discovery-error",
        width="100%",
    )


def _notices() -> rx.Component:
    return rx.fragment(
        rx.cond(
            S.availability_notice,
            rx.callout.root(
                rx.callout.icon(rx.icon("calendar-clock")),
                rx.callout.text(
                    "The “has free time” filter is not applied yet: tutors publish their hours once booking "
                    "opens. These results include every tutor matching your other choices."
                ),
                color_scheme="amber",
                size="1",
                id="availability-notice",
                width="100%",
            ),
        ),
        rx.cond(
            S.past_last_page,
            rx.callout.root(
                rx.callout.icon(rx.icon("info")),
                rx.callout.text(
                    "Page ", S.page.to_string(), " is past the last page (", S.pages.to_string(), "). ",
                    rx.link("Go to the first page", href=S.first_page_href),
                ),
                color_scheme="gray",
                size="1",
                id="past-last-page",
                width="100%",
            ),
        ),
    )


def _empty() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("search-x", size=36, color=rx.color("gray", 9)),
            rx.heading("No tutors match this search", size="5", as_="h2"),
            rx.text("Try widening it:", color=rx.color("gray", 11)),
            rx.cond(
                S.clear_text_href != "",
                rx.link(rx.button(rx.icon("eraser", size=14), "Search without the text", variant="soft"), href=S.clear_text_href, id="empty-clear-text"),
            ),
            rx.cond(
                S.chips.length() > 0,
                rx.flex(
                    rx.foreach(S.chips, lambda c: rx.link(rx.badge("Remove ", c["label"], size="2", variant="outline", radius="full"), href=c["href"], underline="none", class_name="empty-remove")),
                    wrap="wrap", gap="0.5rem", justify="center",
                ),
            ),
            rx.text("Or browse a popular subject:", color=rx.color("gray", 11), padding_top="0.5rem"),
            rx.flex(
                rx.foreach(S.popular_subjects, lambda s: rx.link(rx.badge(s["name"], size="2", radius="full", variant="soft", color_scheme="indigo"), href=s["href"], underline="none")),
                wrap="wrap", gap="0.5rem", justify="center",
            ),
            rx.link(rx.button("Clear all filters", variant="outline"), href="/tutors", padding_top="0.5rem"),
            align="center",
            spacing="3",
            max_width="520px",
        ),
        padding_y="3rem",
        width="100%",
        id="discovery-empty",
    )


def _pagination() -> rx.Component:
    def number(p) -> rx.Component:
        return rx.cond(
            p["href"] == "",
            rx.text("…", color=rx.color("gray", 10), padding_x="0.25rem"),
            rx.link(
                rx.button(p["label"], variant=rx.cond(p["current"] == "1", "solid", "soft"), size="2", min_width="2.25rem"),
                href=p["href"],
                aria_label="Page " + p["label"],
                aria_current=rx.cond(p["current"] == "1", "page", ""),
                class_name="page-link",
            ),
        )

    def step(label: str, icon: str, href, id: str) -> rx.Component:
        content = [rx.icon(icon, size=14), label] if icon == "chevron-left" else [label, rx.icon(icon, size=14)]
        return rx.cond(
            href != "",
            rx.link(rx.button(*content, variant="soft", size="2"), href=href, id=id),
            rx.button(*content, variant="soft", size="2", disabled=True),
        )

    return rx.cond(
        S.pages > 1,
        rx.flex(
            step("Previous", "chevron-left", S.prev_href, "page-prev"),
            rx.flex(rx.foreach(S.page_links, number), gap="0.35rem", align="center", class_name="tc-hide-sm"),
            rx.text("Page ", S.page.to_string(), " of ", S.pages.to_string(), size="2", class_name="tc-show-sm", color=rx.color("gray", 11)),
            step("Next", "chevron-right", S.next_href, "page-next"),
            justify="center",
            align="center",
            gap="0.5rem",
            width="100%",
            padding_top="1rem",
            id="pagination",
            role="navigation",
            aria_label="Result pages",
        ),
    )


def _results() -> rx.Component:
    return rx.vstack(
        _toolbar(),
        _notices(),
        rx.cond(
            S.loading,
            rx.box(*[tutor_card_skeleton() for _ in range(6)], class_name="tc-card-grid", width="100%", id="results-loading"),
            rx.cond(
                S.cards.length() > 0,
                rx.box(rx.foreach(S.cards, tutor_card), class_name="tc-card-grid", width="100%", id="results-grid"),
                rx.cond(S.past_last_page, rx.fragment(), _empty()),
            ),
        ),
        _pagination(),
        spacing="4",
        width="100%",
        min_width="0",
    )


@page("/tutors", "Find tutors", on_load=[S.load], description="Search tutors by subject, price, rating and language.")
def tutors_page() -> rx.Component:
    return rx.vstack(
        page_header("Find a tutor", "Search by subject, name or goal. Typos are fine."),
        _search_box(),
        rx.cond(
            S.error != "",
            _error(),
            rx.flex(
                _filter_panel(),
                _results(),
                direction=rx.breakpoints(initial="column", md="row"),
                gap="1.5rem",
                width="100%",
                align="start",
            ),
        ),
        spacing="4",
        width="100%",
        id="discovery",
        custom_attrs={"data-ready-for": S.ready_for},
    )
