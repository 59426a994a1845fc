"""How a value is shown: the one owner of every presentation rule.

Pages, downloads, review reports and the command line all call these functions, so a rule
changes in one place: small-number suppression ("afgeschermd (aantal minder dan n)"), status keys in their order with their
symbols and words, outcome and overdue marks, trend arrows, number and date formats per
language, chart colours and separators, and the peer groups a KPI is compared in.

Pure functions of their arguments: no Streamlit, no database, no files (the words come from the
locale catalogue through `koers.i18n`). The dashboard binds the language of the current view in
`koers.dashboard.state`; everything else passes `lang` ("nl" or "en") itself.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from koers import i18n
from koers.errors import KoersError

# Okabe–Ito: distinguishable with every common colour-vision deficiency (the dashboard's charts
# and the report's; the status colours in koers/loop/templates/report.css are the same).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

# The statuses `koers.kpis.assess` computes, in the order of a council review: off-track first.
STATUS_ORDER = ("off_track", "at_risk", "on_track", "too_few_years", "no_target", "no_data")
# A status in a table cell or a document, where no badge fits: a symbol and the word, never a colour alone.
STATUS_SYMBOL = {"on_track": "✔", "at_risk": "⚠", "off_track": "✖", "too_few_years": "…", "no_target": "–", "no_data": "?"}
# A status as a dashboard badge: Material icon and badge colour; the word always goes with it.
STATUS_BADGE = {
    "on_track": (":material/check_circle:", "blue"),
    "at_risk": (":material/warning:", "orange"),
    "off_track": (":material/cancel:", "violet"),
    "too_few_years": (":material/hourglass_empty:", "gray"), "no_target": (":material/remove:", "gray"),
    "no_data": (":material/help:", "gray"),
}
# Whether an expected effect of a review session came about (`koers.loop.review.expected_against_actual`).
OUTCOME_SYMBOL = {"met": "✔", "not_met": "✖", "unknown": "?"}
# An open action past its due date, the one definition of its mark. No emoji (U+23F0, U+231B): without an
# emoji font — a server or workstation with only fonts-dejavu-core — they come out as empty boxes.
# In Streamlit markdown (headings, alerts, labels): a Material Symbols icon, which Streamlit ships.
OVERDUE_SYMBOL = ":material/alarm:"
# As plain text, where markdown is not rendered (table cells) and in the PDF/HTML report: a clock
# face (U+25F7) that DejaVu Sans has in every style, with no emoji presentation.
OVERDUE_MARK = "◷"
TREND_ARROW = {"up": "↗", "down": "↘", "flat": "→"}
# The marks a KPI value may carry, in the order the dashboard lists them.
FLAGS = ("provisional", "harmonised", "example", "suppressed")
# Where invented figures come in, apart (`koers.kpis.assess.kpi_overview`): `example` is any of them.
EXAMPLE_FLAGS = ("example_value", "example_target", "example_inputs")

# How a municipality's peers are chosen (`koers.kpis.assess.peer_group`). "custom" takes a list
# of municipalities, which only the command line asks for (`--peers-list`).
PEER_KINDS = ("size", "province", "urbanity", "custom", "nearest", "labour_market", "ggd", "corop")
# The peer kinds that are a region a municipality belongs to, by the division's code in the
# store's `region_membership` (CBS "Gebieden in Nederland"); "province" takes "PV" when present.
MEMBERSHIP_DIVISIONS = {"labour_market": "AM", "ggd": "GG", "corop": "CR", "province": "PV"}
KIND_ORDER = ("outcome", "output", "input", "context")  # what a council steers on first


def _missing(value: object) -> bool:
    """None, NaN, pd.NA or NaT (frames and snapshot rows mix them)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or another container: present
        return False


# --- numbers ------------------------------------------------------------------------------------


