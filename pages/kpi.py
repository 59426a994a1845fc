"""KPI detail: the series with target band and projection, the peers, the definition and the data."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from koers import ui
from koers.catalog import definition_text
from koers.ui import fmt, t


def draw() -> None:
    choice = ui.selection()
    library = ui.library()
    kpis = library.kpis
    order = sorted(kpis, key=lambda k: (kpis[k].theme, kpis[k].kind, getattr(kpis[k].title, choice.lang)))
    ui.from_url("kpi", order, order[0])
    # Labels made now, in this run's language (a label function called later could see another).
    labels = {k: f"{getattr(kpis[k].title, choice.lang)} ({t('kinds.' + kpis[k].kind)})" for k in order}
    kpi_id = st.selectbox(t("kpi.choose"), order, key="kpi", format_func=labels.__getitem__)
    ui.to_url("kpi")
    kpi = kpis[kpi_id]
    overview = ui.overview(choice.region).set_index("kpi_id")
    row = overview.loc[kpi_id]
    region = ui.region_story(choice.region)["region"]
    st.title(getattr(kpi.title, choice.lang))
    st.markdown(getattr(kpi.description, choice.lang))
    ui.status_badge(row["status"])
    for note in ui.flag_notes(row):
        st.caption(f"⚑ {note}")

    # --- the series, target band and projection -------------------------------------------
    st.header(t("kpi.series"))
    history = ui.series(choice.region).get(kpi_id, pd.DataFrame(columns=["period", "value"]))
    national = ui.series("NL01").get(kpi_id, pd.DataFrame(columns=["period", "value"]))
    figure = go.Figure()
    figure.add_scatter(x=history["period"], y=history["value"], mode="lines+markers", name=region["name"] if region else choice.region)
    if not national.empty and national["value"].notna().any():
        figure.add_scatter(x=national["period"], y=national["value"], mode="lines", name="Nederland", line=dict(dash="dot"))
    targets = ui.targets(choice.region, kpi_id)
    if not targets.empty:
        figure.add_scatter(x=targets["year"].astype(str), y=targets["value"], mode="markers", name=t("kpi.target_band"),
                           marker=dict(symbol="diamond", size=11),
                           error_y=dict(type="data", array=targets["tolerance"], visible=True))
    if pd.notna(row["projected"]):
        last = history.dropna(subset=["value"]).tail(1)
        target_year = ui.next_target_year(targets, choice.year)
        if not last.empty and target_year:
            figure.add_scatter(x=[last["period"].iloc[0], str(target_year)], y=[last["value"].iloc[0], row["projected"]],
                               mode="lines", name=t("kpi.projection"), line=dict(dash="dash"))
    figure.update_layout(yaxis_title=kpi.unit, xaxis_title=t("kpi.period"), legend=dict(orientation="h"))
    table = history[["period", "value"]].assign(unit=kpi.unit)
    ui.chart_with_table(figure, table, key="kpi_series")
    if pd.notna(row["will_reach"]) and targets is not None and not targets.empty:
        st.write(t("kpi.will_reach", year=ui.next_target_year(targets, choice.year),
                   verdict=t("kpi.reached") if row["will_reach"] else t("kpi.not_reached")))

    # --- peers ------------------------------------------------------------------------------
    st.header(t("kpi.peers_section"))
    everyone = ui.year_values(kpi_id, choice.year)
    columns = st.columns(3)
    columns[0].metric(t("kpi.peer_median"), f"{fmt(row['peer_median'])} {kpi.unit}")
    columns[1].metric(t("kpi.percentile"), fmt(row["percentile"], 0))
    columns[2].metric(t("kpi.expected"), f"{fmt(row['expected'])} {kpi.unit}")
    distribution = go.Figure()
    distribution.add_histogram(x=everyone["value"], name="NL", nbinsx=40)
    if pd.notna(row["value"]):
        distribution.add_vline(x=row["value"], line_width=3, annotation_text=region["name"] if region else choice.region)
    if pd.notna(row["peer_median"]):
        distribution.add_vline(x=row["peer_median"], line_dash="dash", annotation_text=t("kpi.peer_median"))
    distribution.update_layout(xaxis_title=kpi.unit, showlegend=False)
    ui.chart_with_table(distribution, everyone, key="kpi_peers")
    names = ui.municipality_names()
    peers = [names.get(code, code) for code in (row["peer_group"] or "").split(",") if code]
    st.caption(t("kpi.peer_list", names=", ".join(peers)))

    # --- definition and provenance --------------------------------------------------------
    st.header(t("kpi.definition"))
    st.markdown(
        f"- **{t('kpi.formula')}**: {definition_text(kpi)}\n"
        f"- **{t('kpi.unit')}**: {kpi.unit} · {t('kpi.polarity.' + kpi.polarity)} · {t('kinds.' + kpi.kind)} · "
        f"{t('themes.' + str(int(kpi.theme)))}\n"
        f"- **{t('kpi.source')}**: {kpi.source}" + (f" — {kpi.fill_from}" if kpi.fill_from else "") + "\n"
        f"- **{t('kpi.licence')}** / **{t('kpi.last_import')}**: {ui.provenance(row['sources'])}"
    )

    # --- the data -------------------------------------------------------------------------
    st.header(t("kpi.data"))
    data = history.assign(kpi=kpi_id, region=choice.region, unit=kpi.unit)[
        ["kpi", "region", "period", "value", "unit", "status", "provisional", "harmonised", "example", "suppressed", "sources"]]
    st.dataframe(data.assign(value=data["value"].map(fmt)), hide_index=True)  # numbers as the language writes them
    left, right = st.columns(2)
    left.download_button(t("kpi.download_csv"), ui.csv_bytes(data), file_name=f"{kpi_id}_{choice.region}.csv", mime="text/csv")
    right.download_button(t("kpi.download_xlsx"), ui.xlsx_bytes(data), file_name=f"{kpi_id}_{choice.region}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


ui.guarded(draw)
