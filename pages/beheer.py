"""Beheer (administrators only): users and roles (the roles file), the audit trail (filter and
export), and the governance record of each data source.

Every save names the version it started from: the roles file's checksum as loaded, a governance
record's version. Someone else's change in between refuses the save with one line, never a silent
overwrite. The writes themselves check the role again (`koers.access`, `koers.store`).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from koers import access, i18n, present, roles
from koers.access import LOCAL, ROLE_NAMES, Permission, Role
from koers.dashboard import auth, forms, reads, view, widgets
from koers.dashboard.view import fmt, t
from koers.errors import KoersError
from koers.settings import shared_database_url
from koers.loop import audit
from koers.sources import governance as source_governance
from koers.sources.uploads import file_name, without_paths

ROLES = [str(role) for role in Role]


def role_name(lang: str):
    """A format_func for role keys, bound to this run's language."""
    return lambda role: ROLE_NAMES[Role(role)][lang == "en"] if role in ROLES else str(role)


# --- users and roles ---------------------------------------------------------------------------


def _loaded_roles() -> tuple[access.RoleSettings, str, int]:
    """The roles file as the editor loaded it (kept until saved or reloaded), its checksum, and
    the editors' generation (a new one shows freshly loaded values)."""
    state = st.session_state
    if "beheer_roles" not in state:
        settings, checksum = roles.load_roles()
        state["beheer_roles"] = (settings, checksum)
        state["beheer_roles_generation"] = state.get("beheer_roles_generation", -1) + 1
    settings, checksum = state["beheer_roles"]
    return settings, checksum, state["beheer_roles_generation"]


def _reload_roles() -> None:
    st.session_state.pop("beheer_roles", None)


def _table(name: str, mapping: dict | None, scopes: dict | None) -> pd.DataFrame:
    """An editor's rows: name, role and the municipalities it holds for (codes; empty: all), as
    text (also when there are none)."""
    mapping, scopes = mapping or {}, scopes or {}
    return pd.DataFrame({name: pd.Series(list(mapping), dtype="string"),
                         "role": pd.Series([str(r) for r in mapping.values()], dtype="string"),
                         # "codes": a key, not a header (the column's label is the catalogue's "Gemeenten")
                         "codes": pd.Series([", ".join(scopes.get(k, ())) for k in mapping], dtype="string")})


def _rows(table: pd.DataFrame, name: str) -> list[tuple[object, object, object]]:
    """The editor's (name, role, municipalities) rows, an empty cell as None (pandas shows it as <NA>)."""
    plain = lambda value: None if pd.isna(value) else value  # noqa: E731
    return ([(plain(a), plain(b), plain(c)) for a, b, c in zip(table[name], table["role"], table["codes"])]
            if not table.empty else [])


def roles_section(lang: str, actor: access.Actor) -> None:
    st.header(t("beheer.roles.title"))
    # The name only, never the server's folders; with a shared database the roles live there.
    where = t("beheer.roles.shared") if shared_database_url() else file_name(roles.roles_path())
    st.caption(t("beheer.roles.intro", path=where))
    if actor == LOCAL:
        st.info(t("beheer.roles.local"), icon=":material/info:")
    try:
        settings, checksum, generation = _loaded_roles()
    except KoersError as error:  # a file broken by hand: say so, edit nothing
        st.error(without_paths(error.message(lang)), icon=":material/error:")
        st.button(t("beheer.reload"), key="beheer_roles_reload_broken", on_click=_reload_roles)
        return
    left, right = st.columns(2)
    default_role = left.selectbox(t("beheer.roles.default_role"), ROLES, index=ROLES.index(str(settings.default_role)),
                                  key=f"beheer_default_role_{generation}", format_func=role_name(lang),
                                  help=t("beheer.roles.default_role_help"))
    groups_claim = right.text_input(t("beheer.roles.groups_claim"), value=settings.groups_claim,
                                    key=f"beheer_groups_claim_{generation}", help=t("beheer.roles.groups_claim_help"))
    role_column = st.column_config.SelectboxColumn(t("beheer.roles.role"), options=ROLES, required=True,
                                                   format_func=role_name(lang))
    scope_column = st.column_config.TextColumn(t("beheer.roles.municipalities"), help=t("beheer.roles.municipalities_help"))
    st.subheader(t("beheer.roles.emails"))
    emails = st.data_editor(
        _table("email", settings.emails, settings.email_scopes),
        key=f"beheer_emails_{generation}", num_rows="dynamic", hide_index=True, width="stretch",
        column_config={"email": st.column_config.TextColumn(t("beheer.roles.email"), required=True), "role": role_column,
                       "codes": scope_column})
    st.subheader(t("beheer.roles.groups"))
    groups = st.data_editor(
        _table("group", settings.groups, settings.group_scopes),
        key=f"beheer_groups_{generation}", num_rows="dynamic", hide_index=True, width="stretch",
        column_config={"group": st.column_config.TextColumn(t("beheer.roles.group"), required=True), "role": role_column,
                       "codes": scope_column})

    saved = st.session_state.pop("beheer_roles_saved", None)
    if saved:
        st.success(saved, icon=":material/check_circle:")
    left, right = st.columns([1, 4])
    left.button(t("beheer.save"), key="beheer_roles_save", type="primary", icon=":material/save:",
                on_click=lambda: st.session_state.update(beheer_roles_request=True))
    right.button(t("beheer.reload"), key="beheer_roles_reload", icon=":material/refresh:", on_click=_reload_roles)
    if not st.session_state.pop("beheer_roles_request", False):
        return
    try:
        new = access.settings_from_rows(default_role, groups_claim, _rows(emails, "email"), _rows(groups, "group"))
        with forms.writing() as store:
            roles.save_roles(new, actor, checksum, store)
    except KoersError as error:  # refused, a conflict, or a bad row: one line, nothing written
        st.error(without_paths(error.message(lang)), icon=":material/cancel:")
        return
    _reload_roles()
    st.session_state["beheer_roles_saved"] = t("beheer.roles.saved", emails=len(new.emails or {}), groups=len(new.groups or {}))
    st.rerun()