def number(value: float | None, lang: str, decimals: int | None = None) -> str:
    """1234.5 -> "1.234,5" in Dutch, "1,234.5" in English; missing -> "–".

    Without `decimals`: none from 1000 up or for a whole number, one from 10 up, else two."""
    if _missing(value):
        return "–"
    if decimals is None:
        size = abs(value)
        decimals = 0 if size >= 1000 or float(value).is_integer() else 1 if size >= 10 else 2
    formatted = f"{value:,.{decimals}f}"
    if lang == "nl":
        formatted = formatted.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return formatted


def unit_text(unit: object, lang: str) -> str:
    """A KPI's unit in `lang`: a `metrics.model.Unit` carries both languages ("per 1.000 woningen" /
    "per 1,000 dwellings"); plain text — an indicator's unit, a row's `unit` — is shown as it is.
    Missing -> ""."""
    if _missing(unit):
        return ""
    return str(getattr(unit, lang, unit)) if lang in ("nl", "en") else str(unit)


def unit_of(row: Mapping[str, Any] | pd.Series, lang: str) -> str:
    """A row's unit (`unit`, Dutch, and `unit_en` where the row has it, as `kpi_overview`'s) in `lang`."""
    english = row.get("unit_en") if lang == "en" else None
    return unit_text(row.get("unit") if _missing(english) else english, lang)


def indicator_unit(unit: object, lang: str) -> str:
    """An indicator's unit (Dutch, as the catalogue and the sources write it: "aantal", "per 1.000
    inwoners") in `lang` by the catalogue's `indicator_units`; one it does not list — an own file's
    unit — as written. Missing -> ""."""
    if _missing(unit):
        return ""
    key = f"indicator_units.{unit}"
    found = i18n.text(lang, key)
    return str(unit) if found == key else found


def frozen_unit(unit: object, kpi: Any, lang: str) -> str:
    """A unit as a frozen row holds it (a review snapshot's `unit`: the Dutch text of its day) in
    `lang`: the library KPI's own translation while its Dutch unit is still that text; else — the
    KPI gone or its unit since changed — the text as frozen. Missing -> ""."""
    if _missing(unit):
        return ""
    own = getattr(kpi, "unit", None)
    return unit_text(own, lang) if own is not None and str(own) == str(unit) else str(unit)


def with_unit(text: str, unit: object, lang: str) -> str:
    """A formatted number and its unit as the language writes money: "€ 416 per inwoner" in Dutch,
    "€416 per resident" in English (the sign before the symbol: "-€5"); any other unit follows the
    number ("12,5 per 1.000 woningen"). `unit` a `Unit` or text; none -> the number alone."""
    shown_unit = unit_text(unit, lang).strip()
    if not shown_unit:
        return text
    if not shown_unit.startswith("€") or not text or text == "–":
        return f"{text} {shown_unit}"
    rest = shown_unit[1:].strip()
    sign, digits = (text[0], text[1:]) if text[0] in "+-\u2212" else ("", text)
    money = f"{sign}€{digits}" if lang == "en" else f"{sign}€ {digits}"
    return f"{money} {rest}" if rest else money


def signed(value: float | None, lang: str) -> str:
    """A change: "+1,5", "-0,25", "0"; missing -> "–"."""
    if _missing(value):
        return "–"
    return ("+" if float(value) > 0 else "") + number(float(value), lang)


# A number as a person types it. Dutch: decimal comma, dots between groups of three ("1.234,5");
# English the other way round ("1,234.5"). Anything else is refused, never guessed.
_TYPED = {
    "nl": re.compile(r"[+-]?(?P<whole>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<part>\d+))?"),
    "en": re.compile(r"[+-]?(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<part>\d+))?"),
}
# One group mark and no decimal mark ("1.234" in Dutch, "1,234" in English): a thousand to one
# reader, a decimal number (1,234) to another who types as in the other language.
_ONE_GROUP = {"nl": re.compile(r"[+-]?\d{1,3}\.\d{3}"), "en": re.compile(r"[+-]?\d{1,3},\d{3}")}
_EXAMPLE = {"nl": "27,5", "en": "27.5"}


