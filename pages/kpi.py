"""KPI detail: the series with target band and projection, the peers, the definition and the data."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from koers import present
from koers.dashboard import reads, view, widgets
from koers.dashboard.view import fmt, t, unit
from koers.kpis.document import definition_text


def annotation_marks(notes: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """Where each annotation goes on the chart: x its year (the axis has one category per year; a
    quarter or month sits on its year, the hover text names it exactly), y the line's value there,
    else the lowest value drawn (a mark must sit somewhere on the plot). Several on one year are one
    mark with all their texts."""
    if notes.empty:
        return pd.DataFrame(columns=["x", "y", "hover"])
    values = history.dropna(subset=["value"]).set_index("period")["value"]
    floor = float(values.min()) if len(values) else 0.0
    rows = []
    for year, group in notes.groupby(notes["period"].str[:4], sort=True):
        # Plotly reads tags in a hover text (a link among them): the people's text goes in as text.
        hover = "<br>".join(f"{present.plain_html(n.period)} · {t('learning_page.kinds.' + n.kind)}: {present.plain_html(n.text)}"
                            for n in group.itertuples())
        rows.append({"x": year, "y": float(values.get(year, floor)), "hover": hover})
    return pd.DataFrame(rows)


def chart_table(name: str, history: pd.DataFrame, hidden: pd.Series, targets: pd.DataFrame, notes: pd.DataFrame,
                kpi) -> pd.DataFrame:
    """What the series chart draws, as rows: the municipality's values (a suppressed one as withheld, in words),
    the current and the original targets, and the annotations."""
    provisional = history["provisional"] if "provisional" in history else pd.Series(False, index=history.index)
    rows = [{t("loop.series"): name, t("kpi.period"): p, t("kpi.value"): widgets.shown(v, h, kpi.privacy_threshold, provisional=f),
             t("kpi.unit"): unit(kpi.unit), t("loop.text"): ""}
            for p, v, h, f in zip(history["period"], history["value"], hidden, provisional)]
    for target in targets.itertuples():
        rows.append({t("loop.series"): t("loop.current_target"), t("kpi.period"): str(int(target.year)),
                     t("kpi.value"): f"{fmt(target.value)} ± {fmt(target.tolerance)}", t("kpi.unit"): unit(kpi.unit), t("loop.text"): ""})
        if pd.notna(target.original) and target.original != target.value:
            rows.append({t("loop.series"): t("loop.original_target"), t("kpi.period"): str(int(target.year)),
                         t("kpi.value"): fmt(target.original), t("kpi.unit"): unit(kpi.unit), t("loop.text"): ""})
    for note in notes.itertuples():
        rows.append({t("loop.series"): t("loop.annotations"), t("kpi.period"): note.period, t("kpi.value"): "",
                     t("kpi.unit"): "", t("loop.text"): f"{t('learning_page.kinds.' + note.kind)}: {note.text}"})
    return pd.DataFrame(rows)


def governance_table(sources: str) -> None:
    """Per source of this KPI its governance record, or "not recorded"."""
    names = [s.strip() for s in (sources or "").split(",") if s.strip()]
    if not names:
        return
    st.subheader(t("loop.governance"))
    records = reads.governance(names)
    fields = ("owner", "licence", "legal_basis", "privacy_class", "retention", "refresh_schedule")
    missing = t("loop.not_recorded")
    st.dataframe(pd.DataFrame([
        {t("kpi.source"): name, **{t(f"loop.governance_fields.{f}"): ((records[name] or {}).get(f) or missing) for f in fields}}
        for name in names]), hide_index=True, key="kpi_governance")


def series_section(kpi, row: pd.Series, name: str, history: pd.DataFrame, hidden: pd.Series, targets: pd.DataFrame,
                   notes: pd.DataFrame) -> None:
    """The series with the national line, target band, revised targets, projection and annotations.
    `history`: the region's rows of this KPI by period; `hidden`: which of them are withheld."""
    choice = view.selection()
    st.header(t("kpi.series"))
    national = reads.series("NL01").get(kpi.id, pd.DataFrame(columns=["period", "value"]))
    # A suppressed value is null in the results already; it is left out of the line (a gap), never drawn.
    shown = history["value"].where(~hidden)
    figure = go.Figure()
    figure.add_scatter(x=history["period"], y=shown, mode="lines+markers", name=name, connectgaps=False)
    if "provisional" in history and history["provisional"].astype(bool).any():  # CBS's provisional figures, marked
        marked = history["provisional"].astype(bool) & shown.notna()
        figure.add_scatter(x=history.loc[marked, "period"], y=shown[marked], mode="markers", name=t("flags.provisional"),
                           marker=dict(symbol="circle-open", size=14, line=dict(width=2)))
    if not national.empty and national["value"].notna().any():
        figure.add_scatter(x=national["period"], y=national["value"], mode="lines", name="Nederland", line=dict(dash="dot"))
    if not targets.empty:
        figure.add_scatter(x=targets["year"].astype(str), y=targets["value"], mode="markers", name=t("kpi.target_band"),
                           marker=dict(symbol="diamond", size=11),
                           error_y=dict(type="data", array=targets["tolerance"], visible=True))
        revised = targets[targets["original"].notna() & (targets["original"] != targets["value"])]
        if not revised.empty:  # the first target next to the current one: a council sees what was moved
            figure.add_scatter(x=revised["year"].astype(str), y=revised["original"], mode="markers",
                               name=t("loop.original_target"), marker=dict(symbol="diamond-open", size=13, line=dict(width=2)))
    if pd.notna(row["projected"]):
        last = history.assign(value=shown).dropna(subset=["value"]).tail(1)
        target_year = reads.next_target_year(targets, choice.year)
        if not last.empty and target_year:
            figure.add_scatter(x=[last["period"].iloc[0], str(target_year)], y=[last["value"].iloc[0], row["projected"]],
                               mode="lines", name=t("kpi.projection"), line=dict(dash="dash"))
    marks = annotation_marks(notes, history.assign(value=shown))
    if not marks.empty:
        for year in marks["x"].unique():
            figure.add_vline(x=year, line_width=1, line_dash="dot", line_color="#777777")
        figure.add_scatter(x=marks["x"], y=marks["y"], mode="markers", name=t("loop.annotations"),
                           marker=dict(symbol="star", size=14, line=dict(width=1, color="#000000")),
                           hovertext=marks["hover"], hoverinfo="text")
    # An own KPI's unit is an advisor's text; Plotly would read tags in it (a link among them).
    figure.update_layout(yaxis_title=present.plain_html(unit(kpi.unit)), xaxis_title=t("kpi.period"), legend=dict(orientation="h"))
    widgets.chart_with_table(figure, chart_table(name, history, hidden, targets, notes, kpi), key="kpi_series")
    if hidden.any():
        st.caption(t("loop.suppressed_note", threshold=fmt(kpi.privacy_threshold),
                     periods=", ".join(history.loc[hidden, "period"])))
    if pd.notna(row["will_reach"]) and not targets.empty:
        st.write(t("kpi.will_reach", year=reads.next_target_year(targets, choice.year),
                   verdict=t("kpi.reached") if row["will_reach"] else t("kpi.not_reached")))


