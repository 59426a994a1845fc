"""Leren: a municipality's learning loop — annotations on KPIs, actions meant to move them, and
targets with every revision and its reason.

Write forms are shown only to roles that may write (the store checks again). Every edit form
remembers the version of the record as it was loaded (`*_loaded` in the session: region, record,
version); the save names that version, so a save over someone else's newer change is refused with
the store's `Conflict` message instead of silently overwriting it. A save or delete button only
asks (`forms.ask`); the page carries the request out after the frame has run, under the person
logged in now, and before it draws its lists, which then show the result.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from koers import i18n, present
from koers.access import ROLE_NAMES, AccessDenied, Permission
from koers.dashboard import forms, reads, view, widgets
from koers.dashboard.view import fmt, t
from koers.errors import KoersError
from koers.loop import learning
from koers.loop.learning import ActionStatus, AnnotationKind

NEW = forms.NEW
REQUEST = "leren_request"  # what a save or delete button asked for (see forms.ask)
KINDS = [k.value for k in AnnotationKind]
STATUSES = [s.value for s in ActionStatus]
ANNOTATION_FIELDS = ("kpi", "period", "kind", "text")  # the form's widgets are leren_ann_<field>
ACTION_FIELDS = ("title", "description", "owner", "due", "status", "kpis", "effect", "review")
state = st.session_state
column = widgets.headings("learning_page.columns")


def preferred_kpi(labels: dict[str, str]) -> str:
    """A new record starts on the KPI named in the URL (a link from the KPI page), else the first."""
    wanted = st.query_params.get("kpi")
    return wanted if wanted in labels else next(iter(labels))


def reload_button(loaded_key: str, key: str) -> None:
    """After a refused save: read the record again (discards what was typed)."""
    st.button(t("learning_page.reload"), key=key, icon=":material/refresh:", on_click=lambda: state.pop(loaded_key, None))


# --- annotations ------------------------------------------------------------------------------


def _load_annotation(region: str, pick: int, records: dict, labels: dict[str, str]) -> None:
    """Fill the form with the picked annotation (or a blank one), once per pick."""
    if forms.still_loaded("leren_ann_loaded", (region, pick), [f"leren_ann_{n}" for n in ANNOTATION_FIELDS]):
        return
    if pick == NEW:
        values, version = (preferred_kpi(labels), str(view.selection().year), KINDS[0], ""), None
    else:
        record = records[pick]
        values, version = (record.kpi_id, record.period, record.kind, record.text), int(record.version)
    forms.fill_form("leren_ann", region, pick, dict(zip(ANNOTATION_FIELDS, values)), version)


def _save_annotation() -> None:
    region = state["leren_ann_loaded"][0]
    values = {"kpi_id": state["leren_ann_kpi"], "region_code": region, "period": state["leren_ann_period"],
              "kind": state["leren_ann_kind"], "text": state["leren_ann_text"]}
    forms.save_loaded("leren_ann", learning.save_annotation, values, t("learning_page.saved"))


def annotations_section(region: str, loop: reads.Loop, labels: dict[str, str], lang: str) -> None:
    st.header(t("learning_page.annotations"))
    forms.show_flash("leren_ann_flash")
    frame = loop.annotations
    if frame.empty:
        st.info(t("learning_page.no_annotations"))
    else:
        st.dataframe(pd.DataFrame({
            column("kpi"): [labels.get(k, k) for k in frame["kpi_id"]],
            column("period"): frame["period"],
            column("kind"): [t(f"learning_page.kinds.{k}") for k in frame["kind"]],
            column("text"): frame["text"],
            column("by"): frame["updated_by"],
            column("when"): [present.date_text(v) for v in frame["updated_at"]],
        }), hide_index=True, key="leren_ann_table")
    if not view.actor().may(Permission.annotate, view.selection().region):
        return
    st.subheader(t("learning_page.annotation_form"))
    records = {int(r.id): r for r in frame.itertuples()}
    if state.get("leren_ann_pick") not in [NEW, *records]:
        state["leren_ann_pick"] = NEW
    pick = st.selectbox(t("learning_page.edit_choice"), [NEW, *records], key="leren_ann_pick",
                        format_func=lambda i: i18n.text(lang, "learning_page.new_annotation") if i == NEW else
                        f"{records[i].period} · {labels.get(records[i].kpi_id, records[i].kpi_id)} · {records[i].text[:60]}")
    _load_annotation(region, pick, records, labels)
    with st.form("leren_ann_form"):
        st.selectbox(column("kpi"), list(labels), key="leren_ann_kpi", format_func=labels.__getitem__)
        left, right = st.columns(2)
        left.text_input(column("period"), key="leren_ann_period", help=t("learning_page.period_help"))
        right.selectbox(column("kind"), KINDS, key="leren_ann_kind", format_func=view.labels(lang, "learning_page.kinds"))
        st.text_area(column("text"), key="leren_ann_text")
        buttons = st.columns(2)
        buttons[0].form_submit_button(t("learning_page.save"), key="leren_ann_save", type="primary",
                                      icon=":material/save:", on_click=forms.ask, args=(REQUEST, "save_annotation"))
        if pick != NEW:
            buttons[1].form_submit_button(t("learning_page.delete"), key="leren_ann_delete", icon=":material/delete:",
                                          on_click=forms.ask, args=(REQUEST, "delete_annotation"))
    if pick != NEW:
        reload_button("leren_ann_loaded", "leren_ann_reload")


# --- actions ----------------------------------------------------------------------------------


def _load_action(region: str, pick: int, records: dict, labels: dict[str, str]) -> None:
    if forms.still_loaded("leren_act_loaded", (region, pick), [f"leren_act_{n}" for n in ACTION_FIELDS]):
        return
    if pick == NEW:
        values = {"title": "", "description": "", "owner": "", "due": None, "status": STATUSES[0],
                  "kpis": [preferred_kpi(labels)] if st.query_params.get("kpi") in labels else [], "effect": "", "review": None}
        version = None
    else:
        r = records[pick]
        values = {"title": r.title, "description": r.description or "", "owner": r.owner,
                  "due": None if pd.isna(r.due_date) else pd.Timestamp(r.due_date).date(), "status": r.status,
                  "kpis": [k for k in r.kpi_ids if k in labels], "effect": r.expected_effect or "",
                  "review": None if pd.isna(r.review_id) else int(r.review_id)}
        version = int(r.version)
    forms.fill_form("leren_act", region, pick, values, version)


def _save_action() -> None:
    region = state["leren_act_loaded"][0]
    values = {"region_code": region, "title": state["leren_act_title"], "description": state["leren_act_description"],
              "owner": state["leren_act_owner"], "due_date": state["leren_act_due"], "status": state["leren_act_status"],
              "kpi_ids": list(state["leren_act_kpis"]), "expected_effect": state["leren_act_effect"],
              "review_id": state["leren_act_review"]}
    forms.save_loaded("leren_act", learning.save_action, values, t("learning_page.saved"))


def actions_section(region: str, loop: reads.Loop, labels: dict[str, str], lang: str) -> None:
    st.header(t("learning_page.actions"))
    forms.show_flash("leren_act_flash")
    frame = loop.actions
    sessions = dict(zip(loop.sessions["id"].astype(int), loop.sessions["title"]))
    if frame.empty:
        st.info(t("learning_page.no_actions"))
    else:
        overdue = int(frame["overdue"].sum())
        if overdue:
            st.warning(t("learning_page.overdue_count", count=overdue), icon=":material/alarm:")
        st.dataframe(pd.DataFrame({
            column("attention"): [widgets.overdue_text() if late else ""
                                  for late in frame["overdue"]],
            column("status"): [t(f"learning_page.action_status.{s}") for s in frame["status"]],
            column("title"): frame["title"],
            column("owner"): frame["owner"],
            column("due"): [present.date_text(v) for v in frame["due_date"]],
            column("kpis"): [", ".join(labels.get(k, k) for k in ids) for ids in frame["kpi_ids"]],
            column("effect"): frame["expected_effect"].fillna(""),
            column("session"): ["" if pd.isna(v) else sessions.get(int(v), str(int(v))) for v in frame["review_id"]],
        }), hide_index=True, key="leren_act_table")
    if not view.actor().may(Permission.act, view.selection().region):
        return
    st.subheader(t("learning_page.action_form"))
    records = {int(r.id): r for r in frame.itertuples()}
    if state.get("leren_act_pick") not in [NEW, *records]:
        state["leren_act_pick"] = NEW
    pick = st.selectbox(t("learning_page.edit_choice"), [NEW, *records], key="leren_act_pick",
                        format_func=lambda i: i18n.text(lang, "learning_page.new_action") if i == NEW else
                        f"{records[i].title} · {records[i].owner}")
    _load_action(region, pick, records, labels)
    if state.get("leren_act_review") not in [None, *sessions]:
        state["leren_act_review"] = None
    with st.form("leren_act_form"):
        st.text_input(column("title"), key="leren_act_title")
        st.text_area(column("description"), key="leren_act_description")
        left, middle, right = st.columns(3)
        left.text_input(column("owner"), key="leren_act_owner")
        middle.date_input(column("due"), key="leren_act_due", format="DD-MM-YYYY")
        right.selectbox(column("status"), STATUSES, key="leren_act_status", format_func=view.labels(lang, "learning_page.action_status"))
        st.multiselect(column("kpis"), list(labels), key="leren_act_kpis", format_func=labels.__getitem__,
                       placeholder=t("app.choose_several"))
        st.text_area(column("effect"), key="leren_act_effect", help=t("learning_page.effect_help"))
        # None is the choice "(no session)"; Streamlit shows a None value as its (English) placeholder
        st.selectbox(column("session"), [None, *sessions], key="leren_act_review",
                     format_func=lambda i: i18n.text(lang, "learning_page.no_session") if i is None else sessions[i],
                     placeholder=i18n.text(lang, "learning_page.no_session"))
        buttons = st.columns(2)
        buttons[0].form_submit_button(t("learning_page.save"), key="leren_act_save", type="primary",
                                      icon=":material/save:", on_click=forms.ask, args=(REQUEST, "save_action"))
        if pick != NEW:
            buttons[1].form_submit_button(t("learning_page.delete"), key="leren_act_delete", icon=":material/delete:",
                                          on_click=forms.ask, args=(REQUEST, "delete_action"))
    if pick != NEW:
        reload_button("leren_act_loaded", "leren_act_reload")


# --- targets ----------------------------------------------------------------------------------


def _load_target(region: str, kpi_id: str, year: int, current: pd.DataFrame) -> None:
    if forms.still_loaded("leren_tgt_loaded", (region, kpi_id, year),
                          ["leren_tgt_value", "leren_tgt_tolerance", "leren_tgt_reason"]):
        return
    # Text fields, not number fields: the browser's number field reads "27,5" as 275 in a Dutch UI.
    lang = view.selection().lang
    row = current[current["year"] == year]
    if row.empty:
        state["leren_tgt_value"], state["leren_tgt_tolerance"], version = "", present.number_for_input(0.0, lang), None
    else:
        state["leren_tgt_value"] = present.number_for_input(float(row["value"].iloc[0]), lang)
        state["leren_tgt_tolerance"] = present.number_for_input(float(row["tolerance"].iloc[0]), lang)
        version = int(row["version"].iloc[0])
    state["leren_tgt_reason"] = ""
    state["leren_tgt_loaded"] = (region, kpi_id, year, version)


def _typed_target(unit: str) -> tuple[float | None, float]:
    """The target and tolerance as typed, read in the view's language and checked against the unit."""
    lang = view.selection().lang
    value = present.parse_number(state["leren_tgt_value"], lang, column("value"), unit=unit)
    tolerance = present.parse_number(state["leren_tgt_tolerance"], lang, column("tolerance"))
    return value, 0.0 if tolerance is None else tolerance  # a negative margin: refused by learning.revise_target