def parse_number(text: object, lang: str, field: str, unit: str | None = None) -> float | None:
    """A number typed in `lang`: "27,5" and "1.234,5" in Dutch, "27.5" and "1,234.5" in English;
    empty -> None. Ambiguous ("1.234" in Dutch) or impossible input ("27.5" in Dutch, "12a") is
    refused with a one-line `KoersError` naming `field` (the field's label) and what to write; with
    a `unit`, so is a value the unit does not allow (`check_range`)."""
    typed = "" if _missing(text) else str(text).strip().replace(" ", "").replace("\u2212", "-")  # "−": a typographic minus
    if not typed:
        return None
    grouping, decimal = (".", ",") if lang == "nl" else (",", ".")
    if _ONE_GROUP[lang].fullmatch(typed):
        raise KoersError("numbers.ambiguous", field=field, text=typed, example=_EXAMPLE[lang],
                         whole=typed.replace(grouping, ""))
    found = _TYPED[lang].fullmatch(typed)
    if not found:
        raise KoersError("numbers.invalid", field=field, text=typed, example=_EXAMPLE[lang])
    value = float(typed.replace(grouping, "").replace(decimal, "."))
    if not math.isfinite(value):
        raise KoersError("numbers.not_finite", field=field, text=typed if len(typed) <= 20 else typed[:20] + "…")
    if unit is not None:
        check_range(value, unit, lang, field)
    return value


def number_for_input(value: float | None, lang: str) -> str:
    """A stored number in an input field, as `parse_number` reads it back: full precision, no
    grouping, the language's decimal mark (27.5 -> "27,5" in Dutch); missing -> ""."""
    if _missing(value):
        return ""
    text = format(float(value), ".15g")
    if "e" in text:
        text = repr(float(value))
    return text.replace(".", ",") if lang == "nl" else text


# The values a unit allows (low, high; None: no bound), read from a KPI's unit text in either
# language: a share in per cent 0–100 ("% t.o.v. vorig jaar" / "% change on the previous year" is a
# change: any value), a mark "(1-10)" its scale, a count or rate ("per 1.000 inwoners" / "per 1,000
# residents", "aantal" / "number", "fte", "kg") never negative; money and the rest unbounded. The KPI
# model has no range of its own; these units cover the library. A `Unit` is read in Dutch.
_SCALE = re.compile(r"\((\d+)\s*[-–]\s*(\d+)\)")
_COUNT = re.compile(r"(^|\s)(per|aantal|number|fte|kg)(\s|$)", re.IGNORECASE)
_CHANGE = re.compile(r"t\.o\.v\.|\bchange\b|\bcompared\b", re.IGNORECASE)


def unit_range(unit: str) -> tuple[float | None, float | None]:
    text = (unit or "").strip()
    if text.startswith("%"):
        return (None, None) if _CHANGE.search(text) else (0.0, 100.0)
    scale = _SCALE.search(text)
    if scale:
        return float(scale.group(1)), float(scale.group(2))
    if _COUNT.search(text):
        return 0.0, None
    return None, None


def check_range(value: float, unit: str, lang: str, field: str) -> None:
    """Refuse a value the unit does not allow (see `unit_range`), in one line naming `field`."""
    low, high = unit_range(unit)
    if (low is not None and value < low) or (high is not None and value > high):
        shown_unit = unit_text(unit, lang)  # named in the reader's language
        if high is None:
            raise KoersError("numbers.negative", field=field, value=number_for_input(value, lang), unit=shown_unit)
        raise KoersError("numbers.out_of_range", field=field, value=number_for_input(value, lang), unit=shown_unit,
                         low=number(low, lang), high=number(high, lang))


def plotly_separators(lang: str) -> str:
    """Plotly's `separators` (decimal, then thousands): 1.234,5 in Dutch, 1,234.5 in English."""
    return ",." if lang == "nl" else ".,"


def csv_format(lang: str) -> tuple[str, str]:
    """(field separator, decimal mark) of a CSV download: what Excel expects in that language."""
    return (";", ",") if lang == "nl" else (",", ".")


