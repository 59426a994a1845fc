"""Overzicht, the page a manager opens every Monday: per theme its status count and its outcome
KPIs as cards, most urgent first (off track, at risk, on track, without target, without data),
each with its change since the year before, the one line saying why it has its status, and the
open actions on it; the theme's outputs, inputs and context beneath. `?filter=uitkoers` in the
link shows only what is off track."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from koers import present
from koers.dashboard import reads, view, widgets
from koers.dashboard.view import fmt, t
from koers.kpis import cards
from koers.loop import learning
from metrics.model import Theme


# The filter's URL parameter (and widget key) and its values: `?filter=uitkoers` opens the page filtered.
FILTER_PARAM, FILTER_ALL, FILTER_OFF_TRACK = "filter", "alle", "uitkoers"
CARD_WIDTH = 270  # px: three cards a row at 1440 px with the sidebar open, two at 1024, more when wider, one on a phone


def card(row: dict, points: pd.DataFrame | None, title: str, threshold: int,
         notes: pd.DataFrame | None = None, actions: list[dict] | None = None) -> None:
    """One outcome, a row of `present.card_rows` (as a dict): its value with the change since the year
    before (arrow and colour by the KPI's polarity), the sparkline up to the selected year
    (`points`: `koers.kpis.cards.sparkline`), the status with the one line saying why, the open
    actions on it (records of `present.open_actions_by_kpi`); `notes`: the KPI's annotations for
    this municipality (by period), if any."""
    year, lang = view.selection().year, view.selection().lang
    polarity = row["polarity"]
    with st.container(border=True, width=CARD_WIDTH):
        # The title as text that wraps, not as the metric's label (one line, cut off in a narrow card);
        # the delta is the signed number alone (the unit followed it and was cut off: it is in the caption below).
        st.markdown(f"**{present.plain(title)}**",  # an own KPI's title is an advisor's text
                    help=t("overzicht.change_help", year=year - 1, polarity=t(f"kpi.polarity.{polarity}")))
        st.metric(
            present.plain(title),
            widgets.shown(row["value"], row["suppressed"], threshold, provisional=row["provisional"]),
            delta=present.change_text(row["change"], "", lang),
            delta_color={"higher_is_better": "normal", "lower_is_better": "inverse"}.get(polarity, "off"),
            delta_description=t("overzicht.change_since", year=year - 1) if pd.notna(row["change"]) else None,
            label_visibility="collapsed", border=False,
        )
        # The sparkline (`widgets.sparkline_svg`; none without a known value), the status badge with
        # the line saying why, and in small print the unit, trend, peers and flags, the open actions
        # and the latest annotation: one element. Each element costs the browser on every change of
        # municipality, 28 cards over (React, styles and Markdown per element: most of a redraw).
        # HTML is allowed for the SVG; what people wrote (an action, an annotation, an own KPI's
        # unit) is escaped character by character (`present.plain`), so it is text, never a tag.
        chart = "" if points is None else widgets.sparkline_svg(points, lang) + "\n\n"
        parts = [present.plain(present.unit_of(row, lang))]
        if isinstance(row["trend"], str):
            parts.append(widgets.trend_text(row["trend"]))
        if pd.notna(row["percentile"]):
            parts.append(t("overview.peer", percentile=fmt(row["percentile"], 0), peers=row["peers"]))
        if pd.isna(row["value"]) and isinstance(row["fill_from"], str) and row["fill_from"]:
            parts.append(t("overview.no_data_source", source=present.plain(row["fill_from"])))
        small = [" · ".join(parts + [f"⚑ {note}" for note in widgets.flag_notes(row)])]
        if actions:  # overdue ones first, marked
            small += [f":material/task_alt: **{t('overzicht.actions')}**",
                      *(present.action_line(present.plain(a["title"]), a["due_date"], a["overdue"], lang) for a in actions)]
        if notes is not None and not notes.empty:
            latest = notes.sort_values(["updated_at", "id"]).iloc[-1]
            text = latest["text"] if len(latest["text"]) <= 90 else latest["text"][:89] + "…"
            small.append(f":material/comment: {t('loop.annotation_count', count=len(notes))} · "
                         f"{t('loop.latest_annotation', period=present.plain(latest['period']), text=present.plain(text))}")
        st.markdown(chart + widgets.status_markdown(row["status"], bool(row["example_target"]),
                                                    present.status_reason(row, polarity, year, lang, threshold))
                    + "\n\n" + widgets.small_print(small), unsafe_allow_html=True)
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
    heading = f"**{t('loop.overdue_title', count=len(late))}**"  # the box's own icon is the overdue mark
    st.warning(heading + "\n\n" + "\n".join(f"- {line}" for line in lines), icon=":material/alarm:")
    st.page_link("pages/leren.py", label=t("loop.to_learning"), icon=":material/arrow_forward:")


def others_table(rows: pd.DataFrame, kpis: dict, titles: dict[str, str], actions: dict[str, list[dict]],
                 filtered: bool, lang: str) -> None:
    """A theme's outputs, inputs and context after its outcomes, folded away: what the municipality
    delivers and puts in, and the circumstances, each with its status and open actions."""
    if filtered:
        rows = rows[rows["status"] == "off_track"]
    if rows.empty:
        return
    with st.expander(t("overzicht.others", count=len(rows))):
        st.markdown(widgets.markdown_table(pd.DataFrame({
            "KPI": [titles[k] for k in rows["kpi_id"]],
            t("overzicht.columns.kind"): [t(f"kinds.{k}") for k in rows["kind"]],
            t("kpi.value"): [widgets.shown(v, s, kpis[k].privacy_threshold, provisional=f)  # withheld in words, not "–"
                             for k, v, s, f in zip(rows["kpi_id"], rows["value"], rows["suppressed"], rows["provisional"])],
            t("kpi.unit"): [present.unit_of(r, lang) for r in rows[["unit", "unit_en"]].to_dict("records")],
            t("kpi.status_label"): [present.status_word(s, lang, bool(e)) for s, e in zip(rows["status"], rows["example_target"])],
            # Titles as typed: `markdown_table` escapes every cell.
            t("overzicht.columns.actions"): ["; ".join(present.action_line(a["title"], a["due_date"], a["overdue"], lang, markdown=False)
                                                       for a in actions.get(k, []))
                                             for k in rows["kpi_id"]],
            "→": [", ".join(titles.get(c, c) for c in kpis[k].contributes_to) for k in rows["kpi_id"]],
            "⚑": ["; ".join(widgets.flag_notes(r)) for r in rows.to_dict("records")],  # what is invented, as on the cards
        }), right=(t("kpi.value"),)))


def shown_region(name: str, story: dict) -> tuple[str, bool] | None:
    """The region whose figures the page shows, and whether on today's division; None when the
    visitor chose not to see a harmonised series for a year the municipality did not exist in.

    On today's division (the frame's default) every series is on today's municipalities; a
    municipality that no longer exists is shown as the one it went into. On the historical
    division a year in which the municipality did not exist offers its successor's harmonised series."""
    choice = view.selection()
    region = story["region"]
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
            return None
    if harmonised:
        st.caption(t("overview.harmonised_note"))
    return view_region, harmonised