def _save_target() -> None:
    region, kpi_id, year, version = state["leren_tgt_loaded"]
    try:
        value, tolerance = _typed_target(reads.library().kpis[kpi_id].unit)
    except KoersError as error:  # the typed text stays in the form, to be corrected
        state["leren_tgt_flash"] = ("error", error.message(view.selection().lang))
        return
    if value is None:
        state["leren_tgt_flash"] = ("error", t("learning_page.value_required"))
        return
    reason = state["leren_tgt_reason"]
    if forms.attempt(lambda store, library: learning.revise_target(store, library, view.actor(), kpi_id, region, year,
                                                                   value, tolerance, reason, version),
                     "leren_tgt_flash", t("learning_page.target_saved")):
        state.pop("leren_tgt_loaded", None)


def targets_section(region: str, loop: reads.Loop, labels: dict[str, str]) -> None:
    st.header(t("learning_page.targets"))
    forms.show_flash("leren_tgt_flash")
    if state.get("leren_tgt_kpi") not in labels:  # the URL's KPI, else the first that has a target
        with_target = [k for k in labels if k in set(loop.targets["kpi_id"])]
        from_url = st.query_params.get("kpi") in labels
        state["leren_tgt_kpi"] = preferred_kpi(labels) if from_url or not with_target else with_target[0]
    kpi_id = st.selectbox(column("kpi"), list(labels), key="leren_tgt_kpi", format_func=labels.__getitem__,
                          on_change=lambda: state.pop("leren_tgt_year", None))  # a new KPI starts on its own first target
    unit = view.unit(reads.library().kpis[kpi_id].unit)
    current = loop.targets[loop.targets["kpi_id"] == kpi_id].sort_values("year")
    if current.empty:
        st.info(t("learning_page.no_targets"))
    else:
        st.dataframe(pd.DataFrame({
            column("year"): current["year"].astype(int).astype(str),
            column("value"): [fmt(v) for v in current["value"]],
            column("tolerance"): [fmt(v) for v in current["tolerance"]],
            column("unit"): unit,
            column("original"): [fmt(v) for v in current["original"]],
            column("revisions"): current["revisions"].astype(int),
            column("by"): current["set_by"].fillna(""),
            column("when"): [present.date_text(v) for v in current["set_at"]],
        }), hide_index=True, key="leren_tgt_table")
        st.subheader(t("learning_page.target_history"))
        history = loop.revisions[loop.revisions["kpi_id"] == kpi_id].sort_values(["year", "revision"])
        st.dataframe(pd.DataFrame({
            column("year"): history["year"].astype(int).astype(str),
            column("revision"): history["revision"].astype(int),
            column("value"): [fmt(v) for v in history["value"]],
            column("tolerance"): [fmt(v) for v in history["tolerance"]],
            column("unit"): unit,
            column("reason"): history["reason"].fillna(""),
            column("source"): history["source"].fillna(""),
            column("by"): history["revised_by"].fillna(""),
            column("when"): [present.date_text(v) for v in history["revised_at"]],
        }), hide_index=True, key="leren_tgt_history")
    if not view.actor().may(Permission.set_target, view.selection().region):
        return
    st.subheader(t("learning_page.target_form"))
    year_now, lang = view.selection().year, view.selection().lang
    existing = {int(y): v for y, v in zip(current["year"], current["value"])}
    years = sorted(set(existing) | set(range(year_now, year_now + 11)))
    if state.get("leren_tgt_year") not in years:
        state["leren_tgt_year"] = min(existing) if existing else year_now + 2
    year = st.selectbox(column("year"), years, key="leren_tgt_year",
                        format_func=lambda y: i18n.text(lang, "learning_page.year_current", year=y,
                                                        value=present.number(existing[y], lang))
                        if y in existing else i18n.text(lang, "learning_page.year_new", year=y))
    _load_target(region, kpi_id, year, current)
    with st.form("leren_tgt_form"):
        left, right = st.columns(2)
        example = present.number_for_input(1234.5, lang)
        left.text_input(f"{column('value')} ({present.plain(unit)})", key="leren_tgt_value", placeholder=example)
        right.text_input(f"{column('tolerance')} ({present.plain(unit)})", key="leren_tgt_tolerance")
        st.text_area(t("learning_page.reason"), key="leren_tgt_reason", help=t("learning_page.reason_help"))
        st.form_submit_button(t("learning_page.save_target"), key="leren_tgt_save", type="primary", icon=":material/flag:",
                              on_click=forms.ask, args=(REQUEST, "save_target"))


