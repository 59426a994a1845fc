"""Shared drawing for the dashboard pages: status badges, charts with their data one click away,
downloads, provenance and flag notes, and the presentation rules of `koers.present` bound to the
language of the current view.
"""

from __future__ import annotations

import html
import json
import math
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from koers import exports, present
from koers.dashboard.reads import imports
from koers.access import ROLE_NAMES, AccessDenied, Permission, Role
from koers.dashboard.view import actor, language, t

if TYPE_CHECKING:  # the pages that draw a chart bring plotly; the Overzicht draws none
    import plotly.graph_objects as go

PALETTE = present.PALETTE


def _lang() -> str:
    return language()


# --- the presentation rules in this view's language ---------------------------------------------


def shown(value: float | None, suppressed: object, threshold: object, decimals: int | None = None,
          unit: str | None = None, count: bool = False, provisional: object = False) -> str:
    """A KPI value: withheld in words when withheld, "–" when missing (see `koers.present.shown`),
    marked "(voorlopig)" when CBS's figure is provisional (`present.provisional_mark`)."""
    text = present.shown(value, suppressed, threshold, _lang(), decimals, unit, count=count)
    has_value = value is not None and not pd.isna(value) and not present.masked(suppressed, threshold)
    return present.provisional_mark(text, provisional, _lang()) if has_value else text


def status_text(status: str) -> str:
    """"off_track" -> "✖ uit koers"."""
    return present.status_text(status, _lang())


def trend_text(direction: object) -> str:
    """"up" -> "↗ stijgend"; none -> ""."""
    return present.trend_text(direction, _lang())


def overdue_text() -> str:
    """The mark of an open action past its due date, for a table cell: "◷ verlopen"."""
    return present.overdue_text(_lang())


def flag_notes(row: pd.Series | dict) -> list[str]:
    return present.flag_notes(row, _lang())


def headings(prefix: str) -> Callable[[str], str]:
    """The column headings of a page's tables: `headings("review_page.columns")("kpi")` -> "KPI"."""
    return lambda name: t(f"{prefix}.{name}")


def provenance(sources: str) -> str:
    """"03759ned,84799NED" -> each source with its licence and the date of its last import."""
    log_frame = imports()
    parts = []
    for source in filter(None, (sources or "").split(",")):
        rows = log_frame[(log_frame["source_table"] == source) & log_frame["finished"].notna()]
        if rows.empty:
            parts.append(source)
            continue
        last = rows.iloc[-1]
        licence = last.get("licence") if isinstance(last.get("licence"), str) and last.get("licence") else "–"
        parts.append(f"{source}: {licence}, {present.date_text(last['finished'])}")
    return "; ".join(parts) or "–"


# --- drawing ------------------------------------------------------------------------------------


def status_markdown(status: str, example_target: bool = False, reason: str = "") -> str:
    """The status as a coloured badge with its word; "(voorbeelddoel)" for an invented target after
    the badge, as text: a badge does not wrap, and with the mark in it it was cut off in a card at 1024 px.
    `reason` (Markdown): the line saying why, beneath it."""
    icon, colour = present.STATUS_BADGE[status]
    word = present.status_word(status, _lang())
    mark = present.status_word(status, _lang(), example_target).removeprefix(word).strip()
    return f":{colour}-badge[{icon} {word}]" + (f" {mark}" if mark else "") + (f"  \n{reason}" if reason else "")


def small_print(lines: list[str]) -> str:
    """Lines of Markdown in small grey print, as `st.caption` shows them, for a part of a larger
    Markdown element (one element instead of a caption of its own)."""
    return "  \n".join(f":small[:gray[{line}]]" for line in lines)


def markdown_table(frame: pd.DataFrame, right: tuple[str, ...] = ()) -> str:
    """A small table as Markdown, for a page that must draw fast: `st.dataframe` makes the browser
    load and start its grid (1.5 MB of script) before anything of the page shows, and redraw a
    canvas on every change. Cells are shown as given, escaped (`present.plain`): a table of what
    people wrote makes no link, image or markup. `right`: columns aligned right (numbers)."""
    def cell(value: object) -> str:
        return present.plain(value).replace("\n", " ")
    head = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---:" if c in right else "---" for c in frame.columns) + " |"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def status_badge(status: str, example_target: bool = False) -> None:
    st.markdown(status_markdown(status, example_target))


def _numbers(values: object) -> bool:
    """Whether a trace's array holds at least one finite number (category labels do not count)."""
    if values is None or isinstance(values, (str, bytes, dict)):
        return False
    try:
        items = list(values)
    except TypeError:
        return False
    for item in items:
        if isinstance(item, (list, tuple)):  # a 2-D z
            if _numbers(item):
                return True
        elif isinstance(item, (int, float)) and not isinstance(item, bool) and math.isfinite(item):
            return True
    return False