# --- small numbers ------------------------------------------------------------------------------


def masked(suppressed: object, threshold: object) -> bool:
    """Whether a value is withheld: it rests on a count below the KPI's privacy threshold n.
    Without a threshold (missing or 0) nothing is withheld, whatever the flag says."""
    return bool(not _missing(suppressed) and suppressed) and has_threshold(threshold)


def has_threshold(threshold: object) -> bool:
    return not _missing(threshold) and float(threshold) > 0


def marker(threshold: float, lang: str, count: bool = False) -> str:
    """The text a withheld value is shown as, saying that it is withheld and why, never what it is:
    for a rate or share (the value rests on a count below n) "afgeschermd (aantal minder dan 10)";
    for a count itself (`count`) "afgeschermd: minder dan 10". ("< 10" read as "the rate is below
    10".) n in the language's format."""
    return i18n.text(lang, "values.withheld_count" if count else "values.withheld", n=number(threshold, lang))


def shown(value: float | None, suppressed: object, threshold: object, lang: str, decimals: int | None = None,
          unit: str | None = None, missing: str = "–", count: bool = False) -> str:
    """A KPI value as every page and report shows it: withheld in words (`marker`; the value itself
    never leaves the metric layer then, and no unit follows: there is no number), `missing` when
    there is none, else the number in the language's format, followed by `unit` when given."""
    if masked(suppressed, threshold):
        return marker(threshold, lang, count)
    if _missing(value):
        return missing
    return with_unit(number(float(value), lang, decimals), unit, lang)


def provisional_mark(text: str, provisional: object, lang: str) -> str:
    """A shown value with CBS's provisional mark: "12,3 (voorlopig)" / "12.3 (provisional)". A
    provisional figure is never shown as definitive; an empty text (no value) gets no mark."""
    if not text or _missing(provisional) or not bool(provisional):
        return text
    return f"{text} ({i18n.text(lang, 'flags.provisional')})"


def export_column(values: pd.Series, suppressed: pd.Series, threshold: object, lang: str, for_csv: bool) -> pd.Series:
    """The value column of a download: numbers stay numbers, a withheld value is an empty cell (the
    file's `suppressed` column says why; no text stands where a number is read, none is a fake
    number).

    Such a column is text to pandas, which writes its numbers with a dot whatever the CSV's
    decimal mark; for a Dutch CSV the numbers are written here with a decimal comma (no grouping,
    full precision, as the rest of the file). In Excel a number stays a number cell.
    """
    comma = csv_format(lang)[1] == ","

    def one(value: object, hidden: object) -> object:
        if masked(hidden, threshold) or _missing(value):
            return None
        if for_csv:
            return repr(float(value)).replace(".", ",") if comma else repr(float(value))
        return float(value)

    return pd.Series([one(v, s) for v, s in zip(values, suppressed)], index=values.index, dtype=object)


def masked_column(texts: pd.Series, suppressed: Iterable[object], thresholds: Iterable[object],
                  lang: str | None = None, count: bool = False) -> pd.Series:
    """A frame's value column as text, withheld values (the rule of `masked`, row by row) replaced:
    in a file (`lang` None) by an empty cell — the file carries a `suppressed` column — and for
    reading (`lang`) by `marker`'s words. `suppressed` and `thresholds` go with `texts` by position."""
    flags = np.array([not _missing(flag) and bool(flag) for flag in suppressed], dtype=bool)
    limits = pd.to_numeric(pd.Series(list(thresholds), dtype=object), errors="coerce").to_numpy(dtype=float)
    hide = flags & (limits > 0)  # a missing threshold (NaN) is never > 0
    out = texts.astype(object).copy()
    out.iloc[np.flatnonzero(hide)] = [marker(limit, lang, count) if lang else "" for limit in limits[hide]]
    return out


