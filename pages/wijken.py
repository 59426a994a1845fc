"""Wijken: the selected municipality's districts on one KPI or indicator — a map where the store has
that year's district boundaries, a ranking with the municipality's and the country's value as
reference lines, a table, and the change between the KWB years for the districts whose code CBS kept."""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from koers import present
from koers.dashboard import district_reads, reads, view, widgets
from koers.dashboard.district_reads import DistrictMeasure, Districts, DistrictYear
from koers.dashboard.view import fmt, t

NO_VALUE_GREY = "#BBBBBB"


def measure_choice(found: Districts) -> DistrictMeasure:
    """The measure picker, mirrored in the URL as `wmaat`; by default the first with figures in the
    frame's year."""
    choice = view.selection()
    options = list(found.measures)
    default = next((m for m in options if choice.year in found.measures[m].years), options[0])
    labels = {m: f"{found.measures[m].title(choice.lang)} ({t('districts.kinds.' + found.measures[m].kind)})" for m in options}
    view.from_url("wmaat", options, default, label=labels.__getitem__)
    chosen = st.selectbox(t("districts.choose_measure"), options, key="wmaat", format_func=labels.__getitem__)
    view.to_url("wmaat")
    return found.measures[chosen]


def shown(measure: DistrictMeasure, value: float | None, suppressed: object, provisional: object = False) -> str:
    return widgets.shown(value, suppressed, measure.threshold, count=measure.count, provisional=provisional)


def district_labels(ranked: pd.DataFrame) -> list[str]:
    """A district's name; with its code where two share a name or the source named none."""
    names = ranked["name"].tolist()
    twice = {n for n in names if names.count(n) > 1}
    return [f"{n} ({c})" if n in twice else n for n, c in zip(names, ranked["region_code"])]


def choropleth(measure: DistrictMeasure, year: DistrictYear) -> None:
    choice = view.selection()
    found = district_reads.district_map(choice.region, year.year)
    if found is None:
        st.info(t("districts.no_boundaries", year=year.year, years=", ".join(map(str, district_reads.districts(choice.region).boundary_years)) or "–"))
        return
    codes = [f["properties"]["statcode"] for f in found.geojson["features"]]
    names = {f["properties"]["statcode"]: f["properties"]["statnaam"] for f in found.geojson["features"]}
    rows = year.ranked.set_index("region_code")
    valued = [c for c in codes if c in rows.index and pd.notna(rows.at[c, "value"])]
    missing = [c for c in codes if c not in valued]
    title, unit = present.plain_html(measure.title(choice.lang)), present.plain_html(view.unit(measure.unit))

    def no_value(code: str) -> str:
        if code in rows.index and rows.at[code, "suppressed"]:
            return shown(measure, None, True)
        return t("districts.no_value")

    figure = go.Figure()
    # Districts without a value (open water, withheld, not in the source): grey, underneath.
    figure.add_choroplethmap(
        geojson=found.geojson, featureidkey="properties.statcode", locations=missing, z=[0] * len(missing),
        colorscale=[[0, NO_VALUE_GREY], [1, NO_VALUE_GREY]], showscale=False, name=t("districts.no_value"),
        marker=dict(line=dict(color="#FFFFFF", width=0.5)), hoverinfo="text",
        hovertext=[f"{present.plain_html(names[c])} ({c})<br>{no_value(c)}" for c in missing])
    figure.add_choroplethmap(
        geojson=found.geojson, featureidkey="properties.statcode", locations=valued,
        z=[float(rows.at[c, "value"]) for c in valued], colorscale="Cividis", name=title,
        marker=dict(line=dict(color="#FFFFFF", width=0.5)), hoverinfo="text",
        colorbar=dict(title=dict(text="<br>".join(textwrap.wrap(unit, 18)))),
        hovertext=[f"{present.plain_html(names[c])} ({c})<br>{fmt(rows.at[c, 'value'])} {unit}" for c in valued])
    # No tiles: "white-bg" fetches nothing from the internet; the view is fitted to the districts.
    figure.update_layout(map=dict(style="white-bg", center=dict(lat=found.lat, lon=found.lon), zoom=found.zoom), height=560)
    table = pd.DataFrame({t("districts.district"): [names[c] for c in codes], "code": codes,
                          t("districts.value"): [shown(measure, rows.at[c, "value"], rows.at[c, "suppressed"])
                                                 if c in rows.index else t("districts.no_value") for c in codes],
                          t("districts.unit"): view.unit(measure.unit)})
    widgets.chart_with_table(figure, table, key="districts_map")
    notes = [t("districts.map_note", year=found.year, count=len(codes), missing=len(missing))]
    off_map = [c for c in rows.index if c not in set(codes) and pd.notna(rows.at[c, "value"])]
    if off_map:
        notes.append(t("districts.off_map", count=len(off_map)))
    st.caption(" ".join(notes))