def has_data(figure: go.Figure) -> bool:
    """Whether any trace has a number to draw (in x, y or z). A figure of only empty or all-missing
    traces would draw empty axes (and Vega-Lite/plotly warnings about infinite extents)."""
    return any(_numbers(getattr(trace, name, None)) for trace in figure.data for name in ("x", "y", "z"))


def no_data() -> None:
    """The words that stand in for a chart without data."""
    st.info(t("charts.no_data"), icon=":material/bar_chart_off:")


def wrapped(text: str, width: int) -> str:
    """A chart text (title, legend entry) over lines of at most `width` characters, so that it is not
    cut at the chart's edge on a narrow screen; a word longer than the width is broken. Plotly reads
    tags in a text, so the words go in as text (`present.plain_html`)."""
    return "<br>".join(present.plain_html(line) for line in textwrap.wrap(str(text), width, break_on_hyphens=False)) or ""


def chart_with_table(figure: go.Figure, table: pd.DataFrame, key: str, data: bool | None = None) -> None:
    """A chart, and its data as a table one click away (WCAG: information not only in a picture).
    `data`: whether there is anything to draw (default: a number in some trace, `has_data`);
    without, a notice in words instead of an empty chart."""
    if not (has_data(figure) if data is None else data):
        no_data()
        return
    figure.update_layout(colorway=PALETTE, margin=dict(l=10, r=10, t=30, b=10), font=dict(size=14),
                         separators=present.plotly_separators(_lang()))
    st.plotly_chart(figure, key=key, config={"displaylogo": False})
    with st.expander(t("table.show")):
        st.dataframe(table, hide_index=True, placeholder="–")  # an empty cell: not Streamlit's English "None"


# The card's sparkline as an inline SVG drawn here (viewBox units; stretched to the card's width).
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 100.0, 48.0, 4.0


def sparkline_svg(points: pd.DataFrame, lang: str) -> str:
    """A card's small line as inline SVG: one x position per year of `points`
    (`koers.kpis.cards.sparkline`: period, value; None for a year without a value), a line
    between consecutive known years only — a missing year breaks it — and a dot on every known
    year, so a lone value still shows. Its title (a tooltip, and what a screen reader reads) lists
    every year's value in `lang` ("2022: 7,2; 2023: –"); `data-series` holds them as JSON, unrounded.

    Drawn here rather than by plotly: 28 plotly charts were most of the Overzicht's time in the
    browser (plotly.js loaded, then one layout per card) and a sixth of its script run. Inline,
    through Markdown: the same SVG as an image (`st.html` drops inline SVG) cost the browser four
    times as much per change of municipality; Streamlit's own metric sparkline draws a lone value
    as a speck and logs Vega warnings."""
    periods = [str(p) for p in points["period"]]
    values = [None if v is None or pd.isna(v) else float(v) for v in points["value"]]
    known = [v for v in values if v is not None]
    low, high = min(known), max(known)
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / (len(values) - 1) if len(values) > 1 else 0.0
    x = [SPARK_WIDTH / 2 if len(values) == 1 else SPARK_PAD + i * step for i in range(len(values))]

    def y(value: float) -> float:
        share = 0.5 if high == low else (high - value) / (high - low)  # the highest value at the top
        return SPARK_PAD + share * (SPARK_HEIGHT - 2 * SPARK_PAD)

    line, dots = [], []
    for i, value in enumerate(values):
        if value is None:
            continue
        at = f"{x[i]:.2f} {y(value):.2f}"
        line.append(("L" if i > 0 and values[i - 1] is not None else "M") + at)
        dots.append(f"M{at}h0")
    words = html.escape("; ".join(f"{p}: {present.number(v, lang)}" for p, v in zip(periods, values)))
    series = html.escape(json.dumps(dict(zip(periods, values))))
    # Stretched to the card's width (preserveAspectRatio); strokes and dots keep their size.
    stroke = f'fill-opacity="0" stroke="{PALETTE[0]}" vector-effect="non-scaling-stroke" stroke-linecap="round"'
    return (f'<svg class="koers-sparkline" role="img" aria-label="{words}" data-series="{series}" width="100%" '
            f'height="{SPARK_HEIGHT:.0f}" viewBox="0 0 {SPARK_WIDTH:.0f} {SPARK_HEIGHT:.0f}" preserveAspectRatio="none">'
            f'<title>{words}</title><path d="{"".join(line)}" stroke-width="2" stroke-linejoin="round" {stroke}/>'
            f'<path d="{"".join(dots)}" stroke-width="6" {stroke}/></svg>')


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A download as CSV in this view's language (Dutch: ";" between fields, a decimal comma);
    a text that a spreadsheet would run as a formula is quoted (see `koers.exports`)."""
    sep, decimal = present.csv_format(_lang())
    return exports.csv_bytes(frame, sep=sep, decimal=decimal)


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """A download as Excel: number cells and text cells, never a formula (see `koers.exports`)."""
    return exports.xlsx_bytes(frame)


def export_column(values: pd.Series, suppressed: pd.Series, threshold: int, for_csv: bool) -> pd.Series:
    """A download's value column (see `koers.present.export_column`)."""
    return present.export_column(values, suppressed, threshold, _lang(), for_csv)


