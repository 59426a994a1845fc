"""Reviewsessies: the council review of a municipality, plan → do → check → adjust.

A session freezes what was shown (`koers.loop.review`): this page draws that frozen snapshot, never the
live figures, so what the council discussed stays what it was after any later import. Next to it
the session's findings, decisions and expected effects, what the previous session expected against
what happened, the actions on the session's KPIs, and the report as PDF and HTML.

Council members (permission `report`) read everything and make reports; recording (permission
`review`) is for advisors and administrators. Edits name the version they loaded (see Leren).
"""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import streamlit as st

from koers import present
from koers.access import ROLE_NAMES, Permission
from koers.dashboard import forms, reads, view, widgets
from koers.dashboard.view import fmt, t
from koers.errors import KoersError
from koers.loop import review
from koers.loop.review import Direction, ItemKind, Stage
from metrics.model import Theme

log = logging.getLogger("koers.dashboard")
NEW = forms.NEW
REQUEST = "review_request"  # what a button asked for (see forms.ask)
STAGES = [s.value for s in Stage]
ITEM_KINDS = [k.value for k in ItemKind]
DIRECTIONS = [d.value for d in Direction]
ITEM_FIELDS = ("kind", "kpi", "text", "direction", "value", "year")
state = st.session_state
column = widgets.headings("review_page.columns")


# --- the list and a new session ---------------------------------------------------------------


def _create_session() -> None:
    """Make the session asked for, with progress: the snapshot evaluates every KPI."""
    title, reference_date = state.get("review_new_title") or "", state.get("review_new_date")
    choice = view.selection()
    region = choice.region
    made: dict[str, int] = {}
    bar = st.progress(0.0, text=t("review_page.freezing_results"))
    with st.spinner(t("review_page.freezing", year=choice.year)):
        results = reads.results()  # the evaluation the dashboard shows (cached), so the snapshot equals the screen
        bar.progress(0.5, text=t("review_page.freezing", year=choice.year))
        forms.attempt(lambda store, library: made.update(id=review.create_session(
            store, library, view.actor(), region, choice.year, title, reference_date, choice.peers, results)),
            "review_flash", t("review_page.created", title=title, year=choice.year))
        bar.progress(1.0, text=t("review_page.freezing_done"))
    bar.empty()
    if "id" in made:
        state["sessie"] = made["id"]  # open the new session (its selectbox is drawn further down)
        state.pop("review_new_title", None)


def sessions_section(region: str, sessions: pd.DataFrame) -> None:
    st.header(t("review_page.sessions"))
    forms.show_flash("review_flash")
    if sessions.empty:
        st.info(t("review_page.no_sessions"))
    else:
        newest = sessions.iloc[::-1]
        st.dataframe(pd.DataFrame({
            column("title"): newest["title"],
            column("reference_date"): [present.date_text(v) for v in newest["reference_date"]],
            column("year"): newest["year"].astype(int).astype(str),
            column("stage"): [t(f"review_page.stages.{s}") for s in newest["stage"]],
            column("by"): newest["created_by"],
        }), hide_index=True, key="review_sessions")
    if not view.actor().may(Permission.review, view.selection().region):
        return
    st.subheader(t("review_page.new_session"))
    year = view.selection().year
    state.setdefault("review_new_date", dt.date.today())
    with st.form("review_new_form"):
        st.text_input(column("title"), key="review_new_title", placeholder=t("review_page.title_placeholder", year=year))
        st.date_input(column("reference_date"), key="review_new_date", format="DD-MM-YYYY")
        st.caption(t("review_page.snapshot_note", year=year))
        st.form_submit_button(t("review_page.create"), key="review_create", type="primary", icon=":material/ac_unit:",
                              on_click=forms.ask, args=(REQUEST, "create_session"))


# --- one session ------------------------------------------------------------------------------


