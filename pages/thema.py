"""Thema: the results chain of one theme (input → output → outcome) with the selected municipality's
status on every step, its outcome and output trends, and whether outputs move outcomes across all
municipalities a year later."""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from koers import present
from koers.dashboard import reads, view, widgets
from koers.dashboard.view import fmt, t
from koers.kpis import analysis
from metrics.model import Theme

PALETTE = present.PALETTE
KIND_STYLE = {  # colour and marker shape per kind: the kind is also in the legend and the table
    "input": (PALETTE[0], "square"),
    "output": (PALETTE[1], "diamond"),
    "outcome": (PALETTE[2], "circle"),
}
# Where a node's label sits: inputs left of the node, outputs above it, outcomes to the right — away
# from the arrows (see `widgets.chain_routes`). Labels wrap at LABEL_WIDTH characters so that they fit
# the space beside a column at 1024 px.
LABEL_PLACE = {"input": dict(xanchor="right", xshift=-14), "output": dict(yanchor="bottom", yshift=12),
               "outcome": dict(xanchor="left", xshift=14)}
LABEL_WIDTH = 18
ROW_PX = 100  # height of one row of the chain
# Beyond the eight colours, series differ by marker and dash as well (never by colour alone).
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "triangle-down", "cross", "pentagon", "hexagon"]
DASHES = ["solid", "dot", "dash"]
EXAMPLE_MARK = "⚑"


def draw_arrows(figure: go.Figure, routes: list[list[tuple[float, float]]]) -> None:
    """Each arrow of the chain (`widgets.chain_routes`) as a line through its bends (one trace, gaps
    between arrows) and an annotation with the head on its last leg."""
    line_x: list[float | None] = []
    line_y: list[float | None] = []
    for route in routes:
        if len(route) > 2:  # the line runs up to the last bend; the annotation draws the last leg with its head
            line_x += [px for px, _ in route[:-1]] + [None]
            line_y += [py for _, py in route[:-1]] + [None]
        (ax, ay), (hx, hy) = route[-2], route[-1]
        figure.add_annotation(x=hx, y=hy, ax=ax, ay=ay, xref="x", yref="y", axref="x", ayref="y", text="",
                              showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.3, arrowcolor="#777777",
                              standoff=11, startstandoff=11 if len(route) == 2 else 0)
    if any(len(route) > 2 for route in routes):
        figure.add_scatter(x=line_x, y=line_y, mode="lines", line=dict(color="#777777", width=1.3), hoverinfo="skip",
                           showlegend=False)


