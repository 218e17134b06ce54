"""The group over time: ended meetings side by side, built only from their floored summaries.

For every deck item (by its stable key) used in more than one ended meeting, and every shared item
(an id more than one deck uses) even from one meeting, its results per meeting; for compass polls
the middle of the room's answers on connection and space per meeting as a line chart. Shares of a choice are given
only where at least PERCENT_FROM men answered: "50%" of four men says less than it seems.
Everything comes from export.summary(), so the history can never show more than a summary would:
below-floor results stay "not shown", and words and sentences appear only if marked for export.

The page is in the room's language as it is now (the facilitator reads it tonight), not in each
meeting's: one page, one language. Its charts are drawn in that language too (export.speaking).
"""

from __future__ import annotations

import datetime

from babel.dates import format_date
from babel.numbers import format_percent
from markupsafe import Markup, escape

from facilitator import export, i18n
from facilitator.export import (
    ACCENT,
    ACCENT_2,
    INK,
    MUTED,
    NOT_SHOWN,
    _,
    svg_number,
    svg_text,
)

HISTORY_KINDS = ("choice", "multi", "scale", "compass", "words", "text")
PERCENT_FROM = 10  # a share is shown only where at least this many answered


def build_history(store, titles: dict | None = None, shared: set | None = None, language: str = i18n.SOURCE) -> dict:
    """Every meeting (newest first) and the series of items used in more than one, or shared by the decks.

    titles: the decks' titles by id (export.deck_titles), so a deck is named as the console names it;
    shared: the item ids more than one deck uses (export.shared_keys), shown even from one meeting;
    language: the page's (the room's now), in which its charts are drawn and to_html writes it.
    """
    with export.speaking(language) as spoken:
        built = _build_history(store, titles, shared)
    built["language"] = spoken
    return built


def _build_history(store, titles, shared) -> dict:
    """build_history, in the language of the render under way."""
    meetings = store.meetings()  # newest first
    summaries = [export.summary(store, m["id"], titles) for m in reversed(meetings) if m["status"] == "ended"]
    counts = {s["meeting"]["id"]: len(s["items"]) for s in summaries}
    titles = titles or {}
    listing = [{"id": m["id"], "title": m["title"], "deck": titles.get(m["deck"]) or m["deck"] or "",
                "held_on": m["held_on"], "notes": (m.get("notes") or "").strip(),
                "phones_joined": m["phones_joined"], "status": m["status"], "items_used": counts.get(m["id"])}
               for m in meetings]
    days = [m["held_on"] for m in meetings]
    for m in listing:  # the day spelled out, as the summary does; two meetings on one day told apart by their number
        number = f" #{m['id']}" if days.count(m["held_on"]) > 1 else ""
        m["label"] = export.long_day(m["held_on"]) + number
        m["short"] = short_day(m["held_on"]) + number  # under a chart, where eight days must fit side by side
    labels = {m["id"]: m["label"] for m in listing}
    shorts = {m["id"]: m["short"] for m in listing}

    grouped = {}
    for s in summaries:  # oldest first, so each series runs forward in time
        for item in s["items"]:
            if not item["key"] or item["kind"] not in HISTORY_KINDS:
                continue
            entries = grouped.setdefault((item["key"], item["kind"]), [])
            if not any(entry["meeting"]["id"] == s["meeting"]["id"] for entry in entries):
                entries.append({"meeting": s["meeting"], "item": item, "label": labels[s["meeting"]["id"]],
                                "short": shorts[s["meeting"]["id"]]})
    shared = shared or set()
    series = [_series(key, kind, entries) for (key, kind), entries in grouped.items()
              if len(entries) > 1 or key in shared]
    # The compass first (the heart of the product), then the items used most often.
    series.sort(key=lambda one: (one["kind"] != "compass", -len(one["entries"]), one["key"]))
    return {"meetings": listing, "series": series, "ended": len(summaries)}