def _save_stage() -> None:
    session_id, version = state["review_stage_loaded"]
    stage = state.get("review_stage")
    if stage is None:
        return
    forms.attempt(lambda store, library: review.set_stage(store, view.actor(), session_id, stage, version),
                  "review_stage_flash", t("review_page.stage_saved"))
    # Saved or refused, the form shows the stored stage next: after a refusal, the newer one.
    state.pop("review_stage_loaded", None)


def stage_section(session: dict, lang: str) -> None:
    st.subheader(t("review_page.stage"))
    forms.show_flash("review_stage_flash")
    st.markdown(" → ".join(f"**{t('review_page.stages.' + s)}**" if s == session["stage"] else t(f"review_page.stages.{s}")
                           for s in STAGES))
    if not view.actor().may(Permission.review, view.selection().region):
        return
    if not forms.still_loaded("review_stage_loaded", (int(session["id"]),), ["review_stage"]):
        state["review_stage"] = session["stage"]
        state["review_stage_loaded"] = (int(session["id"]), int(session["version"]))
    with st.form("review_stage_form"):
        st.segmented_control(t("review_page.stage"), STAGES, key="review_stage", required=True,
                             format_func=view.labels(lang, "review_page.stages"))
        st.form_submit_button(t("review_page.save_stage"), key="review_stage_save", icon=":material/save:",
                              on_click=forms.ask, args=(REQUEST, "save_stage"))


def snapshot_section(session: dict, frozen: pd.DataFrame, lang: str) -> None:
    st.caption(t("review_page.frozen_note", date=present.date_text(session["created_at"], with_time=True),
                 year=int(session["year"]), version=int(session["data_version"])))
    for theme in Theme:
        rows = frozen[frozen["theme"] == int(theme)]
        if rows.empty:
            continue
        st.subheader(present.theme_label(theme, lang))
        st.markdown(present.counts_text(rows[rows["kind"] == "outcome"]["status"], lang))
        st.dataframe(pd.DataFrame({
            column("status"): [widgets.status_text(s) for s in rows["status"]],
            column("kpi"): [present.title_of(r, lang) for _, r in rows.iterrows()],
            column("kind"): [t(f"kinds.{k}") for k in rows["kind"]],
            column("value"): [widgets.shown(v, s, p)
                              for v, s, p in zip(rows["value"], rows["suppressed"], rows["privacy_threshold"])],
            column("unit"): _units(rows, lang),
            column("target"): [fmt(v) if pd.notna(v) else "" for v in rows["target"]],
            column("target_year"): ["" if pd.isna(y) else str(int(y)) for y in rows["target_year"]],
            column("trend"): [widgets.trend_text(d) for d in rows["trend"]],
            column("flags"): [", ".join(widgets.flag_notes(r)) for _, r in rows.iterrows()],
        }), hide_index=True, key=f"review_snapshot_{int(theme)}")


def _load_item(session_id: int, pick: int, records: dict) -> None:
    if forms.still_loaded("review_item_loaded", (session_id, pick), [f"review_item_{n}" for n in ITEM_FIELDS]):
        return
    if pick == NEW:
        values, version = {"kind": ITEM_KINDS[0], "kpi": None, "text": "", "direction": None, "value": "", "year": None}, None
    else:
        r = records[pick]
        values = {"kind": r.kind, "kpi": r.kpi_id if isinstance(r.kpi_id, str) else None, "text": r.text,
                  "direction": r.expected_direction if isinstance(r.expected_direction, str) else None,
                  "value": present.number_for_input(r.expected_value, view.selection().lang),
                  "year": None if pd.isna(r.expected_year) else int(r.expected_year)}
        version = int(r.version)
    forms.fill_form("review_item", session_id, pick, values, version)


def _expected_value() -> float | None:
    """The expected value as typed, read in the view's language (see leren.py's target), checked
    against the unit of the KPI it is about."""
    lang, kpi_id = view.selection().lang, state["review_item_kpi"]
    kpis = reads.library().kpis
    return present.parse_number(state["review_item_value"], lang, column("expected_value"),
                                unit=kpis[kpi_id].unit if kpi_id in kpis else None)