def loop_section(kpi, notes: pd.DataFrame, targets: pd.DataFrame, revisions: pd.DataFrame) -> None:
    """What people wrote about this KPI: its annotations and every revision of its targets."""
    st.subheader(t("loop.annotations"))
    if notes.empty:
        st.caption(t("loop.no_annotations"))
    else:
        st.dataframe(pd.DataFrame({
            t("kpi.period"): notes["period"],
            t("loop.kind"): [t(f"learning_page.kinds.{k}") for k in notes["kind"]],
            t("loop.text"): notes["text"],
            t("loop.by"): notes["updated_by"],
            t("loop.date"): [present.date_text(v) for v in notes["updated_at"]],
        }), hide_index=True, key="kpi_annotations")
    st.page_link("pages/leren.py", label=t("loop.annotate_here"), icon=":material/edit_note:", query_params={"kpi": kpi.id})
    if targets.empty:
        return
    st.subheader(t("loop.target_history"))
    history_of_target = revisions[revisions["kpi_id"] == kpi.id].sort_values(["year", "revision"])
    st.dataframe(pd.DataFrame({
        t("loop.target_year"): history_of_target["year"].astype(int).astype(str),
        t("loop.revision"): history_of_target["revision"].astype(int),
        t("kpi.value"): [fmt(v) for v in history_of_target["value"]],
        t("loop.tolerance"): [fmt(v) for v in history_of_target["tolerance"]],
        t("kpi.unit"): unit(kpi.unit),
        t("loop.reason"): history_of_target["reason"].fillna(""),
        t("loop.by"): history_of_target["revised_by"].fillna(""),
        t("loop.date"): [present.date_text(v) for v in history_of_target["revised_at"]],
    }), hide_index=True, key="kpi_target_history")