# --- audit trail -------------------------------------------------------------------------------


def _entity_name(lang: str, group: str = "entities"):
    """An audit line's entity (or, with `group` "actions", its action) in words; one the catalogue
    does not know (written by a newer Koers) as it is logged."""
    def name(entity: str) -> str:
        key = f"beheer.{group}.{entity}"
        found = i18n.text(lang, key)
        return entity if found == key else found
    return name


def audit_section(lang: str, actor: access.Actor) -> None:
    st.header(t("beheer.audit.title"))
    st.caption(t("beheer.audit.intro"))
    log = reads.audit_log(actor)
    if log.empty:
        st.info(t("beheer.audit.empty"), icon=":material/info:")
        return
    names = audit.actor_names(log)
    columns = st.columns(3)
    entities = columns[0].multiselect(t("beheer.audit.entity"), sorted(log["entity"].unique()), key="beheer_audit_entity", placeholder=t("app.choose_several"),
                                      format_func=_entity_name(lang))
    actors = columns[1].multiselect(t("beheer.audit.actor"), sorted(names, key=lambda a: (str(names[a]).casefold(), a)),
                                    key="beheer_audit_actor", placeholder=t("app.choose_several"), format_func=lambda a: f"{names.get(a) or a} ({a})")
    dates = columns[2].date_input(t("beheer.audit.dates"), value=audit.date_range(log),
                                  key="beheer_audit_dates", format="DD-MM-YYYY")
    shown = audit.filter_audit(log, entities, actors, dates)
    st.caption(t("beheer.audit.count", shown=fmt(len(shown)), total=fmt(len(log))))
    column = widgets.headings("beheer.audit.columns")
    st.dataframe(pd.DataFrame({
        column("id"): shown["id"].astype(int),
        column("logged_at"): [present.date_text(v, seconds=True) for v in shown["logged_at"]],
        column("actor"): [f"{n or a} ({a})" for n, a in zip(shown["actor_name"], shown["actor"])],
        column("role"): [role_name(lang)(r) for r in shown["role"]],
        column("action"): [_entity_name(lang, "actions")(a) for a in shown["action"]],
        column("entity"): [_entity_name(lang)(e) for e in shown["entity"]],
        # The roles file's entries name it by its full path: the table shows its name (the
        # download, the administrators' copy of the log, keeps the path).
        column("entity_id"): [without_paths(v) for v in shown["entity_id"]],
        column("before"): [without_paths(v) for v in shown["before"]],
        column("after"): [without_paths(v) for v in shown["after"]],
    }), hide_index=True, key="beheer_audit_table", placeholder="–")
    st.download_button(t("beheer.audit.download"), data=widgets.csv_bytes(shown), file_name=f"koers-audit-{dt.date.today():%Y%m%d}.csv",
                       mime="text/csv", key="beheer_audit_download", icon=":material/download:")


# --- governance --------------------------------------------------------------------------------


def _privacy_name(lang: str):
    def name(value: str | None) -> str:
        if not value:
            return i18n.text(lang, "beheer.governance.not_set")
        key = f"beheer.privacy.{value}"
        found = i18n.text(lang, key)
        return value if found == key else found
    return name


def _load_governance(source: str, row: pd.Series | None) -> None:
    """Put the source's record into the form's widgets, once per source (or on a reload): a
    record changed by someone else meanwhile does not replace what is being typed; the save is
    refused instead, because it names the version loaded here."""
    loaded = st.session_state.get("beheer_gov_loaded")
    if loaded is not None and loaded[0] == source:
        return
    version = None if row is None or not row["recorded"] else int(row["version"])
    for name in source_governance.GOVERNANCE_FIELDS:
        value = None if row is None else row[name]
        if name == "licence" and not value and row is not None:
            value = row["import_licence"]  # a first record starts from what the import said
        st.session_state[f"beheer_gov_{name}"] = value if isinstance(value, str) else ""
    st.session_state["beheer_gov_loaded"] = (source, version)