def _save_item() -> None:
    session_id = state["review_item_loaded"][0]
    try:
        expected = _expected_value()
    except KoersError as error:  # the typed text stays in the form, to be corrected
        state["review_item_flash"] = ("error", error.message(view.selection().lang))
        return
    values = {"session_id": session_id, "kind": state["review_item_kind"], "kpi_id": state["review_item_kpi"],
              "text": state["review_item_text"], "expected_direction": state["review_item_direction"],
              "expected_value": expected,
              "expected_year": None if state["review_item_year"] is None else int(state["review_item_year"])}
    forms.save_loaded("review_item", review.save_item, values, t("review_page.item_saved"))


def items_section(session_id: int, items: pd.DataFrame, titles: dict[str, str], lang: str) -> None:
    st.subheader(t("review_page.items"))
    forms.show_flash("review_item_flash")
    if items.empty:
        st.info(t("review_page.no_items"))
    else:
        ordered = items.assign(order=items["kind"].map({k: i for i, k in enumerate(ITEM_KINDS)})).sort_values(["order", "id"])
        st.dataframe(pd.DataFrame({
            column("item_kind"): [t(f"review_page.item_kinds.{k}") for k in ordered["kind"]],
            column("kpi"): [titles.get(k, k) if isinstance(k, str) else "" for k in ordered["kpi_id"]],
            column("text"): ordered["text"],
            column("expected"): [expectation(r) for _, r in ordered.iterrows()],
            column("by"): ordered["updated_by"],
        }), hide_index=True, key="review_items")
    if not view.actor().may(Permission.review, view.selection().region):
        return
    st.markdown(f"**{t('review_page.item_form')}**")
    records = {int(r.id): r for r in items.itertuples()}
    if state.get("review_item_pick") not in [NEW, *records]:
        state["review_item_pick"] = NEW
    pick = st.selectbox(t("review_page.edit_choice"), [NEW, *records], key="review_item_pick",
                        format_func=lambda i: t("review_page.new_item") if i == NEW else
                        f"{t('review_page.item_kinds.' + records[i].kind)} · {records[i].text[:60]}")
    _load_item(session_id, pick, records)
    if state.get("review_item_kpi") not in [None, *titles]:
        state["review_item_kpi"] = None
    with st.form("review_item_form"):
        left, right = st.columns(2)
        left.selectbox(column("item_kind"), ITEM_KINDS, key="review_item_kind", format_func=view.labels(lang, "review_page.item_kinds"))
        right.selectbox(column("kpi"), [None, *titles], key="review_item_kpi",
                        format_func=lambda k: t("review_page.no_kpi") if k is None else titles[k])
        st.text_area(column("text"), key="review_item_text")
        st.caption(t("review_page.expected_help"))
        columns = st.columns(3)
        columns[0].selectbox(column("direction"), [None, *DIRECTIONS], key="review_item_direction",
                             format_func=lambda d: "–" if d is None else widgets.trend_text(d))
        # Text, not a number field: the browser's number field reads "6,5" as 65 in a Dutch UI.
        columns[1].text_input(column("expected_value"), key="review_item_value",
                              placeholder=present.number_for_input(6.5, lang))
        columns[2].number_input(column("expected_year"), key="review_item_year", value=None, min_value=2000, max_value=2100, step=1)
        buttons = st.columns(2)
        buttons[0].form_submit_button(t("review_page.save"), key="review_item_save", type="primary", icon=":material/save:",
                                      on_click=forms.ask, args=(REQUEST, "save_item"))
        if pick != NEW:
            buttons[1].form_submit_button(t("review_page.delete"), key="review_item_delete", icon=":material/delete:",
                                          on_click=forms.ask, args=(REQUEST, "delete_item"))


def expectation(row: pd.Series) -> str:
    parts = []
    if isinstance(row.get("expected_direction"), str):
        parts.append(widgets.trend_text(row["expected_direction"]))
    if pd.notna(row.get("expected_value")):
        parts.append(fmt(row["expected_value"]))
    if pd.notna(row.get("expected_year")):
        parts.append(t("review_page.in_year", year=int(row["expected_year"])))
    return " ".join(parts)