def peers_section(kpi, row: pd.Series, name: str) -> None:
    """The peer median, percentile and expected value, and every municipality's value as a histogram."""
    st.header(t("kpi.peers_section"))
    everyone = reads.year_values(kpi.id, view.selection().year)
    columns = st.columns(3)
    # Numbers alone in the big type (a unit after them was cut off at 1024 px); the unit in a line beneath.
    columns[0].metric(t("kpi.peer_median"), fmt(row["peer_median"]))
    columns[1].metric(t("kpi.percentile"), fmt(row["percentile"], 0))
    columns[2].metric(t("kpi.expected"), present.expected_text(row["expected"], row.get("expected_error"), view.selection().lang) or "–",
                      help=t("kpi.expected_help"))
    st.caption(f"{t('kpi.unit')}: {present.plain(unit(kpi.unit))}")
    distribution = go.Figure()
    distribution.add_histogram(x=everyone["value"], name="NL", nbinsx=40)
    marks = [(row["value"], name, dict(line_width=3)), (row["peer_median"], t("kpi.peer_median"), dict(line_dash="dash"))]
    marks = [(float(x), text, style) for x, text, style in marks if pd.notna(x)]
    # Two labels at the top would overlap where the lines are close: the lower value's label runs to the
    # left of its line, the higher one's to the right; at one value, the second label goes to the foot.
    sides = ["top right"] * len(marks)
    if len(marks) == 2:
        sides = (["top right", "bottom right"] if marks[0][0] == marks[1][0]
                 else ["top left", "top right"] if marks[0][0] < marks[1][0] else ["top right", "top left"])
    for (x, text, style), side in zip(marks, sides):
        distribution.add_vline(x=x, annotation_text=present.plain_html(text), annotation_position=side, **style)
    distribution.update_layout(xaxis_title=present.plain_html(unit(kpi.unit)), showlegend=False)
    # The histogram's figures with headers in words and numbers as the language writes them.
    widgets.chart_with_table(distribution, pd.DataFrame({
        t("kpi.region"): everyone["region"], t("app.municipality"): everyone["name"],
        t("kpi.value"): [fmt(v) for v in everyone["value"]],
    }), key="kpi_peers")
    names = reads.municipality_names()
    peers = sorted((names.get(code, code) for code in (row["peer_group"] or "").split(",") if code), key=str.casefold)
    peer_list(peers)


PEERS_NAMED = 5  # names in the one-line summary of a peer group; all of them one click away


def peer_list(peers: list[str]) -> None:
    """A peer group as a count and a few names, every name in a searchable table one click away
    (a group can hold 188 municipalities: a wall of names reads as nothing)."""
    if not peers:
        st.caption(t("peer_group.none"))
        return
    shown = ", ".join(present.plain(p) for p in peers[:PEERS_NAMED])
    st.caption(t("peer_group.summary" if len(peers) > PEERS_NAMED else "peer_group.listed", count=len(peers), names=shown))
    if len(peers) > PEERS_NAMED:
        with st.expander(t("peer_group.all", count=len(peers))):
            st.dataframe(pd.DataFrame({t("compare.municipality"): peers}), hide_index=True, key="kpi_peer_list")


def definition_section(kpi, row: pd.Series) -> None:
    st.header(t("kpi.definition"))
    st.markdown(
        f"- **{t('kpi.formula')}**: {present.plain(definition_text(kpi))}\n"
        f"- **{t('kpi.unit')}**: {present.plain(unit(kpi.unit))} · {t('kpi.polarity.' + kpi.polarity)} · {t('kinds.' + kpi.kind)} · "
        f"{t('themes.' + str(int(kpi.theme)))}\n"
        f"- **{t('kpi.source')}**: {present.plain(kpi.source)}" + (f" — {present.plain(kpi.fill_from)}" if kpi.fill_from else "")
        + "\n"
        f"- **{t('kpi.licence')}** / **{t('kpi.last_import')}**: {present.plain(widgets.provenance(row['sources']))}"
    )
    governance_table(row["sources"])


