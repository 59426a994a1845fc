"""Shared drawing for the dashboard pages: status badges, charts with their data one click away,
downloads, provenance and flag notes, and the presentation rules of `koers.present` bound to the
language of the current view.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from koers import exports, present
from koers.dashboard.reads import imports
from koers.access import ROLE_NAMES, Permission, Role
from koers.dashboard.view import actor, language, t

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


def status_badge(status: str, example_target: bool = False) -> None:
    icon, colour = present.STATUS_BADGE[status]
    st.badge(present.status_word(status, _lang(), example_target), icon=icon, color=colour)


def chart_with_table(figure: go.Figure, table: pd.DataFrame, key: str) -> None:
    """A chart, and its data as a table one click away (WCAG: information not only in a picture)."""
    figure.update_layout(colorway=PALETTE, margin=dict(l=10, r=10, t=30, b=10), font=dict(size=14),
                         separators=present.plotly_separators(_lang()))
    st.plotly_chart(figure, key=key, config={"displaylogo": False})
    with st.expander(t("table.show")):
        st.dataframe(table, hide_index=True)


# Streamlit's plotly template ("streamlit", `streamlit.elements.lib.streamlit_plotly_theme`) as far
# as a scatter trace reads it: markers without an outline.
_SPARKLINE_TEMPLATE = {"data": {"scatter": [{"marker": {"line": {"width": 0}}}]}}


def sparkline(points: pd.DataFrame | None, key: str) -> None:
    """A card's small line (`koers.kpis.cards.sparkline`): a missing year is a gap (None, and
    `connectgaps` off), every known year a marker so a lone value still shows; no chart without
    a known value."""
    if points is None:
        return
    # Built without plotly's property validation (a fixed, known-good shape): validating 28 cards'
    # figures took half of Overzicht's rerun (0.54 of 1.4 s). With the one part of Streamlit's
    # plotly template a line of markers uses, not the whole default one: copying and serialising
    # that (7 kB per card) took five times as long as the rest; Streamlit's theme fills the
    # template's layout in the browser either way (its colorway is overridden by PALETTE here).
    figure = go.Figure(
        data=[dict(type="scatter", x=points["period"].tolist(), y=points["value"].tolist(), mode="lines+markers",
                   connectgaps=False, marker=dict(size=5), hoverinfo="x+y")],
        layout=dict(height=70, margin=dict(l=0, r=0, t=0, b=0), showlegend=False, colorway=PALETTE,
                    xaxis=dict(visible=False, type="category"), yaxis=dict(visible=False),
                    separators=present.plotly_separators(_lang()), template=_SPARKLINE_TEMPLATE),
        _validate=False)
    st.plotly_chart(figure, key=key, config={"displayModeBar": False, "staticPlot": True})


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
    """Whether this run's person may do `permission`; if not, a notice (catalogue key `notice`)
    naming them, their role and the role that may."""
    person, lang = actor(), _lang()
    if person.may(permission):
        return True
    st.info(t(notice, name=present.plain(person.name), role=ROLE_NAMES[person.role][lang == "en"], needed=ROLE_NAMES[needed][lang == "en"]),
            icon=":material/lock:")
    return False
