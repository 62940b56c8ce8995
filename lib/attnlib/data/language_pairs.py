"""Synthetic language pairs for sequence-to-sequence translation: dates and number words.

Both are made by code from a seed, so they are identical on every machine and need no download.
The source side has many surface forms; the target side is one canonical form, so a model must
learn to *reorder* (dates) or *compose* (number words) — which is what cross-attention shows.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

MONTHS = [dt.date(2000, m, 1).strftime("%B").lower() for m in range(1, 13)]
WEEKDAYS = [dt.date(2001, 1, d).strftime("%A").lower() for d in range(1, 8)]
DATE_FORMATS = (
    "{d} {month} {y}",  # 5 march 1994
    "{month} {d}, {y}",  # march 5, 1994
    "{mon} {d} {y}",  # mar 5 1994
    "{weekday}, {d} {month} {y}",  # saturday, 5 march 1994
    "{d}.{m}.{y}",  # 5.3.1994 (day first, as in most of Europe)
    "{y} {month} {dd}",  # 1994 march 05
)


def format_date(date: dt.date, fmt: str) -> str:
    """Write ``date`` in one of :data:`DATE_FORMATS` (lower case, English names)."""
    month = MONTHS[date.month - 1]
    return fmt.format(
        d=date.day,
        dd=f"{date.day:02d}",
        m=date.month,
        y=date.year,
        month=month,
        mon=month[:3],
        weekday=WEEKDAYS[date.weekday()],
    )


def date_pairs(n: int, seed: int = 0, start: int = 1900, stop: int = 2100) -> list[tuple[str, str]]:
    """``n`` (human-readable date, ISO date) pairs, e.g. ``("march 5, 1994", "1994-03-05")``.

    Dates are drawn uniformly from the years [start, stop); the format uniformly from
    :data:`DATE_FORMATS`.
    """
    rng = np.random.default_rng(seed)
    first, last = dt.date(start, 1, 1).toordinal(), dt.date(stop, 1, 1).toordinal()
    days = rng.integers(first, last, size=n)
    fmts = rng.integers(0, len(DATE_FORMATS), size=n)
    pairs = []
    for day, f in zip(days, fmts):
        date = dt.date.fromordinal(int(day))
        pairs.append((format_date(date, DATE_FORMATS[f]), date.isoformat()))
    return pairs


_ONES = "zero one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_to_words(x: int) -> str:
    """English words for 0 <= x < 1,000,000, e.g. 342 -> ``"three hundred forty two"``."""
    if not 0 <= x < 1_000_000:
        raise ValueError(f"number_to_words handles 0 <= x < 1000000, got {x}")
    if x < 10:
        return _ONES[x]
    if x < 20:
        return _TEENS[x - 10]
    if x < 100:
        return _TENS[x // 10] + ("" if x % 10 == 0 else " " + _ONES[x % 10])
    if x < 1000:
        rest = "" if x % 100 == 0 else " " + number_to_words(x % 100)
        return _ONES[x // 100] + " hundred" + rest
    rest = "" if x % 1000 == 0 else " " + number_to_words(x % 1000)
    return number_to_words(x // 1000) + " thousand" + rest


def number_pairs(n: int, seed: int = 0, high: int = 10_000) -> list[tuple[str, str]]:
    """``n`` (number in words, digits) pairs for integers in [0, high), e.g. ("forty two", "42")."""
    rng = np.random.default_rng(seed)
    return [(number_to_words(int(x)), str(int(x))) for x in rng.integers(0, high, size=n)]
