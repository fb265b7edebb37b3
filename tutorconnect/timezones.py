"""One catalog of time zones: the names people are offered and the name every alias means.

Offered: the zones of IANA's `zone.tab` (one or more per country: Asia/Kolkata,
Europe/Oslo, America/New_York), plus UTC. Not offered: legacy aliases (Asia/Calcutta,
US/Eastern), the POSIX-style and Etc/ zones, and SystemV names.

`canonical_zone` turns any name zoneinfo knows into the offered name it means, by
following tzdata's links until an offered zone is reached (Asia/Calcutta -> Asia/Kolkata;
Chromium's `Intl` still reports some legacy names). A link between two offered zones is not
followed: since 2022 IANA links zones with the same clocks since 1970 (Europe/Oslo ->
Europe/Berlin), but a person in Oslo chose Oslo. The data is the pinned `tzdata` package,
the same one `zoneinfo` reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu",
                       "GMT", "Etc/GMT", "Etc/GMT+0", "Etc/GMT-0", "Etc/GMT0", "Etc/Greenwich", "GMT+0", "GMT-0",
                       "GMT0", "Greenwich"})


def _tzdata_text(name: str) -> str:
    return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")


@cache
def offered_zones() -> tuple[str, ...]:
    """The names a person chooses from, sorted, UTC last."""
    names = {line.split("\t")[2] for line in _tzdata_text("zone.tab").splitlines()
             if line and not line.startswith("#")}
    return (*sorted(names & available_timezones()), "UTC")


@cache
def _links() -> dict[str, str]:
    links = {}
    for line in _tzdata_text("tzdata.zi").splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()
            links[alias] = target
    return links


@cache
def canonical_zone(name: str) -> str | None:
    """The offered name `name` means; a known zone with no offered name is kept as it is
    (Etc/GMT+5); None for a name zoneinfo does not know."""
    if name in UTC_NAMES:
        return "UTC"
    known = available_timezones()
    if name not in known:
        return None
    offered = set(offered_zones())
    current, seen = name, {name}
    while current not in offered and current in _links():
        current = _links()[current]
        if current in seen:  # a loop in the data: keep the name as given
            return name
        seen.add(current)
    return current if current in offered else name


def utc_offset(zone: str, at: datetime | None = None) -> str:
    """'UTC+05:30', 'UTC−03:00' (a real minus sign), 'UTC' at `at` (now by default)."""
    moment = (at or datetime.now(timezone.utc)).astimezone(ZoneInfo(zone))
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "\u2212"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


@dataclass(frozen=True)
class ZoneOption:
    value: str  # "Asia/Kolkata"
    label: str  # "Asia/Kolkata (UTC+05:30)"


def zone_options(at: datetime | None = None) -> list[ZoneOption]:
    """Every offered zone with its offset at `at` (offsets move with daylight saving time)."""
    moment = at or datetime.now(timezone.utc)
    return [ZoneOption(z, f"{z.replace('_', ' ')} ({utc_offset(z, moment)})") for z in offered_zones()]


def zone_option_dicts(at: datetime | None = None) -> list[dict[str, str]]:
    """`zone_options` as a state var holds them (components/zone_picker.py)."""
    return [{"value": o.value, "label": o.label} for o in zone_options(at)]
