"""Overzicht: per theme the outcome KPIs as cards, with the outputs meant to move them beneath."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from koers.dashboard import ui, ui_loop
from koers.dashboard.ui import fmt, t
from metrics.model import Theme


def card(row: pd.Series, history: pd.DataFrame | None, title: str, polarity: str, threshold: int,
         notes: pd.DataFrame | None = None) -> None:
    """One outcome; `notes`: the KPI's annotations for this municipality (by period), if any."""
    with st.container(border=True):
        values = history["value"] if history is not None else pd.Series(dtype=float)
        previous = values.iloc[-2] if len(values) >= 2 and history["period"].iloc[-1] == str(ui.selection().year) else None
        delta = None if previous is None or pd.isna(previous) or pd.isna(row["value"]) else row["value"] - previous
        st.metric(
            title,
            f"< {fmt(threshold)}" if row["suppressed"] else fmt(row["value"]),
            delta=None if delta is None else fmt(delta),
            delta_color={"higher_is_better": "normal", "lower_is_better": "inverse"}.get(polarity, "off"),
            chart_data=None if history is None else history["value"].ffill().fillna(0).tolist(),
            border=False,
        )
        ui.status_badge(row["status"])
        parts = [row["unit"]]
        if pd.notna(row["target"]):
            parts.append(t("overview.target", target=fmt(row["target"]), year=int(row["target_year"])))
        if isinstance(row["trend"], str):
            parts.append(f"{ui.TREND_ICON[row['trend']]} {t('trend.' + row['trend'])}")
        if pd.notna(row["percentile"]):
            parts.append(t("overview.peer", percentile=fmt(row["percentile"], 0), peers=row["peers"]))
        if pd.isna(row["value"]) and isinstance(row["fill_from"], str) and row["fill_from"]:
            parts.append(t("overview.no_data_source", source=row["fill_from"]))
        st.caption(" · ".join(parts + [f"⚑ {note}" for note in ui.flag_notes(row)]))
        if notes is not None and not notes.empty:
            latest = notes.sort_values(["updated_at", "id"]).iloc[-1]
            text = latest["text"] if len(latest["text"]) <= 90 else latest["text"][:89] + "…"
            st.caption(f":material/comment: {t('loop.annotation_count', count=len(notes))} · "
                       f"{t('loop.latest_annotation', period=latest['period'], text=text)}")
        st.page_link("pages/kpi.py", label=t("overview.open_kpi"), icon=":material/arrow_forward:",
                     query_params={"kpi": row["kpi_id"]})


def overdue_box(actions: pd.DataFrame, lang: str) -> None:
    """Open actions past their due date, at the top: what was promised and has not happened."""
    late = actions[actions["overdue"]]
    if late.empty:
        return
    kpis = ui.library().kpis
    lines = [t("loop.overdue_line", title=row.title, owner=row.owner, due=pd.Timestamp(row.due_date).strftime("%d-%m-%Y"),
               kpis=", ".join(getattr(kpis[k].title, lang) if k in kpis else k for k in row.kpi_ids))
             for row in late.itertuples()]
    heading = f"**{ui_loop.OVERDUE_SYMBOL} {t('loop.overdue_title', count=len(late))}**"
    st.warning(heading + "\n\n" + "\n".join(f"- {line}" for line in lines), icon=":material/alarm:")
    st.page_link("pages/leren.py", label=t("loop.to_learning"), icon=":material/arrow_forward:")