def chain_diagram(theme: int, region_name: str) -> None:
    choice = view.selection()
    kpis = reads.library().kpis
    nodes, edges = analysis.results_chain(kpis, theme)
    if nodes.empty:
        st.info(t("theme_page.chain_empty"))
        return
    now = reads.overview(choice.region).set_index("kpi_id")

    def title(kpi_id: str) -> str:
        return getattr(kpis[kpi_id].title, choice.lang)

    def status(kpi_id: str) -> str:
        return now.at[kpi_id, "status"] if kpi_id in now.index else "no_data"

    def value(kpi_id: str) -> str:
        if kpi_id not in now.index:
            return fmt(None)
        return widgets.shown(now.at[kpi_id, "value"], bool(now.at[kpi_id, "suppressed"]), kpis[kpi_id].privacy_threshold)

    def example(kpi_id: str) -> bool:
        return bool(kpi_id in now.index and now.at[kpi_id, "example"] and pd.notna(now.at[kpi_id, "value"]))

    def label(row) -> str:  # a row of `nodes`: the title over a few lines, then the status in words
        name = title(row.kpi_id) + (f" ({t('theme_page.other_theme', number=row.theme)})" if row.external else "")
        lines = textwrap.wrap(name, LABEL_WIDTH, break_on_hyphens=False)
        return ("<br>".join(present.plain_html(line) for line in lines)
                + f"<br><i>{present.status_word(status(row.kpi_id), choice.lang)}</i>"
                + (f" {EXAMPLE_MARK}" if example(row.kpi_id) else ""))

    level, routes = widgets.chain_routes(nodes, edges)
    figure = go.Figure()
    draw_arrows(figure, routes)
    for kind, (colour, symbol) in KIND_STYLE.items():
        rows = nodes[nodes["kind"] == kind]
        if rows.empty:
            continue
        ys = [level[k] for k in rows["kpi_id"]]
        for row, y in zip(rows.itertuples(), ys):  # labels as boxes: nothing drawn behind shows through
            figure.add_annotation(x=row.x, y=y, xref="x", yref="y", text=label(row), showarrow=False, align="center",
                                  bgcolor="rgba(255,255,255,0.9)", font=dict(size=11, color="#1F1F1F"), **LABEL_PLACE[kind])
        figure.add_scatter(
            x=rows["x"], y=ys, mode="markers", name=t(f"kinds.{kind}"),
            marker=dict(color=colour, size=20, line=dict(color="#000000", width=1.5),
                        symbol=[symbol + ("-open" if external else "") for external in rows["external"]]),
            hovertext=[f"{present.plain_html(title(k))}<br>{value(k)} {present.plain_html(kpis[k].unit)}<br>{present.status_word(status(k), choice.lang)}"
                       for k in rows["kpi_id"]],
            hoverinfo="text",
        )
    tallest = int(nodes["y"].max()) + 1
    for x, kind in enumerate(analysis.CHAIN_KINDS):
        figure.add_annotation(x=x, y=1.0, xref="x", yref="y", text=f"<b>{t('kinds.' + kind)}</b>", showarrow=False,
                              font=dict(size=15))
    figure.update_xaxes(visible=False, range=[-0.85, 2.85], fixedrange=True)
    figure.update_yaxes(visible=False, range=[-tallest + 0.4, 1.3], fixedrange=True)
    figure.update_layout(height=ROW_PX * tallest + 150, legend=dict(orientation="h", y=-0.02), plot_bgcolor="white",
                         separators=present.plotly_separators(choice.lang))
    table = pd.DataFrame({
        t("theme_page.col_kind"): [t(f"kinds.{k}") for k in nodes["kind"]],
        "KPI": [title(k) for k in nodes["kpi_id"]],
        t("theme_page.col_theme"): nodes["theme"].tolist(),
        t("theme_page.col_status", municipality=region_name): [present.status_word(status(k), choice.lang)
                                                               for k in nodes["kpi_id"]],
        t("kpi.value"): [value(k) for k in nodes["kpi_id"]],
        t("kpi.unit"): [kpis[k].unit for k in nodes["kpi_id"]],
        t("theme_page.col_contributes"): [", ".join(title(e) for e in edges.loc[edges["source"] == k, "target"])
                                          for k in nodes["kpi_id"]],
        EXAMPLE_MARK: [t("flags.example") if example(k) else "" for k in nodes["kpi_id"]],
    })
    widgets.chart_with_table(figure, table, key="theme_chain")
    if any(example(k) for k in nodes["kpi_id"]):
        st.caption(t("theme_page.example_legend"))


