"""KPI-studio: define or change a KPI in a form, checked as you type, previewed for every
municipality, and saved as a new version (old versions kept and comparable).

Saving needs the policy advisor's role (checked again by `versions.save`); the form remembers
the version it was loaded from, so a save over someone else's newer version is refused."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from koers.dashboard import auth, reads, view, widgets
from koers import i18n, present
from koers.kpis import own, versions
from koers.access import LOCAL, ROLE_NAMES, Permission, Role
from koers.errors import KoersError
from koers.kpis.validate import DEFINITION_TYPES, Problem
from koers.settings import database_path
from koers.sources.uploads import file_name, without_paths
from koers.dashboard.view import fmt, t
from metrics.model import Theme

KINDS = ["outcome", "output", "input", "context"]
POLARITIES = ["higher_is_better", "lower_is_better", "neither"]


def field_label(name: str) -> str:
    """"definition.numerator" -> the form's label for it ("Teller"); unknown names as they are."""
    key = "studio.fields." + name.replace(".", "_")
    text = t(key)
    return name if text == key else text


def kept_in(place: str | None) -> str:
    """Where a definition is kept, as the page names it: a file by its name only (where the server
    keeps the library is no business of the page), the shared database in words."""
    if own.Database.is_label(place):
        return t("studio.shared_database")
    return file_name(place)


def _load_form(choice: str, library) -> None:
    """Put the chosen KPI's fields (or a blank form) into the widgets, once per choice."""
    if st.session_state.get("studio_loaded") == choice:
        return
    values = versions.form_of(library.kpis[choice]) if choice else versions.blank_form()
    for name in versions.FORM_FIELDS:
        st.session_state[f"studio_{name}"] = values[name]
    st.session_state["studio_loaded"] = choice
    # the version this form starts from: a save is refused when someone saved a newer one since
    st.session_state["studio_loaded_version"] = versions.latest_version(own.at(), choice) if choice else None


def _with(options: list[str], *current: object) -> list[str]:
    """Options plus the current values (a loaded KPI may name something outside the list)."""
    extra = [c for value in current for c in (value if isinstance(value, list) else [value])
             if isinstance(c, str) and c and c not in options]
    return options + extra


def form(library, lang: str) -> dict:
    """The form; returns its values by `versions.FORM_FIELDS` name."""
    state = st.session_state
    kpis = library.kpis
    table = reads.indicator_choices()
    titles = dict(zip(table["id"], table[f"title_{lang}"]))
    kpi_titles = {k: getattr(v.title, lang) for k, v in kpis.items()}

    def name_of(ref: str | None) -> str:
        if ref in titles:
            return f"{titles[ref]} ({ref})"
        if ref in kpi_titles:
            return i18n.text(lang, "studio.kpi_option", title=kpi_titles[ref]) + f" ({ref})"
        return str(ref)

    st.header(t("studio.form"))
    st.subheader(t("studio.texts"))
    st.text_input(field_label("id"), key="studio_id", help=t("studio.help.id"))
    left, right = st.columns(2)
    left.text_input(field_label("title.nl"), key="studio_title_nl")
    right.text_input(field_label("title.en"), key="studio_title_en")
    left.text_area(field_label("description.nl"), key="studio_description_nl")
    right.text_area(field_label("description.en"), key="studio_description_en")

    st.subheader(t("studio.classification"))
    columns = st.columns(3)
    columns[0].selectbox(field_label("theme"), [int(theme) for theme in Theme], key="studio_theme",
                         format_func=lambda n: f"{n}. {i18n.text(lang, f'themes.{n}')}")
    columns[1].selectbox(field_label("kind"), KINDS, key="studio_kind", format_func=view.labels(lang, "kinds"),
                         help=t("studio.kinds_help"))
    columns[2].selectbox(field_label("polarity"), POLARITIES, key="studio_polarity",
                         format_func=view.labels(lang, "studio.polarities"))
    left, right = st.columns(2)
    left.text_input(field_label("unit"), key="studio_unit", help=t("studio.help.unit"))
    right.text_input(field_label("unit.en"), key="studio_unit_en", help=t("studio.help.unit_en"))

    st.subheader(t("studio.definition_section"))
    st.segmented_control(field_label("definition_type"), list(DEFINITION_TYPES), key="studio_definition_type",
                         required=True, format_func=view.labels(lang, "studio.types"), help=t("studio.definition_help"))
    kind = state.get("studio_definition_type")
    indicator_ids = sorted(titles, key=lambda i: (titles[i].casefold(), i))
    if kind == "indicator":
        st.selectbox(field_label("definition.indicator"), _with(indicator_ids, state.get("studio_indicator")),
                     key="studio_indicator", index=None, placeholder=t("studio.choose_indicator"), format_func=name_of)
    elif kind == "ratio":
        own = state.get("studio_id")
        references = _with(indicator_ids + sorted(k for k in kpis if k not in titles and k != own),
                           state.get("studio_numerator"), state.get("studio_denominator"))
        columns = st.columns(3)
        columns[0].selectbox(field_label("definition.numerator"), references, key="studio_numerator", index=None,
                             placeholder=t("studio.choose_indicator"), format_func=name_of)
        columns[1].selectbox(field_label("definition.denominator"), references, key="studio_denominator", index=None,
                             placeholder=t("studio.choose_indicator"), format_func=name_of)
        columns[2].selectbox(field_label("definition.scale"), list(versions.SCALES), key="studio_scale",
                             format_func=lambda s: present.number(s, lang))
    else:
        st.text_area(field_label("definition.formula"), key="studio_formula")

    st.subheader(t("studio.provenance"))
    left, right = st.columns(2)
    left.text_input(field_label("source"), key="studio_source")
    right.text_input(field_label("fill_from"), key="studio_fill_from", help=t("studio.help.fill_from"))
    left.text_input(field_label("owner"), key="studio_owner")
    right.text_input(field_label("bbv"), key="studio_bbv", help=t("studio.help.bbv"))
    left.number_input(field_label("privacy_threshold"), key="studio_privacy_threshold", min_value=0, step=1)
    outcomes = sorted((k for k, v in kpis.items() if v.kind == "outcome"), key=lambda k: kpi_titles[k].casefold())
    right.multiselect(field_label("contributes_to"), _with(outcomes, state.get("studio_contributes_to")),
                      key="studio_contributes_to", placeholder=t("app.choose_several"), format_func=lambda k: f"{kpi_titles.get(k, k)} ({k})")
    return {name: state.get(f"studio_{name}") for name in versions.FORM_FIELDS}