def draw() -> None:
    choice = ui.selection()
    story = ui.region_story(choice.region)
    region = story["region"]
    name = region["name"] if region else choice.region
    st.title(t("overview.title", municipality=name, year=choice.year))

    view_region, harmonised = choice.region, False
    if region and not ui.existed_in(region, choice.year):
        if pd.notna(region["valid_to"]) and not story["successors"].empty:
            successor = story["successors"].iloc[0]
            reason = t("overview.merged_into", successor=f"{successor['name']} ({successor['code']})",
                       date=pd.Timestamp(region["valid_to"]).strftime("%d-%m-%Y"))
            view_region = successor["code"]
        else:
            reason = t("overview.created_on", date=pd.Timestamp(region["valid_from"]).strftime("%d-%m-%Y"),
                       predecessors=", ".join(story["predecessors"]["name"].dropna().astype(str).unique()))
        st.warning(t("overview.not_existing", name=name, year=choice.year, reason=reason), icon=":material/info:")
        harmonised = st.toggle(t("overview.show_harmonised"), value=True, key="harmonised")
        if not harmonised:
            return
        st.caption(t("overview.harmonised_note"))

    loop = ui_loop.loop(view_region)
    overdue_box(loop.actions, choice.lang)

    frame = ui.overview(view_region, harmonised)
    history = ui.series(view_region, harmonised)
    kpis = ui.library().kpis
    outcomes = frame[frame["kind"] == "outcome"]
    counts = outcomes["status"].value_counts()
    st.markdown(t("overview.counts", **{s: int(counts.get(s, 0)) for s in ("on_track", "at_risk", "off_track", "no_target")}))

    for theme in Theme:
        st.header(f"{int(theme)}. {t(f'themes.{int(theme)}')}")
        mine = outcomes[outcomes["theme"] == int(theme)]
        st.subheader(t("overview.outcomes"))
        columns = st.columns(3)
        for index, (_, row) in enumerate(mine.iterrows()):
            with columns[index % 3]:
                kpi = kpis[row["kpi_id"]]
                notes = loop.annotations[loop.annotations["kpi_id"] == row["kpi_id"]]
                card(row, history.get(row["kpi_id"]), getattr(kpi.title, choice.lang), kpi.polarity, kpi.privacy_threshold,
                     notes)
        outputs = frame[(frame["theme"] == int(theme)) & (frame["kind"] == "output")]
        if not outputs.empty:
            st.subheader(t("overview.outputs"))
            st.dataframe(pd.DataFrame({
                "KPI": [getattr(kpis[k].title, choice.lang) for k in outputs["kpi_id"]],
                t("kpi.value"): [ui_loop.value_text(v, s, kpis[k].privacy_threshold)  # "< n" when suppressed, not "–"
                                 for k, v, s in zip(outputs["kpi_id"], outputs["value"], outputs["suppressed"])],
                t("kpi.unit"): outputs["unit"].tolist(),
                t("kpi.status_label"): [t(f"status.{s}") for s in outputs["status"]],
                "→": [", ".join(getattr(kpis[c].title, choice.lang) for c in kpis[k].contributes_to) for k in outputs["kpi_id"]],
            }), hide_index=True)

    st.header(t("overview.changed"))
    changes = []
    for kpi_id, rows in history.items():
        now = rows[rows["period"] == str(choice.year)]["value"]
        before = rows[rows["period"] == str(choice.year - 1)]["value"]
        if len(now) and len(before) and pd.notna(now.iloc[0]) and pd.notna(before.iloc[0]) and before.iloc[0] != 0:
            changes.append((kpi_id, before.iloc[0], now.iloc[0], (now.iloc[0] / before.iloc[0] - 1) * 100))
    if not changes:
        st.write(t("overview.changed_none"))
    else:
        changed = pd.DataFrame(changes, columns=["kpi_id", "before", "now", "change"]).sort_values("change", key=abs, ascending=False).head(10)
        st.dataframe(pd.DataFrame({
            "KPI": [getattr(kpis[k].title, choice.lang) for k in changed["kpi_id"]],
            str(choice.year - 1): [fmt(v) for v in changed["before"]],
            str(choice.year): [fmt(v) for v in changed["now"]],
            "%": [fmt(v, 1) for v in changed["change"]],
        }), hide_index=True)


ui.guarded(draw)
