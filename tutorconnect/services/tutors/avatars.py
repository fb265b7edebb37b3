"""Generated avatars: a person's initials on a gradient circle, as a small SVG file.

Used for tutors without an uploaded photo (and for every demo tutor). The colours come
from a hash of the name, so the same person always gets the same avatar on every machine.
Reflex serves `assets/` at the site root, so `assets/avatars/<slug>.svg` is reachable at
`/avatars/<slug>.svg`.
"""

from __future__ import annotations

import colorsys
import hashlib
from pathlib import Path
from xml.sax.saxutils import escape

from tutorconnect.config import PROJECT_ROOT

AVATAR_DIR = PROJECT_ROOT / "assets" / "avatars"
PUBLIC_PREFIX = "/avatars/"


def initials(name: str) -> str:
    """Up to two letters: the first of the first and of the last word ('Ana María Silva' -> 'AS')."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalpha()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:1].upper()
    return (words[0][:1] + words[-1][:1]).upper()


def _luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG relative luminance of an sRGB colour with channels in 0..1."""
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _readable(h: float, lightness: float, saturation: float, min_contrast: float) -> str:
    """The colour at hue `h`, darkened until white text on it reaches `min_contrast`."""
    while True:
        rgb = colorsys.hls_to_rgb(h % 1.0, lightness, saturation)
        if (1.05 / (_luminance(rgb) + 0.05)) >= min_contrast or lightness <= 0.2:
            return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)
        lightness -= 0.02


def palette(name: str) -> tuple[str, str]:
    """Two colours for the gradient, deterministic in the name (not Python's salted hash).

    Both stops keep white initials readable: at least 3.5:1 against white (WCAG asks
    3:1 for large text), so yellows and greens come out deeper than blues.
    """
    digest = hashlib.sha256(name.strip().lower().encode("utf-8")).digest()
    hue = digest[0] / 256 + digest[1] / 65536
    shift = 0.06 + digest[2] / 256 * 0.08  # 22-50 degrees around the wheel
    return _readable(hue, 0.56, 0.65, 3.5), _readable(hue + shift, 0.44, 0.70, 4.5)


def avatar_svg(name: str) -> str:
    start, end = palette(name)
    gid = "g" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    text = escape(initials(name))
    label = escape(name, {'"': "&quot;"})
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256" '
        f'role="img" aria-label="{label}">\n'
        f"  <title>{escape(name)}</title>\n"
        "  <defs>\n"
        f'    <linearGradient id="{gid}" x1="0" y1="0" x2="1" y2="1">\n'
        f'      <stop offset="0" stop-color="{start}"/>\n'
        f'      <stop offset="1" stop-color="{end}"/>\n'
        "    </linearGradient>\n"
        "  </defs>\n"
        f'  <circle cx="128" cy="128" r="128" fill="url(#{gid})"/>\n'
        '  <circle cx="128" cy="128" r="120" fill="none" stroke="#ffffff" stroke-opacity="0.18" stroke-width="4"/>\n'
        '  <text x="128" y="128" dy="0.35em" text-anchor="middle" fill="#ffffff" '
        "font-family=\"Inter, 'Segoe UI', system-ui, -apple-system, Helvetica, Arial, sans-serif\" "
        f'font-size="96" font-weight="600">{text}</text>\n'
        "</svg>\n"
    )


def public_path(slug: str) -> str:
    return f"{PUBLIC_PREFIX}{slug}.svg"


def write_avatar(name: str, slug: str, *, directory: Path | None = None, overwrite: bool = False) -> tuple[str, bool]:
    """Write `<directory>/<slug>.svg` unless it exists; return (public path, written?)."""
    if not slug or "/" in slug or "\\" in slug or slug.startswith("."):
        raise ValueError(f"not a slug: {slug!r}")
    folder = directory or AVATAR_DIR
    target = folder / f"{slug}.svg"
    if target.exists() and not overwrite:
        return public_path(slug), False
    folder.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".svg.tmp")
    tmp.write_text(avatar_svg(name), encoding="utf-8")
    tmp.replace(target)  # atomic: a concurrent reader never sees half a file
    return public_path(slug), True