def show_problems(problems: list[Problem], lang: str) -> None:
    st.header(t("studio.validation"))
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]

    def lines(found: list[Problem]) -> str:
        return "\n".join(f"- **{t('studio.severity.' + p.severity)}** · {field_label(p.field) if p.field else p.kpi}: "
                         f"{without_paths(p.en if lang == 'en' else p.nl)}" for p in found)

    if errors:
        st.error(t("studio.errors", count=len(errors)) + "\n\n" + lines(errors), icon=":material/cancel:")
    if warnings:
        st.warning(t("studio.warnings", count=len(warnings)) + "\n\n" + lines(warnings), icon=":material/warning:")
    if not problems:
        st.success(t("studio.no_problems"), icon=":material/check_circle:")


def show_preview(check: versions.Check, library, year: int) -> None:
    st.header(t("studio.preview", year=year))
    if check.kpi is None or check.errors:
        st.info(t("studio.preview_unavailable"), icon=":material/info:")
        return
    kpi = check.kpi
    values = versions.preview_in(database_path(), library, kpi, year, str(check.target or ""))
    if values.empty:
        st.info(t("studio.preview_none", year=year), icon=":material/info:")
        return
    names = reads.municipality_names()
    shown = values[values["value"].notna()]
    st.markdown(t("studio.preview_count", count=fmt(len(shown)), year=year, median=fmt(shown["value"].median()),
                  unit=present.plain(view.unit(kpi.unit))))  # typed in the form: shown as written
    column = lambda name: t(f"studio.preview_columns.{name}")  # noqa: E731
    table = pd.DataFrame({
        column("region"): [names.get(code, code) for code in values["region_code"]],
        column("code"): values["region_code"],
        column("value"): [widgets.shown(v, hidden, kpi.privacy_threshold) for v, hidden in zip(values["value"], values["suppressed"])],
        column("unit"): view.unit(kpi.unit),
        column("note"): [t("studio.suppressed", threshold=fmt(kpi.privacy_threshold)) if s else "" for s in values["suppressed"]],
    })
    figure = go.Figure()
    figure.add_histogram(x=shown["value"], nbinsx=40, name=str(year))
    figure.update_layout(xaxis_title=present.plain_html(view.unit(kpi.unit)), yaxis_title=t("studio.preview_axis"), showlegend=False)
    widgets.chart_with_table(figure, table, key="studio_preview_chart")