def governance_section(lang: str, actor: access.Actor) -> None:
    st.header(t("beheer.governance.title"))
    st.caption(t("beheer.governance.intro"))
    frame = source_governance.governance()
    if frame.empty:
        st.info(t("beheer.governance.empty"), icon=":material/info:")
        return
    privacy = _privacy_name(lang)
    column = widgets.headings("beheer.governance.columns")
    dash = lambda value: value if isinstance(value, str) and value else "–"  # noqa: E731
    st.dataframe(pd.DataFrame({
        column("source_table"): frame["source_table"],
        column("owner"): [dash(v) for v in frame["owner"]],
        column("licence"): [dash(v) for v in frame["licence"]],
        column("legal_basis"): [dash(v) for v in frame["legal_basis"]],
        column("privacy_class"): [privacy(v) if r else "–" for v, r in zip(frame["privacy_class"], frame["recorded"])],
        column("retention"): [dash(v) for v in frame["retention"]],
        column("refresh_schedule"): [dash(v) for v in frame["refresh_schedule"]],
        column("updated"): [f"{by}, {present.date_text(at)}" if r else t("beheer.governance.not_recorded")
                            for by, at, r in zip(frame["updated_by"], frame["updated_at"], frame["recorded"])],
    }), hide_index=True, key="beheer_gov_table")

    sources = frame["source_table"].tolist()
    if st.session_state.get("beheer_gov_source") not in sources:
        st.session_state["beheer_gov_source"] = sources[0]
    source = st.selectbox(t("beheer.governance.choose"), sources, key="beheer_gov_source")
    row = frame[frame["source_table"] == source].iloc[0]
    _load_governance(source, row)
    loaded_version = st.session_state["beheer_gov_loaded"][1]
    st.caption(t("beheer.governance.version", version=loaded_version) if loaded_version else t("beheer.governance.new"))
    saved = st.session_state.pop("beheer_gov_saved", None)
    if saved:
        st.success(saved, icon=":material/check_circle:")
    options = ["", *source_governance.PRIVACY_CLASSES]  # "": not filled in
    current = st.session_state.get("beheer_gov_privacy_class")
    if current and current not in options:  # a class written outside this form
        options.append(current)
    with st.form("beheer_gov_form"):
        left, right = st.columns(2)
        left.text_input(column("owner"), key="beheer_gov_owner", help=t("beheer.governance.help.owner"))
        right.text_input(column("licence"), key="beheer_gov_licence", help=t("beheer.governance.help.licence"))
        left.text_input(column("legal_basis"), key="beheer_gov_legal_basis", help=t("beheer.governance.help.legal_basis"))
        right.selectbox(column("privacy_class"), options, key="beheer_gov_privacy_class", format_func=privacy,
                        help=t("beheer.governance.help.privacy_class"))
        left.text_input(column("retention"), key="beheer_gov_retention", help=t("beheer.governance.help.retention"))
        right.text_input(column("refresh_schedule"), key="beheer_gov_refresh_schedule",
                         help=t("beheer.governance.help.refresh_schedule"))
        submitted = st.form_submit_button(t("beheer.save"), type="primary", icon=":material/save:", key="beheer_gov_save")
    st.button(t("beheer.reload"), key="beheer_gov_reload", icon=":material/refresh:",
              on_click=lambda: st.session_state.pop("beheer_gov_loaded", None))
    if not submitted:
        return
    values = {name: st.session_state.get(f"beheer_gov_{name}") for name in source_governance.GOVERNANCE_FIELDS}
    try:
        source_governance.save_governance(source, values, actor, loaded_version)
    except KoersError as error:  # refused or changed meanwhile: one line, the form keeps what was typed
        st.error(error.message(lang), icon=":material/cancel:")
        return
    st.session_state.pop("beheer_gov_loaded", None)
    st.session_state["beheer_gov_saved"] = t("beheer.governance.saved", source=source)
    st.rerun()


def draw() -> None:
    lang = view.selection().lang
    auth.require_frame(lang)  # never the local administrator by accident
    actor = view.actor()
    st.title(t("pages.admin"))
    if not actor.may(Permission.manage_users):  # the writes refuse them too; this says so at once
        st.error(t("beheer.refused", name=actor.name, role=ROLE_NAMES[actor.role][lang == "en"]), icon=":material/block:")
        return
    users, audit, governance = st.tabs([t("beheer.tabs.roles"), t("beheer.tabs.audit"), t("beheer.tabs.governance")])
    with users:
        view.guarded(lambda: roles_section(lang, actor))
    with audit:
        view.guarded(lambda: audit_section(lang, actor))
    with governance:
        view.guarded(lambda: governance_section(lang, actor))


view.guarded(draw)
