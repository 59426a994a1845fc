"""Overzicht: per theme the outcome KPIs as cards, with the outputs meant to move them beneath."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from koers import present
from koers.dashboard import reads, view, widgets
from koers.dashboard.view import fmt, t
from koers.kpis import cards
from metrics.model import Theme


def card(row: pd.Series, history: pd.DataFrame | None, title: str, polarity: str, threshold: int,
         notes: pd.DataFrame | None = None) -> None:
    """One outcome; `notes`: the KPI's annotations for this municipality (by period), if any."""
    with st.container(border=True):
        delta = cards.change_since_previous(history, row["value"], view.selection().year)
        st.metric(
            present.plain(title),  # an own KPI's title is an advisor's text
            widgets.shown(row["value"], row["suppressed"], threshold, provisional=row["provisional"]),
            delta=None if delta is None else fmt(delta),
            delta_color={"higher_is_better": "normal", "lower_is_better": "inverse"}.get(polarity, "off"),
            border=False,
        )
        widgets.sparkline(cards.sparkline(history, view.selection().year), key=f"spark_{row['kpi_id']}")
        widgets.status_badge(row["status"])
        parts = [present.plain(row["unit"])]
        if pd.notna(row["target"]):
            parts.append(t("overview.target", target=fmt(row["target"]), year=int(row["target_year"])))
        if isinstance(row["trend"], str):
            parts.append(widgets.trend_text(row["trend"]))
        if pd.notna(row["percentile"]):
            parts.append(t("overview.peer", percentile=fmt(row["percentile"], 0), peers=row["peers"]))
        if pd.isna(row["value"]) and isinstance(row["fill_from"], str) and row["fill_from"]:
            parts.append(t("overview.no_data_source", source=present.plain(row["fill_from"])))
        st.caption(" · ".join(parts + [f"⚑ {note}" for note in widgets.flag_notes(row)]))
        if notes is not None and not notes.empty:
            latest = notes.sort_values(["updated_at", "id"]).iloc[-1]
            text = latest["text"] if len(latest["text"]) <= 90 else latest["text"][:89] + "…"
            st.caption(f":material/comment: {t('loop.annotation_count', count=len(notes))} · "
                       f"{t('loop.latest_annotation', period=present.plain(latest['period']), text=present.plain(text))}")
        st.page_link("pages/kpi.py", label=t("overview.open_kpi"), icon=":material/arrow_forward:",
                     query_params={"kpi": row["kpi_id"]})


def overdue_box(actions: pd.DataFrame, lang: str) -> None:
    """Open actions past their due date, at the top: what was promised and has not happened."""
    late = actions[actions["overdue"]]
    if late.empty:
        return
    kpis = reads.library().kpis
    # What people wrote shows as typed: no image fetched, no link (see present.plain).
    lines = [t("loop.overdue_line", title=present.plain(row.title), owner=present.plain(row.owner),
               due=present.date_text(row.due_date),
               kpis=present.plain(", ".join(getattr(kpis[k].title, lang) if k in kpis else k for k in row.kpi_ids)))
             for row in late.itertuples()]
    heading = f"**{present.OVERDUE_SYMBOL} {t('loop.overdue_title', count=len(late))}**"
    st.warning(heading + "\n\n" + "\n".join(f"- {line}" for line in lines), icon=":material/alarm:")
    st.page_link("pages/leren.py", label=t("loop.to_learning"), icon=":material/arrow_forward:")


def draw() -> None:
    choice = view.selection()
    story = reads.region_story(choice.region)
    region = story["region"]
    name = region["name"] if region else choice.region
    st.title(t("overview.title", municipality=name, year=choice.year))

    # On today's division (the frame's default) every series is on today's municipalities; a
    # municipality that no longer exists is shown as the one it went into. On the historical
    # division a year in which the municipality did not exist offers its successor's harmonised series.
    view_region, harmonised = choice.region, choice.division == "today"
    gone = region is not None and pd.notna(region["valid_to"]) and not story["successors"].empty
    if harmonised and gone:
        successor = story["successors"].iloc[0]
        shown_as = f"{successor['name']} ({successor['code']})"
        reason = t("overview.merged_into", successor=shown_as, date=present.date_text(region["valid_to"]))
        st.warning(t("overview.not_in_division", name=name, reason=reason, successor=shown_as), icon=":material/info:")
        view_region = successor["code"]
    elif region and not reads.existed_in(region, choice.year) and not harmonised:
        if gone:
            successor = story["successors"].iloc[0]
            reason = t("overview.merged_into", successor=f"{successor['name']} ({successor['code']})",
                       date=present.date_text(region["valid_to"]))
            view_region = successor["code"]
        else:
            reason = t("overview.created_on", date=present.date_text(region["valid_from"]),
                       predecessors=", ".join(story["predecessors"]["name"].dropna().astype(str).unique()))
        st.warning(t("overview.not_existing", name=name, year=choice.year, reason=reason), icon=":material/info:")
        harmonised = st.toggle(t("overview.show_harmonised"), value=True, key="harmonised")
        if not harmonised:
            return
    if harmonised:
        st.caption(t("overview.harmonised_note"))

    loop = reads.loop(view_region)
    overdue_box(loop.actions, choice.lang)

    frame = reads.overview(view_region, harmonised)
    history = reads.series(view_region, harmonised)
    kpis = reads.library().kpis
    outcomes = frame[frame["kind"] == "outcome"]
    st.markdown(present.counts_text(outcomes["status"], choice.lang))

    for theme in Theme:
        st.header(present.theme_label(theme, choice.lang))
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
                t("kpi.value"): [widgets.shown(v, s, kpis[k].privacy_threshold, provisional=f)  # withheld in words, not "–"
                                 for k, v, s, f in zip(outputs["kpi_id"], outputs["value"], outputs["suppressed"],
                                                       outputs["provisional"])],
                t("kpi.unit"): outputs["unit"].tolist(),
                t("kpi.status_label"): [present.status_word(s, choice.lang) for s in outputs["status"]],
                "→": [", ".join(getattr(kpis[c].title, choice.lang) for c in kpis[k].contributes_to) for k in outputs["kpi_id"]],
            }), hide_index=True)

    st.header(t("overview.changed"))
    changed = cards.changes_since_last_year(history, choice.year)
    if changed.empty:
        st.write(t("overview.changed_none"))
    else:
        st.dataframe(pd.DataFrame({
            "KPI": [getattr(kpis[k].title, choice.lang) for k in changed["kpi_id"]],
            str(choice.year - 1): [fmt(v) for v in changed["before"]],
            str(choice.year): [fmt(v) for v in changed["now"]],
            "%": [fmt(v, 1) for v in changed["change"]],
        }), hide_index=True)


view.guarded(draw)
