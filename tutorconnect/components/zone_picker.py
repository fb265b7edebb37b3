"""A searchable time-zone field: type part of a city, a region or an offset ("Kolkata",
"New York", "+05:30") and pick from the list; the value is the zone's name. The options are
`tutorconnect.timezones.zone_options` (canonical names, each with its current offset), as a
list of {"value", "label"} dicts in a state var. The server checks what arrives
(`validation.clean_time_zone`), so a typed name that is not in the list is refused with a
message, never stored."""

from __future__ import annotations

from typing import Any

import reflex as rx

ZONE_INPUT_STYLE = {
    "width": "100%", "padding": "8px 10px", "border_radius": "8px", "min_height": "40px",
    "border": f"1px solid {rx.color('gray', 7)}", "background": rx.color("gray", 2),
    "color": rx.color("gray", 12), "font_size": "15px",
}


def zone_input(*, id: str, name: str, value: Any, options: Any, **props: Any) -> rx.Component:
    """An <input list=...> with a <datalist> of every zone; `value` is the current zone."""
    list_id = f"{id}-options"
    return rx.fragment(
        rx.el.input(
            id=id,
            name=name,
            list=list_id,
            default_value=value,
            key=value,  # re-mounted when the stored zone changes
            autocomplete="off",
            spell_check=False,
            placeholder="Type a city or an offset",
            style=ZONE_INPUT_STYLE,
            **props,
        ),
        rx.el.datalist(rx.foreach(options, lambda o: rx.el.option(o["label"], value=o["value"])), id=list_id),
    )