def reference_text(measure: DistrictMeasure, year: DistrictYear, region_name: str) -> str:
    def one(name: str, value: float | None, hidden: bool) -> str:
        return f"{present.plain(name)}: {shown(measure, value, hidden)}"

    parts = [one(region_name, year.municipality, year.municipality_suppressed),
             one(t("districts.country"), year.country, year.country_suppressed)]
    return t("districts.references_count" if measure.count else "districts.references", values=" · ".join(parts),
             unit=present.plain(view.unit(measure.unit)))


def ranking(measure: DistrictMeasure, year: DistrictYear, region_name: str) -> None:
    lang = view.selection().lang
    st.markdown(t(f"districts.rank_meaning_{measure.polarity}"))
    rows = year.ranked[year.ranked["value"].notna()]
    labels = district_labels(rows)
    unit = present.plain_html(view.unit(measure.unit))
    figure = go.Figure(go.Bar(
        y=labels, x=rows["value"].tolist(), orientation="h", name=present.plain_html(measure.title(lang)), showlegend=False,
        hovertext=[f"{present.plain_html(label)}<br>{fmt(v)} {unit}" for label, v in zip(labels, rows["value"])],
        hoverinfo="text"))
    # A municipality's or the country's total is no yardstick for one district: lines only for rates.
    if not measure.count:
        for value, name, dash in ((year.municipality, region_name, "dash"), (year.country, t("districts.country"), "dot")):
            if value is not None:
                figure.add_vline(x=value, line_dash=dash, line_color="#333333", line_width=2,
                                 annotation_text=f"{present.plain_html(name)}: {fmt(value)}", annotation_position="top")
    figure.update_yaxes(autorange="reversed", tickfont=dict(size=11))  # rank 1 on top
    figure.update_layout(height=160 + 18 * len(rows), xaxis_title=unit)
    table = pd.DataFrame({t("districts.district"): labels, "code": rows["region_code"].tolist(),
                          t("districts.value"): [shown(measure, v, False, p) for v, p in zip(rows["value"], rows["provisional"])],
                          t("districts.unit"): view.unit(measure.unit)})
    widgets.chart_with_table(figure, table, key="districts_ranking")
    st.caption(reference_text(measure, year, region_name))


def district_table(measure: DistrictMeasure, year: DistrictYear) -> None:
    ranked = year.ranked
    st.dataframe(pd.DataFrame({
        t("districts.rank"): ranked["rank"],
        t("districts.district"): ranked["name"].tolist(),
        "code": ranked["region_code"].tolist(),
        t("districts.value"): [shown(measure, v, h, p) for v, h, p in zip(ranked["value"], ranked["suppressed"], ranked["provisional"])],
        t("districts.unit"): view.unit(measure.unit),
    }), hide_index=True, key="districts_table")
    hidden = int(ranked["suppressed"].sum())
    if hidden and present.has_threshold(measure.threshold):
        st.caption(t("districts.suppressed_note", count=hidden, threshold=fmt(measure.threshold)))


def change_table(measure: DistrictMeasure, year: DistrictYear) -> None:
    if year.first is None:
        st.info(t("districts.one_year", year=year.year))
        return
    change = year.change
    st.markdown(t("districts.kept", kept=len(change), first=year.first, last=year.last,
                  first_count=year.first_count, last_count=year.last_count))
    if change.empty:
        st.info(t("districts.none_kept", first=year.first, last=year.last))
        return
    st.dataframe(pd.DataFrame({
        t("districts.district"): change["name"].tolist(), "code": change["region_code"].tolist(),
        str(year.first): [shown(measure, v, h) for v, h in zip(change["first"], change["suppressed"])],
        str(year.last): [shown(measure, v, h) for v, h in zip(change["last"], change["suppressed"])],
        t("districts.change"): [shown(measure, v, h) for v, h in zip(change["change"], change["suppressed"])],
        t("districts.unit"): view.unit(measure.unit),
    }), hide_index=True, key="districts_change")


def draw() -> None:
    choice = view.selection()
    region = reads.region_story(choice.region)["region"]
    region_name = region["name"] if region else choice.region
    st.title(t("districts.title", municipality=region_name))
    found = district_reads.districts(choice.region)
    if not found.measures:
        st.info(t("districts.no_districts", municipality=region_name))
        return
    measure = measure_choice(found)
    year_shown = district_reads.nearest_year(measure.years, choice.year)
    st.caption(f"{present.plain(view.unit(measure.unit))} · {t('districts.years', years=', '.join(map(str, measure.years)))} · "
               f"{present.plain(widgets.provenance(measure.sources))}")
    if year_shown != choice.year:
        st.info(t("districts.other_year", year=choice.year, shown=year_shown))
    year = district_reads.district_year(found, measure.id, year_shown)
    title = present.plain(measure.title(choice.lang))

    st.header(t("districts.map", measure=title, year=year_shown))
    choropleth(measure, year)
    st.header(t("districts.ranking", year=year_shown))
    ranking(measure, year, region_name)
    st.header(t("districts.table", year=year_shown))
    district_table(measure, year)
    st.header(t("districts.change_header"))
    change_table(measure, year)


view.guarded(draw)