def small_counts(values: pd.Series, thresholds: pd.Series) -> pd.Series:
    """Which counts are below their privacy threshold (a count a KPI rests on is as sensitive
    on its own). A count without a threshold is never small: a negative value stays visible."""
    limit = pd.to_numeric(thresholds, errors="coerce")
    return (values.notna() & limit.notna() & (limit > 0) & (values < limit)).fillna(False).astype(bool)


# --- statuses, trends, outcomes -----------------------------------------------------------------


def status_rank(status: object) -> int:
    """The place of a status in `STATUS_ORDER`; anything else after all of them."""
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)


def status_word(status: str, lang: str, example_target: bool = False) -> str:
    """"off_track" -> "uit koers"; measured against an invented example target (the demo's):
    "uit koers (voorbeelddoel)"."""
    word = i18n.text(lang, f"status.{status}")
    if example_target and status in ("on_track", "at_risk", "off_track"):
        return f"{word} {i18n.text(lang, 'overview.example_target_mark')}"
    return word


def status_text(status: str, lang: str, example_target: bool = False) -> str:
    """"off_track" -> "✖ uit koers" (with `example_target`: "✖ uit koers (voorbeelddoel)")."""
    return f"{STATUS_SYMBOL.get(status, '?')} {status_word(status, lang, example_target)}"


def expected_text(expected: object, error: object, lang: str, decimals: int = 1) -> str:
    """"verwacht 15,3 ± 2,1 (gemiddelde afwijking)"; "" without an expected value."""
    if _missing(expected):
        return ""
    return i18n.text(lang, "overview.expected_with_error", expected=number(float(expected), lang, decimals),
                     error=number(float(error), lang, decimals) if not _missing(error) else "?")


def status_counts(statuses: Iterable[object]) -> dict[str, int]:
    """How many of each status (every key present); anything unknown counts as "no_data"."""
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for status in statuses:
        counts[status if status in counts else "no_data"] += 1
    return counts


def counts_text(statuses: Iterable[object], lang: str) -> str:
    """"3 op koers · 1 risico · 2 uit koers · 4 zonder doel" for a set of KPIs' statuses."""
    return i18n.text(lang, "overview.counts", **status_counts(statuses))


def trend_text(direction: object, lang: str, missing: str = "") -> str:
    """"up" -> "↗ stijgend"; no known direction -> `missing`."""
    if not isinstance(direction, str) or direction not in TREND_ARROW:
        return missing
    return f"{TREND_ARROW[direction]} {i18n.text(lang, f'trend.{direction}')}"


def outcome_text(outcome: str, lang: str) -> str:
    """"met" -> "✔ gehaald": whether an expected effect came about."""
    return f"{OUTCOME_SYMBOL[outcome]} {i18n.text(lang, f'review_page.outcomes.{outcome}')}"


def overdue_text(lang: str) -> str:
    """The mark of an open action past its due date as plain text (a table cell): "◷ verlopen"."""
    return f"{OVERDUE_MARK} {i18n.text(lang, 'learning_page.overdue')}"


def flag_notes(row: Mapping[str, Any] | pd.Series, lang: str) -> list[str]:
    """The marks set on a KPI value, in words ("voorlopig", "voorbeelddata (fictief)", ...). A row of
    `kpi_overview` says apart what is invented (`EXAMPLE_FLAGS`: the value, the target, the inputs);
    a row without them (a frozen snapshot) has the one `example`."""
    separate = any(flag in row for flag in EXAMPLE_FLAGS)
    flags = [f for f in FLAGS if f != "example"] + list(EXAMPLE_FLAGS) if separate else FLAGS
    return [i18n.text(lang, f"flags.{flag}") for flag in flags if not _missing(row.get(flag)) and bool(row.get(flag))]


# --- names and order ----------------------------------------------------------------------------


def title_of(row: Mapping[str, Any] | pd.Series, lang: str) -> str:
    """A snapshot row's KPI title (`title_nl` / `title_en`) in `lang`."""
    return row["title_en"] if lang == "en" else row["title_nl"]