def draw() -> None:
    choice = view.selection()
    region = reads.region_story(choice.region)["region"]
    st.title(t("learning_page.title", municipality=region["name"] if region else choice.region))
    st.caption(t("learning_page.intro"))
    actor = view.actor()
    if actor.may(Permission.annotate, somewhere=True) and not actor.may(Permission.annotate, choice.region):
        # A role for other municipalities: say for which.
        st.info(present.plain(AccessDenied(actor, Permission.annotate, choice.region).message(choice.lang)),
                icon=":material/visibility:")
    elif not actor.may(Permission.annotate, choice.region):
        role = ROLE_NAMES[actor.role][0 if choice.lang == "nl" else 1]
        st.info(t("learning_page.read_only", role=role), icon=":material/visibility:")
    deleted = t("learning_page.deleted")
    forms.carry_out(REQUEST, {"save_annotation": _save_annotation, "save_action": _save_action, "save_target": _save_target,
                              "delete_annotation": lambda: forms.delete_loaded("leren_ann", "annotation", deleted),
                              "delete_action": lambda: forms.delete_loaded("leren_act", "action", deleted)})
    loop = reads.loop(choice.region)
    labels = present.kpi_labels(reads.library().kpis, choice.lang)
    annotations_section(choice.region, loop, labels, choice.lang)
    actions_section(choice.region, loop, labels, choice.lang)
    targets_section(choice.region, loop, labels)


view.guarded(draw)