def only_off_track() -> bool:
    """The filter "alleen uit koers", kept in the URL as `filter` (`uitkoers` or `alle`, the
    default) like the frame's selection, so a shared link opens the filtered page."""
    lang = view.selection().lang
    view.from_url(FILTER_PARAM, [FILTER_ALL, FILTER_OFF_TRACK], FILTER_ALL, label=view.labels(lang, "overzicht.filters"))
    chosen = st.segmented_control(t("overzicht.filter"), [FILTER_ALL, FILTER_OFF_TRACK], key=FILTER_PARAM, required=True,
                                  format_func=view.labels(lang, "overzicht.filters"), help=t("overzicht.only_off_track_help"))
    view.to_url(FILTER_PARAM)
    return chosen == FILTER_OFF_TRACK


def theme_section(theme: Theme, board: pd.DataFrame, notes: dict[str, pd.DataFrame], points: dict[str, pd.DataFrame | None],
                  kpis: dict, titles: dict[str, str], actions: dict[str, list[dict]], filtered: bool) -> None:
    """One theme: its status count, its outcome cards in urgency order, then its other KPIs.
    `notes`: the annotations per KPI id; `points`: the sparklines per KPI id (`reads.sparklines`);
    `actions`: the open actions per KPI id (`present.open_actions_by_kpi`, as records)."""
    lang = view.selection().lang
    st.header(present.theme_label(theme, lang))
    mine = board[(board["theme"] == int(theme)) & (board["kind"] == "outcome")]
    st.markdown(present.urgency_counts_text(mine["status"], lang))
    if filtered:
        mine = mine[mine["status"] == "off_track"]
    st.subheader(t("overview.outcomes"))
    if mine.empty and filtered:
        st.caption(t("overzicht.none_off_track"))
    # The cards in one wrapping row, in urgency order left to right, top to bottom — and in that
    # same order when they stack on a narrow screen. (A row of `st.columns` per three cards drew
    # four blocks more per row, ~40 on the page, each redrawn by the browser on every change.)
    # Plain dicts, not rows of the frame: a row of `iterrows` is a Series built per card, and every
    # field read from it went through pandas' indexing (a fifth of a rerun for 28 cards).
    with st.container(horizontal=True):
        for row in mine.to_dict("records"):
            kpi_id = row["kpi_id"]
            card(row, points.get(kpi_id), titles[kpi_id], kpis[kpi_id].privacy_threshold,
                 notes.get(kpi_id), actions.get(kpi_id))
    others_table(board[(board["theme"] == int(theme)) & (board["kind"] != "outcome")], kpis, titles, actions, filtered, lang)