def save_section(values: dict, check: versions.Check, library, known: set[str], editing: str | None, lang: str) -> None:
    st.header(t("studio.save"))
    actor = view.actor()
    may_save = widgets.may_or_say(Permission.define_kpi, "auth.studio_needs_advisor", Role.advisor)
    if actor == LOCAL:  # one local user for everyone: each version names its author
        st.text_input(t("studio.author"), key="studio_author", help=t("studio.author_help"))
        author = st.session_state.get("studio_author") or ""
    else:  # logged in: the version names the person
        author = actor.name
        st.caption(t("auth.studio_saved_as", name=actor.name, role=ROLE_NAMES[actor.role][lang == "en"]))
    # The click is kept as a request in the session by the callback (it survives a rerun).
    st.button(t("studio.save_button"), key="studio_save", type="primary", icon=":material/save:", disabled=not may_save,
              on_click=lambda: st.session_state.update(studio_save_request=True))
    if not st.session_state.pop("studio_save_request", False):
        return
    try:
        version = versions.save(values, library, known, own.at(), author, editing=editing, actor=actor,
                                    based_on=st.session_state.get("studio_loaded_version") if editing else None,
                                    db=database_path())
    except KoersError as error:
        st.error(without_paths(error.message(lang)), icon=":material/cancel:")
        return
    st.session_state["studio_saved"] = t("studio.saved", version=version.number, id=check.kpi.id, path=kept_in(check.target))
    st.session_state["studio_pending"] = check.kpi.id
    st.rerun()  # the library now holds the saved file; show it chosen


def versions_section(kpi_id: str, lang: str) -> None:
    st.header(t("studio.versions"))
    found = versions.list_versions(own.at(), kpi_id) if kpi_id else []
    if not found:
        st.info(t("studio.versions_none"), icon=":material/info:")
        return
    who = lambda v: v.author or i18n.text(lang, "studio.unknown_author")  # noqa: E731
    column = lambda name: t(f"studio.versions_columns.{name}")  # noqa: E731
    st.dataframe(pd.DataFrame({
        column("version"): [v.number for v in found],
        column("saved_at"): [present.date_text(v.saved_at, with_time=True) for v in found],
        column("author"): [who(v) for v in found],
        column("origin"): [kept_in(v.origin) for v in found],
    }), hide_index=True, key="studio_versions")
    if len(found) < 2:
        return
    by_number = {v.number: v for v in found}
    label = lambda n: i18n.text(lang, "studio.version_label", version=n,  # noqa: E731
                                saved_at=present.date_text(by_number[n].saved_at, with_time=True), author=who(by_number[n]))
    numbers = list(by_number)
    left, right = st.columns(2)
    old = left.selectbox(t("studio.compare_old"), numbers, index=len(numbers) - 2, key=f"studio_old_{kpi_id}", format_func=label)
    new = right.selectbox(t("studio.compare_new"), numbers, index=len(numbers) - 1, key=f"studio_new_{kpi_id}", format_func=label)
    changes = versions.diff(by_number[old].kpi, by_number[new].kpi)
    changes = changes[changes["changed"]]
    if changes.empty:
        st.info(t("studio.no_differences"), icon=":material/info:")
        return
    st.dataframe(pd.DataFrame({
        t("studio.diff_columns.field"): [field_label(f) for f in changes["field"]],
        t("studio.diff_columns.old", version=old): changes["old"],
        t("studio.diff_columns.new", version=new): changes["new"],
    }), hide_index=True, key="studio_diff")


def draw() -> None:
    choice_of = view.selection()
    lang = choice_of.lang
    auth.require_frame(lang)  # never the local administrator by accident
    library = reads.library()
    kpis = library.kpis
    st.title(t("studio.title"))
    st.markdown(t("studio.intro"))
    saved = st.session_state.pop("studio_saved", None)
    if saved:
        st.success(saved, icon=":material/check_circle:")

    pending = st.session_state.pop("studio_pending", None)
    if pending in kpis:
        st.session_state["studio_choice"] = pending
        st.session_state.pop("studio_loaded", None)  # reload the form from the saved file
    order = [""] + sorted(kpis, key=lambda k: (getattr(kpis[k].title, lang).casefold(), k))
    if st.session_state.get("studio_choice") not in order:
        st.session_state["studio_choice"] = ""
    choice = st.selectbox(t("studio.choose"), order, key="studio_choice",
                          format_func=lambda k: i18n.text(lang, "studio.new") if not k else f"{getattr(kpis[k].title, lang)} ({k})")
    if choice:
        st.caption(t("studio.editing", title=present.plain(getattr(kpis[choice].title, lang)), id=choice,
                     origin=kept_in(library.origin[choice].file)))
    else:
        place = own.at()
        st.caption(t("studio.editing_new", folder=t("studio.shared_database") if place.shared else file_name(place.folder)))
    _load_form(choice, library)

    values = form(library, lang)
    known = set(reads.indicator_choices()["id"])
    check = versions.check(values, library, known, own.at(), editing=choice or None)
    if not choice and versions.document(values) == versions.document(versions.blank_form()):
        st.header(t("studio.validation"))  # an untouched form: nothing to blame anyone for yet
        st.info(t("studio.empty_form"), icon=":material/info:")
    else:
        show_problems(check.problems, lang)
    show_preview(check, library, choice_of.year)
    save_section(values, check, library, known, choice or None, lang)
    versions_section(check.kpi.id if check.kpi else (choice or ""), lang)


view.guarded(draw)