def expected_section(session: dict, expected: pd.DataFrame, frozen: pd.DataFrame, lang: str) -> None:
    st.subheader(t("review_page.expected_against_actual"))
    if pd.isna(session["previous_id"]):
        st.info(t("review_page.first_session"))
        return
    if expected.empty:
        st.info(t("review_page.no_expectations"))
        return
    # "now" and "before" are frozen values; a suppressed one is shown as withheld (it is null in the snapshot).
    now = frozen.set_index("kpi_id")
    before = reads.frozen(int(session["previous_id"])).set_index("kpi_id")

    def shown(snapshot: pd.DataFrame, kpi_id: str, value: object) -> str:
        if kpi_id in snapshot.index:
            return widgets.shown(value, snapshot.at[kpi_id, "suppressed"], snapshot.at[kpi_id, "privacy_threshold"])
        return widgets.shown(value, False, None)

    st.dataframe(pd.DataFrame({
        column("outcome"): [present.outcome_text(o, lang) for o in expected["outcome"]],
        column("kpi"): [present.title_of(r, lang) for _, r in expected.iterrows()],
        column("text"): expected["text"],
        column("expected"): [expectation(r) for _, r in expected.iterrows()],
        column("before"): [shown(before, k, v) for k, v in zip(expected["kpi_id"], expected["before"])],
        column("now"): [shown(now, k, v) for k, v in zip(expected["kpi_id"], expected["now"])],
        column("change"): [fmt(v) for v in expected["change"]],
        column("unit"): _units(expected, lang),
    }), hide_index=True, key="review_expected")


def _units(frame: pd.DataFrame, lang: str) -> list[str]:
    """The frozen rows' units (Dutch, as the snapshot holds them) in the view's language."""
    kpis = reads.library().kpis
    return [present.frozen_unit(u, kpis.get(k), lang) for k, u in zip(frame["kpi_id"], frame["unit"])]


def actions_section(session_id: int, actions: pd.DataFrame, frozen: pd.DataFrame, titles: dict[str, str]) -> None:
    """The municipality's actions on KPIs of this session, each KPI with its frozen status;
    actions recorded in this session first, then overdue ones."""
    st.subheader(t("review_page.actions"))
    status = dict(zip(frozen["kpi_id"], frozen["status"]))
    mine = actions[[any(k in status for k in ids) for ids in actions["kpi_ids"]]] if len(actions) else actions
    if mine.empty:
        st.info(t("review_page.no_actions"))
    else:
        here = mine["review_id"].fillna(-1).astype(int) == session_id
        mine = mine.assign(here=here).sort_values(["here", "overdue"], ascending=[False, False])
        st.dataframe(pd.DataFrame({
            column("attention"): [widgets.overdue_text() if late else ""
                                  for late in mine["overdue"]],
            column("title"): mine["title"],
            column("owner"): mine["owner"],
            column("due"): [present.date_text(v) for v in mine["due_date"]],
            column("action_status"): [t(f"learning_page.action_status.{s}") for s in mine["status"]],
            column("kpis"): ["; ".join(f"{titles.get(k, k)} ({widgets.status_text(status[k])})" if k in status else k for k in ids)
                             for ids in mine["kpi_ids"]],
            column("effect"): mine["expected_effect"].fillna(""),
            column("in_session"): [t("review_page.in_session_mark") if h else "" for h in mine["here"]],
        }), hide_index=True, key="review_actions")
    st.page_link("pages/leren.py", label=t("review_page.to_learning"), icon=":material/arrow_forward:")