def theme_label(theme: int, lang: str) -> str:
    """3 -> "3. Open en transparant in de participatiesamenleving"."""
    return f"{int(theme)}. {i18n.text(lang, f'themes.{int(theme)}')}"


def kpi_order(kpis: Mapping[str, Any], lang: str) -> list[str]:
    """KPI ids in the library's reading order: theme, kind, title (`kpis` as `Library.kpis`)."""
    return sorted(kpis, key=lambda k: (kpis[k].theme, kpis[k].kind, getattr(kpis[k].title, lang)))


def kpi_label(kpi: Any, lang: str) -> str:
    """A KPI (as in `Library.kpis`) in a picker: "Bevolkingsgroei (Outcome)"."""
    return f"{getattr(kpi.title, lang)} ({i18n.text(lang, 'kinds.' + kpi.kind)})"


def kpi_labels(kpis: Mapping[str, Any], lang: str) -> dict[str, str]:
    """KPI id -> label, in the library's reading order."""
    return {k: kpi_label(kpis[k], lang) for k in kpi_order(kpis, lang)}


# --- text people wrote -------------------------------------------------------------------------

# Every ASCII punctuation character: Markdown may give each a meaning, and each may be backslash-escaped.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# What GitHub-flavoured Markdown turns into a link even when every character is escaped: the
# renderer looks for "http://", "www." and e-mail addresses in the text after unescaping.
_WWW = re.compile(r"(?i)\b(www)\.")
WORD_JOINER = "\u2060"  # invisible, and breaks nothing a reader sees


def plain(text: object) -> str:
    """Text a person wrote (an annotation, an action, a session title, a KPI's description or unit
    from an own YAML file) for an element that renders Markdown — `st.markdown`, a caption, a
    heading, a warning, a widget's label: it shows exactly as typed. Nothing in it fetches an image,
    makes a link, or is HTML, LaTeX or a Streamlit directive (`:red[...]`): every punctuation
    character is escaped, and an invisible word joiner splits "://", "www." and "@" so that no
    address is turned into a link. Missing -> ""."""
    if _missing(text):
        return ""
    unlinked = _WWW.sub(rf"\1{WORD_JOINER}.", str(text).replace("://", f":{WORD_JOINER}//").replace("@", f"@{WORD_JOINER}"))
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", unlinked)


def plain_html(text: object) -> str:
    """Text a person wrote for a chart's hover or label: Plotly reads tags there (`<a href>` among
    them), so "<", ">" and "&" go in as entities and show as typed. Missing -> ""."""
    return "" if _missing(text) else html.escape(str(text), quote=False)


# --- dates --------------------------------------------------------------------------------------


def date_text(value: object, with_time: bool = False, seconds: bool = False) -> str:
    """A date on screen: 28-11-2026 in both languages (as the date pickers write it), with
    hh:mm(:ss) when asked; missing -> ""."""
    if _missing(value):
        return ""
    clock = " %H:%M:%S" if seconds else " %H:%M" if with_time else ""
    return pd.Timestamp(value).strftime("%d-%m-%Y" + clock)


def document_date(value: object, lang: str, with_time: bool = False) -> str:
    """A date in a report: 28-11-2026 in Dutch, 2026-11-28 in English; with hh:mm when asked;
    missing -> "–"."""
    if _missing(value):
        return "–"
    stamp = pd.Timestamp(value)
    day = stamp.strftime("%d-%m-%Y" if lang == "nl" else "%Y-%m-%d")
    return f"{day} {stamp.strftime('%H:%M')}" if with_time else day



# --- the overview, urgency first -----------------------------------------------------------------