def _series(key: str, kind: str, entries: list) -> dict:
    """One item across meetings, with what its kind's table and chart need.

    Its prompt, options and axes are named as the latest meeting held in the page's language named
    them (else as the latest meeting did): one page, one language.
    """
    latest = _in_the_pages_language(entries)["item"]
    one = {"key": key, "kind": kind, "prompt": latest["prompt"], "item": latest, "entries": entries}
    if kind in ("choice", "multi"):
        aligned = _options_across_languages(entries)
        options = aligned or []
        if aligned is None:  # one language: an option is its text, so a reworded one is a row of its own
            for entry in entries:
                for option in entry["item"].get("options") or []:
                    if option not in options:
                        options.append(option)
        one["options"] = options
        for entry in entries:
            result = entry["item"]["result"]
            entry["cells"] = None
            if result.get("shown"):
                people = result["answered"]  # real answers: a summary's "answered" leaves passes out
                counts = (result["counts"] if aligned is not None
                          else [dict(zip(entry["item"]["options"], result["counts"])).get(option) for option in options])
                entry["cells"] = [(count, None if count is None or people < PERCENT_FROM
                                   else round(count / people * 100)) for count in counts]
    if kind == "scale":
        scales = [entry["item"].get("scale") or {} for entry in entries]
        low = min(s.get("min", 0) for s in scales)
        high = max(s.get("max", 10) for s in scales)
        one["chart"] = line_chart(
            [entry["short"] for entry in entries],
            [{"name": _("The middle of the answers"), "color": ACCENT, "values": [_shown(entry, lambda r: r["median"]) for entry in entries]}],
            low, high, ticks=_ticks(low, high))
    if kind == "compass":
        axes = export.axes_of(latest)
        one["axes"] = axes
        one["chart"] = line_chart(
            [entry["short"] for entry in entries],
            # Translators: a line of the history's compass chart, e.g. "Connection: the middle of the answers".
            [{"name": _("%(axis)s: the middle of the answers", axis=axes["x"]), "color": ACCENT,
              "values": [_shown(entry, lambda r: r["median"]["x"]) for entry in entries]},
             {"name": _("%(axis)s: the middle of the answers", axis=axes["y"]), "color": ACCENT_2, "dashed": True,
              "values": [_shown(entry, lambda r: r["median"]["y"]) for entry in entries]}],
            0, 100, ticks=(0, 25, 50, 75, 100))
    return one


def short_day(held_on: str) -> str:
    """'2025-03-03' as the page's language writes a day briefly: 'Mar 3, 2025', '3 mar 2025' (Babel's, CLDR's)."""
    try:
        day = datetime.date.fromisoformat(held_on)
    except (TypeError, ValueError):
        return str(held_on)
    return format_date(day, format="medium", locale=export.language())


def _options_across_languages(entries: list):
    """The options of an item asked in meetings held in different languages, one row each by position; else None.

    The decks written in another language keep each item's id and its options in the same order
    (prompts/README.md), so "Cansado" and "Tired" are one row, named as the page's language names
    it (else as the latest meeting did). Only where each language asked the item with one list of
    options, all of the same length: options reworded within one language stay rows of their own.
    """
    languages = {}
    for entry in entries:
        languages.setdefault(entry["meeting"].get("language"), set()).add(tuple(entry["item"].get("options") or ()))
    lists = {options for asked in languages.values() for options in asked}
    if len(languages) < 2 or any(len(asked) > 1 for asked in languages.values()) or len({len(o) for o in lists}) != 1:
        return None
    return list(_in_the_pages_language(entries)["item"].get("options") or ())


def _in_the_pages_language(entries: list) -> dict:
    """The latest entry from a meeting held in the page's language, else the latest entry."""
    return next((entry for entry in reversed(entries) if entry["meeting"].get("language") == export.language()),
                entries[-1])


def _shown(entry: dict, pick):
    """A number from a result above the floor, else None (a gap in the line)."""
    result = entry["item"]["result"]
    return pick(result) if entry["item"]["status"] != NOT_SHOWN and result.get("shown") else None


def _ticks(low: int, high: int) -> tuple:
    """A handful of whole-number gridlines from low to high."""
    step = max(1, round((high - low) / 4))
    ticks = list(range(low, high + 1, step))
    if ticks[-1] != high:
        ticks.append(high)
    return tuple(ticks)