def draw() -> None:
    choice = view.selection()
    # Every figure of the page, read once and in one visit to the store (none when all are cached):
    # the region, the learning loop (cached on people's writes), the overview, series and sparklines. The
    # overview before the series: for a municipality not seen before, it evaluates them as well.
    with reads.one_visit():
        story = reads.region_story(choice.region)
        name = story["region"]["name"] if story["region"] else choice.region
        st.title(t("overview.title", municipality=name, year=choice.year))
        shown = shown_region(name, story)
        if shown is None:
            return
        view_region, harmonised = shown
        loop = reads.loop(view_region)
        overview = reads.overview(view_region, harmonised)
        history = reads.series(view_region, harmonised)
        sparklines = reads.sparklines(view_region, choice.year, harmonised)
    overdue_box(loop.actions, choice.lang)
    kpis = reads.library().kpis
    board = present.card_rows(overview, history, loop.targets,
                              {k: kpi.polarity for k, kpi in kpis.items()}, choice.year)
    titles = {k: getattr(kpis[k].title, choice.lang) if k in kpis else k for k in board["kpi_id"]}
    # Themes stay the grouping, in their fixed order, with urgency order inside each: a municipal
    # manager reads the page along the programmes of the budget (each theme has its own portfolio
    # holder and team), and a theme order that changed with the figures every week would hide where
    # to look. Each theme's status count under its heading says at a glance where the trouble is;
    # the line at the top counts all outcomes. Within a theme: outcomes first, off track, at risk,
    # on track, without target, without data; then outputs, inputs and context (`present.urgency_order`).
    board = present.urgency_order(board, titles)
    st.markdown(present.urgency_counts_text(board.loc[board["kind"] == "outcome", "status"], choice.lang))
    filtered = only_off_track()
    actions = {k: rows.to_dict("records") for k, rows in present.open_actions_by_kpi(loop.actions, learning.OPEN_STATUSES).items()}
    notes = {str(k): rows for k, rows in loop.annotations.groupby("kpi_id", sort=False)}
    for theme in Theme:
        theme_section(theme, board, notes, sparklines, kpis, titles, actions, filtered)

    st.header(t("overview.changed"))
    changed = cards.changes_since_last_year(history, choice.year)
    if changed.empty:
        st.write(t("overview.changed_none"))
    else:
        st.markdown(widgets.markdown_table(pd.DataFrame({
            "KPI": [titles.get(k, k) for k in changed["kpi_id"]],
            str(choice.year - 1): [fmt(v) for v in changed["before"]],
            str(choice.year): [fmt(v) for v in changed["now"]],
            "%": [fmt(v, 1) for v in changed["change"]],
            "⚑": [t("flags.example_value") if e else "" for e in changed["example"]],  # invented figures, said so
        }), right=(str(choice.year - 1), str(choice.year), "%")))


view.guarded(draw)