def urgency_order(frame: pd.DataFrame, titles: Mapping[str, str]) -> pd.DataFrame:
    """Rows of `kpi_overview` (kpi_id, theme, kind, status, ...) in the order of a Monday review:
    theme, then kind (`KIND_ORDER`: outcomes first), then status (`STATUS_ORDER`: off track, at
    risk, on track, without target, without data), then title (`titles`: KPI id -> title) so the
    order within a status stays the same from week to week. A fresh 0..n-1 index."""
    kinds = {kind: n for n, kind in enumerate(KIND_ORDER)}
    rows = list(zip(frame["theme"], frame["kind"], frame["status"], frame["kpi_id"]))
    order = sorted(range(len(rows)), key=lambda i: (int(rows[i][0]), kinds.get(rows[i][1], len(kinds)),
                                                     status_rank(rows[i][2]), str(titles.get(rows[i][3], rows[i][3])).casefold()))
    return frame.iloc[order].reset_index(drop=True)


def card_rows(overview: pd.DataFrame, series: Mapping[str, pd.DataFrame], targets: pd.DataFrame,
              polarities: Mapping[str, str], year: int) -> pd.DataFrame:
    """What Overzicht's cards show beyond `overview` (`koers.kpis.assess.kpi_overview`'s rows for
    `year`), computed from what the page has already read — per KPI its `series` (rows by period,
    as `koers.dashboard.reads.series`), the municipality's `targets` (kpi_id, year, value,
    tolerance) and `polarities` (KPI id -> polarity) — so no card asks the store anything. Adds:
        previous   the value in year - 1 (NaN: missing or withheld: the evaluation never carries
                   a withheld value, so no change is computed from a hidden number)
        change     value - previous (NaN without both)
        polarity   higher_is_better | lower_is_better | neither
        tolerance  of the target the status is judged against (kpi_id, target_year; NaN: none)
        next_target, next_target_year   the first target after `year` (NaN: none)"""
    frame = overview.copy()
    before = str(year - 1)
    def value_before(kpi_id: str) -> float:  # on plain arrays: this runs on every page run, per KPI
        rows = series.get(kpi_id)
        if rows is None:
            return np.nan
        found = rows["value"].to_numpy(dtype=float, na_value=np.nan)[rows["period"].to_numpy() == before]
        return float(found[0]) if len(found) else np.nan

    frame["previous"] = [value_before(k) for k in frame["kpi_id"]]
    frame["change"] = pd.to_numeric(frame["value"], errors="coerce") - frame["previous"]
    frame["polarity"] = [polarities.get(k, "neither") for k in frame["kpi_id"]]
    years = targets["year"].astype(int).tolist()
    tolerance = dict(zip(zip(targets["kpi_id"], years), targets["tolerance"].astype(float)))
    frame["tolerance"] = [tolerance.get((k, int(y)), np.nan) if not _missing(y) else np.nan
                          for k, y in zip(frame["kpi_id"], frame["target_year"])]
    later: dict[str, tuple[int, float]] = {}
    for kpi_id, target_year, value in zip(targets["kpi_id"], years, targets["value"].astype(float)):
        if target_year > year and (kpi_id not in later or target_year < later[kpi_id][0]):
            later[kpi_id] = (target_year, value)
    frame["next_target"] = [later[k][1] if k in later else np.nan for k in frame["kpi_id"]]
    frame["next_target_year"] = [float(later[k][0]) if k in later else np.nan for k in frame["kpi_id"]]
    return frame


def open_actions_by_kpi(actions: pd.DataFrame, open_statuses: Iterable[str]) -> dict[str, pd.DataFrame]:
    """Per KPI id the actions in `open_statuses` naming it (an action naming two KPIs is under
    both), in the order of `actions` (the learning loop's: overdue first, then by due date)."""
    open_ = actions[actions["status"].isin([str(s) for s in open_statuses])]
    if open_.empty:
        return {}
    named = open_.explode("kpi_ids")
    return {str(kpi_id): rows.drop(columns="kpi_ids").reset_index(drop=True)
            for kpi_id, rows in named.groupby("kpi_ids", sort=False)}


def urgency_counts_text(statuses: Iterable[object], lang: str) -> str:
    """"2 uit koers · 1 risico · 5 op koers · 3 zonder doel · 0 zonder data": `status_counts` (the
    count the review page shows) in the order of `STATUS_ORDER`, most urgent first, every status named."""
    return i18n.text(lang, "overzicht.counts", **status_counts(statuses))