def line_chart(labels: list, lines: list, low: float, high: float, ticks=()) -> Markup:
    """Values per meeting as lines: x = meetings in order, y = low..high. None leaves a gap (below the floor)."""
    width, height = 640, 230
    left, right, top, bottom = 44, 40, 14, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(labels)
    span = (high - low) or 1

    def px(index):
        return left + (plot_w / 2 if n == 1 else index * plot_w / (n - 1))

    def py(value):
        return top + plot_h - (value - low) / span * plot_h

    parts = []
    for tick in ticks:
        y = py(tick)
        parts.append(f'<line x1="{left}" y1="{svg_number(y)}" x2="{width - right}" y2="{svg_number(y)}" stroke="#e4ddd2" '
                     'stroke-width="1"/>')
        parts.append(svg_text(left - 8, y + 4, str(tick), 11, "end", fill=MUTED))
    every = max(1, -(-n // 7))  # at most about seven day labels ("Mar 3, 2025"), the last always
    named = set(range(0, n, every))
    if n and n - 1 not in named:
        named = {index for index in named if index <= n - 1 - every} | {n - 1}
    for index, label in enumerate(labels):
        x = px(index)
        parts.append(f'<line x1="{svg_number(x)}" y1="{top + plot_h}" x2="{svg_number(x)}" y2="{top + plot_h + 4}" '
                     f'stroke="{MUTED}" stroke-width="1"/>')
        if index in named:
            parts.append(svg_text(x, top + plot_h + 18, label, 11, fill=MUTED))
    for line in lines:
        segments, current = [], []
        for index, value in enumerate(line["values"]):
            if value is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append((px(index), py(value)))
        if current:
            segments.append(current)
        dash = ' stroke-dasharray="6 4"' if line.get("dashed") else ""
        for segment in segments:
            if len(segment) > 1:
                d = " ".join(("M" if i == 0 else "L") + f"{svg_number(x)} {svg_number(y)}" for i, (x, y) in enumerate(segment))
                parts.append(f'<path d="{d}" fill="none" stroke="{line["color"]}" stroke-width="2.5"{dash}/>')
        for index, value in enumerate(line["values"]):
            if value is None:
                continue
            x, y = px(index), py(value)
            parts.append(f'<circle cx="{svg_number(x)}" cy="{svg_number(y)}" r="4" fill="{line["color"]}" stroke="#fff" '
                         'stroke-width="1.5"/>')
    not_shown = _("not shown")
    for index, label in enumerate(labels):
        if all(line["values"][index] is None for line in lines):
            parts.append(svg_text(px(index), top + plot_h - 6, not_shown, 9, fill=MUTED))
    # The legend, along the bottom.
    x = left
    for line in lines:
        dash = ' stroke-dasharray="6 4"' if line.get("dashed") else ""
        parts.append(f'<line x1="{x}" y1="{height - 8}" x2="{x + 22}" y2="{height - 8}" stroke="{line["color"]}" '
                     f'stroke-width="2.5"{dash}/>')
        parts.append(svg_text(x + 28, height - 4, line["name"], 11, "start", fill=INK))
        x += 40 + 7 * len(line["name"])
    # A day may hold commas ("Mar 3, 2025"): a colon after it, a semicolon between days, a full stop between lines.
    description = ". ".join(
        f"{line['name']}: " + "; ".join(f"{label}: {not_shown if v is None else export.number(v)}"
                                        for label, v in zip(labels, line["values"]))
        for line in lines)
    return Markup(f'<svg class="chart line-chart" viewBox="0 0 {width} {height}" role="img" '
                  f'aria-label="{escape(description)}">{"".join(parts)}</svg>')


def mini_histogram(counts: list) -> Markup:
    """A small column chart of a scale's counts, for a table cell."""
    most = max([1, *counts])
    col = 100 / max(1, len(counts))
    rects = "".join(
        f'<rect x="{svg_number(i * col + col * 0.12)}" y="{svg_number(30 - c / most * 28)}" width="{svg_number(col * 0.76)}" '
        f'height="{svg_number(max(0.8, c / most * 28))}" fill="{ACCENT if c else "#d9d0c4"}"/>'
        for i, c in enumerate(counts))
    return Markup(f'<svg class="mini-histogram" viewBox="0 0 100 30" preserveAspectRatio="none" aria-hidden="true" '
                  f'focusable="false">{rects}</svg>')


def percent(share: int) -> str:
    """A share of the room (50 for 50%) as the page's language writes it: '50%', '50 %'."""
    return format_percent(share / 100, locale=export.language())


def to_html(history: dict, url) -> str:
    """The history page, in the language it was built in. url(name, meeting_id=None) gives its links:
    "console", "summary", or a format."""
    template = export.environment().get_template("facilitator/history.html")
    with export.speaking(history.get("language")):
        return template.render(h=history, url=url, mini_histogram=mini_histogram, percent_from=PERCENT_FROM,
                               percent=percent, stylesheets=(export.STYLESHEET_URL, "/f/static/history.css"))
