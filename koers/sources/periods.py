"""Periods as Koers stores and prints them: `2024`, `2024-Q1`, `2024-01`.

CBS codes them as `2024JJ00` (year), `2024KW01` (quarter) and `2024MM01` (month); StatLine's CSV
download prints plain titles (`2024`, `2024 1e kwartaal`, `2024 januari`) and marks provisional
figures with `*` (`2024*`, and `2024**` for "nader voorlopig").
"""

from __future__ import annotations

import re

_CBS_CODE = re.compile(r"^(\d{4})(JJ|KW|MM|X0)(\d{2})$")
_PLAIN = re.compile(r"^(\d{4})(?:[-/ ]?(?:Q|K|KW)([1-4])|-(\d{2}))?$", re.IGNORECASE)
_DUTCH_QUARTER = re.compile(r"^(\d{4}) ([1-4])e kwartaal$", re.IGNORECASE)
_MONTHS_NL = [
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
]
_DUTCH_MONTH = re.compile(r"^(\d{4}) (" + "|".join(_MONTHS_NL) + r")$", re.IGNORECASE)


def parse_period(text: object) -> tuple[str, bool] | None:
    """Return (canonical period, provisional) or None when `text` is not a period.

    >>> parse_period("2024KW01")
    ('2024-Q1', False)
    >>> parse_period("2023*")
    ('2023', True)
    """
    if text is None:
        return None
    raw = str(text).strip()
    provisional = raw.endswith("*")
    raw = raw.rstrip("*").strip()
    if m := _CBS_CODE.match(raw):
        year, kind, number = m.group(1), m.group(2), int(m.group(3))
        if kind == "JJ" and number == 0:
            return year, provisional
        if kind == "KW" and 1 <= number <= 4:
            return f"{year}-Q{number}", provisional
        if kind == "MM" and 1 <= number <= 12:
            return f"{year}-{number:02d}", provisional
        return None
    if m := _PLAIN.match(raw):
        year, quarter, month = m.groups()
        if quarter:
            return f"{year}-Q{quarter}", provisional
        if month:
            return (f"{year}-{month}", provisional) if 1 <= int(month) <= 12 else None
        return year, provisional
    if m := _DUTCH_QUARTER.match(raw):
        return f"{m.group(1)}-Q{m.group(2)}", provisional
    if m := _DUTCH_MONTH.match(raw):
        return f"{m.group(1)}-{_MONTHS_NL.index(m.group(2).lower()) + 1:02d}", provisional
    return None