def may_or_say(permission: Permission, notice: str, needed: Role) -> bool:
    """Whether this run's person may do `permission` (a write of no one municipality: a KPI
    definition, an import); if not, a notice (catalogue key `notice`) naming them, their role and
    the role that may — or, for a role that holds for some municipalities only, which ones."""
    person, lang = actor(), _lang()
    if person.may(permission):
        return True
    if person.may(permission, somewhere=True):
        st.info(present.plain(AccessDenied(person, permission).message(lang)), icon=":material/lock:")
    else:
        st.info(t(notice, name=present.plain(person.name), role=ROLE_NAMES[person.role][lang == "en"],
                  needed=ROLE_NAMES[needed][lang == "en"]), icon=":material/lock:")
    return False



# --- the results chain --------------------------------------------------------------------------

CHAIN_BAND = 0.42  # half-width (x units) of the column band in which an output's label sits above its node


def chain_routes(nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[dict[str, float], list[list[tuple[float, float]]]]:
    """Where the results chain's nodes sit and which way each arrow runs, so that no line crosses a
    label. `nodes`: kpi_id | kind | x (0 input, 1 output, 2 outcome) | y (row); `edges`: source | target.

    Labels sit beside their node facing away from the arrows (inputs left, outcomes right) and above
    it for outputs, inside a band of ±CHAIN_BAND around the output column. So a line only ever crosses
    that band horizontally: an output's arrows leave it level and turn outside the band; an arrow that
    passes the output column (input → outcome) crosses it in a free lane between two outputs' labels.
    The outputs are spread over the chain's height to leave such lanes.

    Returns each node's y (plot coordinates, 0 at the top, going down) and per edge its polyline,
    from the source node to the target node."""
    tallest = int(nodes["y"].max()) + 1 if len(nodes) else 1
    outputs = nodes[nodes["kind"] == "output"].sort_values("y")
    step = max(1.0, (tallest - 1) / (len(outputs) - 1)) if len(outputs) > 1 else 1.0
    y = {k: -float(row) for k, row in zip(nodes["kpi_id"], nodes["y"])}
    y.update({k: -i * step for i, k in enumerate(outputs["kpi_id"])})
    x = dict(zip(nodes["kpi_id"], nodes["x"].astype(float)))
    # An output's label runs from just above its node up to ~0.7 rows; its marker ~0.12 below.
    levels = sorted((y[k] for k in outputs["kpi_id"]), reverse=True)
    lanes = [(below + 0.85, above - 0.2) for above, below in zip(levels, levels[1:]) if above - 0.2 - (below + 0.85) > 0.05]
    if levels:
        lanes.append((-math.inf, levels[-1] - 0.3))

    def lane(middle: float) -> float:
        low, high = min(lanes, key=lambda span: 0 if span[0] <= middle <= span[1] else min(abs(middle - span[0]), abs(middle - span[1])))
        return min(max(middle, low), high)

    routes = []
    for source, target in edges.itertuples(index=False):
        (xs, ys), (xt, yt) = (x[source], y[source]), (x[target], y[target])
        if xs == 1.0 and xt > 1.0:  # output → outcome: level out of the band, then across
            routes.append([(xs, ys), (1 + CHAIN_BAND, ys), (xt, yt)])
        elif xt == 1.0 and xs < 1.0:  # input → output: across, then level into the band
            routes.append([(xs, ys), (1 - CHAIN_BAND, yt), (xt, yt)])
        elif xs < 1.0 < xt and lanes:  # input → outcome: through a free lane of the output column
            level = lane((ys + yt) / 2)
            routes.append([(xs, ys), (1 - CHAIN_BAND, level), (1 + CHAIN_BAND, level), (xt, yt)])
        else:
            routes.append([(xs, ys), (xt, yt)])
    return y, routes