def report_section(session: dict, items: pd.DataFrame, lang: str) -> None:
    """Two reports of the session, built on request (with progress), then offered for download.
    A built report is kept for this session, language and state of its records."""
    st.subheader(t("review_page.report"))
    session_id = int(session["id"])
    marker = (session_id, lang, int(session["version"]), tuple(zip(items["id"].astype(int), items["version"].astype(int))))
    built = state.setdefault("review_reports", {})
    formats = {"pdf": ("PDF", "application/pdf"), "html": ("HTML", "text/html")}
    columns = st.columns(2)
    for (kind, (label, mime)), place in zip(formats.items(), columns):
        with place:
            if st.button(t("review_page.build", kind=label), key=f"review_build_{kind}", icon=":material/description:"):
                bar = st.progress(0.0, text=t("review_page.building", kind=label))
                try:
                    # `step` is the report's own words for what it is doing, in `lang`
                    built[(kind, marker)] = reads.build_report(kind, session_id, lang, lambda step, fraction: bar.progress(
                        min(max(float(fraction), 0.0), 1.0), text=f"{t('review_page.building', kind=label)} {step}"))
                except KoersError as error:
                    st.error(error.message(lang), icon=":material/error:")
                except Exception:  # noqa: BLE001 - a failing report is one line; the detail is in the log
                    log.exception("report %s of session %s failed", kind, session_id)
                    st.error(t("review_page.report_failed", kind=label), icon=":material/error:")
                bar.empty()
            if (kind, marker) in built:
                data = built[(kind, marker)]
                st.download_button(t("review_page.download", kind=label), data, key=f"review_download_{kind}",
                                   file_name=f"reviewsessie_{session['region_code']}_{session_id}.{kind}", mime=mime,
                                   icon=":material/download:", type="primary")


def draw() -> None:
    choice = view.selection()
    actor = view.actor()
    region = reads.region_story(choice.region)["region"]
    st.title(t("review_page.title", municipality=region["name"] if region else choice.region))
    if not actor.may(Permission.report, choice.region):
        state.pop(REQUEST, None)  # asked under another role: not carried out
        role = ROLE_NAMES[actor.role][0 if choice.lang == "nl" else 1]
        st.info(t("review_page.no_access", role=role), icon=":material/lock:")
        return
    forms.carry_out(REQUEST, {"create_session": _create_session, "save_stage": _save_stage, "save_item": _save_item,
                              "delete_item": lambda: forms.delete_loaded("review_item", "review_item",
                                                                         t("review_page.item_deleted"))})
    sessions = reads.sessions(choice.region)
    sessions_section(choice.region, sessions)
    if sessions.empty:
        return
    ids = [int(i) for i in sessions["id"].iloc[::-1]]  # newest first
    view.from_url("sessie", ids, ids[0])
    labels = {int(r.id): f"{r.title} ({present.date_text(r.reference_date)})" for r in sessions.itertuples()}
    session_id = st.selectbox(t("review_page.open"), ids, key="sessie", format_func=labels.__getitem__)
    view.to_url("sessie")

    opened = reads.session_view(session_id)
    session = opened.session
    frozen = reads.frozen(session_id)
    titles = {k: getattr(v.title, choice.lang) for k, v in reads.library().kpis.items()}
    # a KPI removed from the library since the session keeps its frozen title
    titles.update({r.kpi_id: (r.title_en if choice.lang == "en" else r.title_nl)
                   for r in frozen.itertuples() if r.kpi_id not in titles})
    st.header(present.plain(session["title"]))  # typed by a person: shown as typed, never as Markdown
    st.caption(t("review_page.session_facts", date=present.date_text(session["reference_date"]), year=int(session["year"]),
                 by=present.plain(session["created_by"])))
    st.page_link("pages/presentatie.py", label=t("review_page.present"), icon=":material/slideshow:",
                 query_params={"sessie": str(session_id)})
    stage_section(session, choice.lang)
    snapshot_section(session, frozen, choice.lang)
    items_section(session_id, opened.items, titles, choice.lang)
    expected_section(session, opened.expected, frozen, choice.lang)
    actions_section(session_id, opened.actions, frozen, titles)
    report_section(session, opened.items, choice.lang)


view.guarded(draw)