def change_text(change: object, unit: str, lang: str) -> str | None:
    """A change as a card's delta: "+0,05 rapportcijfer (1-10)", "-12 kg per inwoner", "+€5 per
    resident"; the sign first, as Streamlit reads it for the arrow. None without a change. `unit` as
    it is to be shown (Markdown-safe: `plain` for a KPI's own unit; a `Unit`: in `lang`)."""
    if _missing(change):
        return None
    return with_unit(signed(float(change), lang), unit, lang).strip()


def status_reason(row: Mapping[str, Any] | pd.Series, polarity: str, year: int, lang: str,
                  threshold: object = 0) -> str:
    """The one line that says why a KPI has its status, as `koers.kpis.assess` decided it:

    - a target in the selected year: "Waarde 2024: 7,20 — doel 7,15 (marge 0,21; hoger is beter)";
    - a later target: where the current pace lands, "Projectie 2026: 6,10 — doel 7,15 (...)";
    - no target: "Geen doel vastgesteld", or, when a later target exists but the series is too short
      for a trend, "Doel 2026: 64,8; te weinig jaren voor een projectie";
    - no value: "Geen waarde voor 2024". A withheld value gets no reason ("" — the card says it is
      withheld; a reason must not hint at the number).

    `row`: a row of `card_rows` (status, value, suppressed, target, target_year, projected,
    tolerance, next_target, next_target_year)."""
    if masked(row.get("suppressed"), threshold):
        return ""
    status = row.get("status")
    if status == "no_data" or _missing(row.get("value")):
        return i18n.text(lang, "overzicht.reason.no_data", year=year)
    target, target_year = row.get("target"), row.get("target_year")
    if _missing(target) or _missing(target_year):
        later, later_year = row.get("next_target"), row.get("next_target_year")
        if not _missing(later) and not _missing(later_year):
            return i18n.text(lang, "overzicht.reason.later_target", year=int(later_year), target=number(float(later), lang))
        return i18n.text(lang, "overzicht.reason.no_target")
    words = i18n.text(lang, f"kpi.polarity.{polarity}")
    tolerance = row.get("tolerance")
    detail = (i18n.text(lang, "overzicht.reason.detail_tolerance", tolerance=number(float(tolerance), lang), polarity=words)
              if not _missing(tolerance) and float(tolerance) > 0 else i18n.text(lang, "overzicht.reason.detail", polarity=words))
    if int(target_year) == int(year):
        return i18n.text(lang, "overzicht.reason.own_year", year=year, value=number(float(row["value"]), lang),
                         target=number(float(target), lang), detail=detail)
    projected = row.get("projected")
    if _missing(projected):
        return i18n.text(lang, "overzicht.reason.no_projection", year=int(target_year), target=number(float(target), lang),
                         detail=detail)
    return i18n.text(lang, "overzicht.reason.projected", year=int(target_year), projected=number(float(projected), lang),
                     target=number(float(target), lang), detail=detail)


def action_line(title: str, due_date: object, overdue: object, lang: str, markdown: bool = True) -> str:
    """An open action under its KPI: "Jongerenloket — einddatum 05-04-2027"; past its due date
    with the overdue mark and word: ":material/alarm: Versnellingsteam — einddatum 06-11-2026
    (verlopen)" for Streamlit markdown, "◷ ..." as plain text (`markdown` False: a table cell).
    `title` as it is to be shown (`plain` for markdown)."""
    if _missing(due_date):
        return i18n.text(lang, "overzicht.action_no_date", title=title)
    line = i18n.text(lang, "overzicht.action", title=title, due=date_text(due_date))
    late = not _missing(overdue) and bool(overdue)
    mark = OVERDUE_SYMBOL if markdown else OVERDUE_MARK
    return f"{mark} {line} ({i18n.text(lang, 'learning_page.overdue')})" if late else line