def data_section(kpi, history: pd.DataFrame, hidden: pd.Series, region: str) -> None:
    """The region's series as a table and as CSV and Excel downloads."""
    st.header(t("kpi.data"))
    data = history.assign(kpi=kpi.id, region=region, unit=unit(kpi.unit))[
        ["kpi", "region", "period", "value", "unit", "status", "provisional", "harmonised", "example_value", "suppressed", "sources"]]
    threshold = kpi.privacy_threshold
    # On screen every header and value in words of the view's language: numbers as the language writes
    # them, a suppressed value withheld in words, a mark as yes/no; the files keep the raw names and
    # values a program reads (a withheld value empty, the `suppressed` column says why).
    def yes_no(flags: pd.Series) -> list[str]:
        return [t("kpi.yes") if pd.notna(flag) and bool(flag) else t("kpi.no") for flag in flags]

    on_screen = data.assign(
        kpi=getattr(kpi.title, view.selection().lang),
        value=[widgets.shown(v, h, threshold, provisional=f) for v, h, f in zip(data["value"], hidden, data["provisional"])],
        status=[t(f"kpi.value_status.{s}") if isinstance(s, str) else "–" for s in data["status"]],
        **{flag: yes_no(data[flag]) for flag in ("provisional", "harmonised", "example_value", "suppressed")},
        sources=data["sources"].fillna("").astype(str))
    st.dataframe(on_screen.rename(columns=lambda name: t(f"kpi.table_columns.{name}")), hide_index=True, key="kpi_data", placeholder="–")
    left, right = st.columns(2)
    for_csv = data.assign(value=widgets.export_column(data["value"], hidden, threshold, for_csv=True))
    for_excel = data.assign(value=widgets.export_column(data["value"], hidden, threshold, for_csv=False))
    left.download_button(t("kpi.download_csv"), widgets.csv_bytes(for_csv), file_name=f"{kpi.id}_{region}.csv",
                         mime="text/csv")
    right.download_button(t("kpi.download_xlsx"), widgets.xlsx_bytes(for_excel),
                          file_name=f"{kpi.id}_{region}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _follow_switch() -> None:
    """The harmonise switch is the frame's division (`indeling`, in the URL): set before the rerun."""
    st.session_state["indeling"] = "today" if st.session_state["kpi_harmonise"] else "historical"


def division_section(where: view.OnDivision, kpi_id: str) -> None:
    """A dissolved municipality: which one it went into, with a link there; a merged one: a switch
    between its predecessors' history on today's division and the historical division."""
    if where.notice:
        st.warning(where.notice, icon=":material/info:")
    if where.successor:
        code, successor = where.successor
        st.page_link("pages/kpi.py", label=t("links.kpi.open_successor", successor=f"{successor} ({code})"),
                     icon=":material/arrow_forward:", query_params={**st.query_params.to_dict(), "gemeente": code, "kpi": kpi_id})
    if where.merger:
        st.caption(where.merger)
        st.session_state["kpi_harmonise"] = view.selection().division == "today"
        st.toggle(t("links.kpi.harmonise"), key="kpi_harmonise", help=t("links.kpi.harmonise_help"), on_change=_follow_switch)


def draw() -> None:
    choice = view.selection()
    kpis = reads.library().kpis
    kpi_id = view.kpi_choice("kpi", t("kpi.choose"), kpis)
    kpi = kpis[kpi_id]
    # On today's division a dissolved municipality is shown as the one it went into (as on Overzicht).
    where = view.on_division(choice.region, reads.region_story(choice.region), reads.existed_in)
    row = reads.overview(where.code, with_expected=True).set_index("kpi_id").loc[kpi_id]
    name = where.name
    # A KPI's title and description may come from an advisor's own YAML: shown as written, never as Markdown.
    st.title(present.plain(getattr(kpi.title, choice.lang)))
    st.markdown(present.plain(getattr(kpi.description, choice.lang)))
    division_section(where, kpi_id)
    widgets.status_badge(row["status"], bool(row.get("example_target", False)))
    for note in widgets.flag_notes(row):
        st.caption(f"⚑ {note}")

    history = reads.series(where.code).get(kpi_id, pd.DataFrame(columns=["period", "value", "suppressed"]))
    hidden = history["suppressed"].astype(bool) if "suppressed" in history else pd.Series(False, index=history.index)
    # What people wrote is cached on their writes (see koers.dashboard.reads): a revised target shows on the next run.
    loop = reads.loop(where.code)
    targets = loop.targets[loop.targets["kpi_id"] == kpi_id].sort_values("year").reset_index(drop=True)
    notes = loop.annotations[loop.annotations["kpi_id"] == kpi_id]
    series_section(kpi, row, name, history, hidden, targets, notes)
    loop_section(kpi, notes, targets, loop.revisions)
    peers_section(kpi, row, name)
    definition_section(kpi, row)
    data_section(kpi, history, hidden, where.code)


view.guarded(draw)