def trend_chart(kpi_ids: list[str], key: str) -> None:
    choice = view.selection()
    kpis = reads.library().kpis
    frame = analysis.indexed_series(reads.results(), choice.region, kpi_ids)
    if frame.empty:
        st.info(t("theme_page.no_series"))
        return
    figure = go.Figure()
    for number, (kpi_id, rows) in enumerate(frame.groupby("kpi_id", sort=False)):
        name = getattr(kpis[kpi_id].title, choice.lang) + (f" {EXAMPLE_MARK}" if rows["example"].any() else "")
        # Half a page wide at 1024 px: a long title over lines instead of running past the chart's edge.
        figure.add_scatter(x=rows["period"], y=rows["index"], mode="lines+markers", name=widgets.wrapped(name, 34),
                           marker=dict(symbol=SYMBOLS[number % len(SYMBOLS)], size=7),
                           line=dict(dash=DASHES[number // len(PALETTE) % len(DASHES)]),
                           customdata=[f"{widgets.shown(v, hidden, kpis[kpi_id].privacy_threshold)} {present.plain_html(kpis[kpi_id].unit)}"
                                       for v, hidden in zip(rows["value"], rows["suppressed"])],
                           hovertemplate="%{fullData.name}<br>%{x}: %{customdata}<extra></extra>")
    # The legend on its own below the axis title (plotly makes room for it); the index's meaning is in the caption above.
    figure.update_layout(yaxis_title=t("theme_page.index_axis"), xaxis_title=t("kpi.period"),
                         height=420 + 40 * frame["kpi_id"].nunique(),
                         legend=dict(orientation="h", yanchor="top", y=-0.3, yref="paper"),
                         separators=present.plotly_separators(choice.lang))
    table = pd.DataFrame({
        "KPI": [getattr(kpis[k].title, choice.lang) for k in frame["kpi_id"]],
        t("kpi.period"): frame["period"].tolist(),
        t("kpi.value"): [widgets.shown(v, hidden, kpis[k].privacy_threshold)
                         for k, v, hidden in zip(frame["kpi_id"], frame["value"], frame["suppressed"])],
        t("kpi.unit"): [kpis[k].unit for k in frame["kpi_id"]],
        t("theme_page.index"): [fmt(v, 1) for v in frame["index"]],
        EXAMPLE_MARK: [t("flags.example") if e else "" for e in frame["example"]],
    })
    widgets.chart_with_table(figure, table, key=key)


def output_moves_outcome(theme: int, region_name: str) -> None:
    choice = view.selection()
    kpis = reads.library().kpis
    _, edges = analysis.results_chain(kpis, theme)
    if edges.empty:
        st.info(t("theme_page.no_pairs"))
        return
    options = [f"{source}>{target}" for source, target in edges.itertuples(index=False)]

    def title(kpi_id: str) -> str:
        return getattr(kpis[kpi_id].title, choice.lang)

    view.from_url("paar", options, options[0])
    view.from_url("maat", list(analysis.PAIR_MODES), "change")
    left, right = st.columns([3, 2])
    # Labels made now, in this run's language (a format function is also called after a switch).
    pair_labels = {f"{s}>{o}": f"{title(s)} ({t('kinds.' + kpis[s].kind)}) → {title(o)}"
                   for s, o in edges.itertuples(index=False)}
    mode_labels = {m: t(f"theme_page.mode_{m}") for m in analysis.PAIR_MODES}
    pair = left.selectbox(t("theme_page.pair"), options, key="paar", format_func=pair_labels.__getitem__)
    mode = right.segmented_control(t("theme_page.mode"), list(analysis.PAIR_MODES), key="maat", required=True,
                                   format_func=mode_labels.__getitem__)
    view.to_url("paar", "maat")
    source, target = pair.split(">")
    year = choice.year
    pairs = analysis.lagged_pairs(reads.results(), source, target, year, mode)
    r, n = analysis.correlation(pairs)
    names = reads.municipality_names()
    st.markdown(t(f"theme_page.question_{mode}", output=present.plain(title(source)), outcome=present.plain(title(target)),
                  t0=year - 2, t1=year - 1, t2=year))

    source_unit, target_unit = kpis[source].unit, kpis[target].unit
    x_title = (t("theme_page.axis_change", kpi=title(source), start=year - 2, end=year - 1, unit=source_unit)
               if mode == "change" else t("theme_page.axis_level", kpi=title(source), year=year - 1, unit=source_unit))
    y_title = t("theme_page.axis_change", kpi=title(target), start=year - 1, end=year, unit=target_unit)
    mine = pairs[pairs["region_code"] == choice.region]
    others = pairs[pairs["region_code"] != choice.region]
    figure = go.Figure()

    def hover(rows: pd.DataFrame) -> list[str]:
        return [f"{names.get(c, c)} ({c})<br>x: {fmt(x)} {source_unit}<br>y: {fmt(y)} {target_unit}"
                for c, x, y in zip(rows["region_code"], rows["x"], rows["y"])]

    figure.add_scatter(x=others["x"], y=others["y"], mode="markers", name=t("theme_page.all_municipalities"),
                       marker=dict(color=PALETTE[0], size=8, opacity=0.6), hovertext=hover(others), hoverinfo="text")
    if not mine.empty:
        figure.add_scatter(x=mine["x"], y=mine["y"], mode="markers+text", name=region_name, text=[region_name],
                           textposition="top center", hovertext=hover(mine), hoverinfo="text",
                           marker=dict(color=PALETTE[5], size=18, symbol="star", line=dict(color="#000000", width=1)))
    # Axis titles over lines (they name a KPI, two years and a unit); the legend above the plot, clear of them.
    figure.update_layout(xaxis_title=widgets.wrapped(x_title, 70), yaxis_title=widgets.wrapped(y_title, 45), height=560,
                         legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                         separators=present.plotly_separators(choice.lang))
    table = pd.DataFrame({
        t("kpi.region"): [names.get(c, c) for c in pairs["region_code"]],
        "code": pairs["region_code"].tolist(),
        x_title: [fmt(v) for v in pairs["x"]],
        y_title: [fmt(v) for v in pairs["y"]],
        EXAMPLE_MARK: [t("flags.example") if e else "" for e in pairs["example"]],
    })

    columns = st.columns([1, 1, 2])  # the point "x → y" needs twice the room of a single number
    columns[0].metric(t("theme_page.r"), fmt(r, 2))
    columns[1].metric(t("theme_page.n"), fmt(n, 0))
    columns[2].metric(t("theme_page.selected_point", municipality=region_name),
                      "–" if mine.empty else f"{fmt(mine['x'].iloc[0])} → {fmt(mine['y'].iloc[0])}")
    strength = analysis.strength(r)
    if strength is None:
        st.warning(t("theme_page.too_few", n=n), icon=":material/info:")
    elif strength == "none":
        st.markdown(t("theme_page.reading_none", r=fmt(r, 2), n=n))
    else:
        st.markdown(t("theme_page.reading", strength=t(f"theme_page.strength_{strength}"),
                      direction=t("theme_page.direction_positive" if r > 0 else "theme_page.direction_negative"),
                      r=fmt(r, 2), n=n))
    widgets.chart_with_table(figure, table, key="theme_pairs")
    if pairs["example"].any():
        st.warning(f"{EXAMPLE_MARK} " + t("theme_page.example_pair"), icon=":material/science:")
    st.info(t("theme_page.caution"), icon=":material/lightbulb:")


def draw() -> None:
    choice = view.selection()
    themes = [int(theme) for theme in Theme]
    view.from_url("thema", themes, themes[0])
    theme_labels = {n: present.theme_label(n, choice.lang) for n in themes}
    theme = st.selectbox(t("theme_page.choose"), themes, key="thema", format_func=theme_labels.__getitem__)
    view.to_url("thema")
    region = reads.region_story(choice.region)["region"]
    region_name = region["name"] if region else choice.region
    kpis = reads.library().kpis

    st.title(t("theme_page.title", number=theme, theme=t(f"themes.{theme}")))
    st.caption(t("theme_page.intro", municipality=region_name, year=choice.year))

    st.header(t("theme_page.chain"))
    st.markdown(t("theme_page.chain_intro", municipality=region_name, year=choice.year))
    chain_diagram(theme, region_name)

    st.header(t("theme_page.trends", municipality=region_name))
    st.caption(t("theme_page.index_note"))
    ordered = sorted((k for k, kpi in kpis.items() if int(kpi.theme) == theme),
                     key=lambda k: getattr(kpis[k].title, choice.lang).casefold())
    left, right = st.columns(2)
    with left:
        st.subheader(t("theme_page.trend_outcomes"))
        trend_chart([k for k in ordered if kpis[k].kind == "outcome"], key="theme_outcomes")
    with right:
        st.subheader(t("theme_page.trend_outputs"))
        trend_chart([k for k in ordered if kpis[k].kind == "output"], key="theme_outputs")

    st.header(t("theme_page.effect"))
    output_moves_outcome(theme, region_name)


view.guarded(draw)
