"""Data: load a file (preview and the store's checks first, then commit with progress), the import
history, and the data quality per indicator with each source's governance record.

Only an administrator may import; others may still check a file (nothing is written), and the
store refuses their commit anyway."""

from __future__ import annotations

from types import ModuleType

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from koers.dashboard import auth, reads, view, widgets
from koers.sources import governance as source_governance
from koers.sources import quality as source_quality
from koers.sources import uploads
from koers.sources.own_file import KIND as OWN_FILE, templates
from koers import i18n, present
from koers.access import Permission, Role
from koers.errors import KoersError
from koers.settings import database_path
from koers.sources.source import Source, UploadField
from koers.dashboard.view import fmt, t

COVERAGE_DEFAULT = 15  # indicators shown in the coverage map at first: those missing the most


def _date(value: object) -> str:
    return present.date_text(value) or "–"


# --- upload ------------------------------------------------------------------------------------


def _upload_fields(source: Source, lang: str) -> dict[str, str]:
    """The fields the chosen kind of file declares; their values, as its reader takes them."""
    fields = source.upload.fields
    values = {}
    advanced = [f for f in fields if f.advanced]
    if advanced:
        with st.expander(t("data_page.mapping")):
            st.caption(t("data_page.mapping_help"))
            columns = st.columns(2)
            for i, field in enumerate(advanced):
                values[field.name] = _field(columns[i % 2], field, lang)
    for field in fields:
        if not field.advanced:
            values[field.name] = _field(st, field, lang)
    return values


def _field(where: DeltaGenerator | ModuleType, field: UploadField, lang: str) -> str:
    """One field, drawn in a column or (`where` is `st`) on the page; widget key `data_<name>`."""
    label, key, hint = t(field.label_key), f"data_{field.name}", t(field.help_key) if field.help_key else None
    if field.choices:
        return where.selectbox(label, list(field.choices), key=key, format_func=view.labels(lang, field.choices_key), help=hint)
    return where.text_input(label, key=key, help=hint)


def _prepared(upload, kind: str, options: dict[str, str]) -> tuple[tuple, uploads.PreparedUpload]:
    """The upload read and checked, kept in the session until the file or an option changes."""
    key = (upload.file_id, upload.name, kind, tuple(sorted(options.items())))
    kept = st.session_state.get("data_prepared")
    if kept is None or kept[0] != key:
        with st.spinner(t("data_page.reading")):
            prepared = uploads.prepare_upload(upload.name, upload.getvalue(), kind, options)
        kept = (key, prepared)
        st.session_state["data_prepared"] = kept
    return kept


def _show_check(prepared: uploads.PreparedUpload, lang: str) -> None:
    st.subheader(t("data_page.preview"))
    preview = prepared.marked if prepared.marked is not None else prepared.preview
    column = lambda name: t(f"data_page.columns.{name}")  # noqa: E731
    rejected = preview["rejected"].astype(bool)
    st.dataframe(pd.DataFrame({
        column("record"): preview["record"].astype(int),
        column("indicator"): preview["indicator_id"].fillna(""),
        column("region"): preview["region"].fillna(""),
        column("period"): preview["period"].fillna(""),
        column("value"): [fmt(v) if pd.notna(v) else "" for v in preview["value"]],
        # the cell as the file has it ("1,5", "1.234"), beside the number it was read as
        column("cell"): preview["cell"],
        column("unit"): [present.indicator_unit(u, lang) for u in preview["unit"]],
        column("status"): [t(f"data_page.statuses.{s}") if isinstance(s, str) else "" for s in preview["status"]],
        column("check"): [t("data_page.checks.rejected") if r else t("data_page.checks.loaded") for r in rejected],
        column("reason"): preview["reason_en" if lang == "en" else "reason_nl"],
    }), hide_index=True, key="data_preview")
    st.caption(t("data_page.preview_caption", rows=fmt(len(preview)), total=fmt(prepared.check.rows_read),
                 rejected=fmt(int(rejected.sum()))))

    st.subheader(t("data_page.validation"))
    check = prepared.check
    st.markdown(t("data_page.counts", read=fmt(check.rows_read), load=fmt(check.rows_loaded), new=fmt(check.rows_new),
                  revised=fmt(check.rows_revised), unchanged=fmt(check.rows_unchanged), rejected=fmt(check.rows_rejected)))
    if not check.rows_loaded:
        st.warning(t("data_page.nothing_to_load"), icon=":material/warning:")
    rejected = prepared.rejected
    if rejected.empty:
        st.success(t("data_page.none_rejected"), icon=":material/check_circle:")
        return
    st.markdown(f"**{t('data_page.rejected_title', count=fmt(len(rejected)))}**")
    st.dataframe(pd.DataFrame({
        t("data_page.columns.record"): rejected["record"].astype("Int64"),
        # the store names the region column by its role; the importer by its header in the file
        t("data_page.columns.field"): rejected["field"].fillna("").replace({"region": t("data_page.columns.region")}),
        t("data_page.columns.reason"): rejected["reason_en" if lang == "en" else "reason_nl"],
        t("data_page.columns.raw"): rejected["raw"].fillna(""),  # the row as the file has it
    }), hide_index=True, key="data_rejected")


def _show_result(result) -> None:
    st.success(t("data_page.result", id=result.import_id, read=fmt(result.rows_read), loaded=fmt(result.rows_loaded),
                 new=fmt(result.rows_new), revised=fmt(result.rows_revised), unchanged=fmt(result.rows_unchanged),
                 rejected=fmt(result.rows_rejected)), icon=":material/check_circle:")


def templates_section(lang: str) -> None:
    """Templates to start an own file from, and the column names the importer recognises."""
    with st.expander(t("data_page.templates.title"), icon=":material/download:"):
        st.caption(t("data_page.templates.intro", example=templates.EXAMPLE_STATUS["en" if lang == "en" else "nl"]))
        buttons = st.columns(4)
        for i, (layout, form) in enumerate((l, f) for l in templates.LAYOUTS for f in templates.FORMATS):
            mime = "text/csv" if form == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            buttons[i].download_button(
                t(f"data_page.templates.{layout}_{form}"), data=templates.template(layout, form, lang),
                file_name=templates.file_name(layout, form, lang), mime=mime, key=f"data_template_{layout}_{form}",
                icon=":material/table_view:")
    with st.expander(t("data_page.recognised.title"), icon=":material/view_column:"):
        st.caption(t("data_page.recognised.intro"))
        recognised = templates.recognised_headers()
        column = lambda name: t(f"data_page.recognised.columns.{name}")  # noqa: E731
        st.dataframe(pd.DataFrame({
            column("field"): [t(f"data_page.recognised.roles.{role}") for role in recognised],
            column("names"): [", ".join(names) for names in recognised.values()],
            column("needed"): [t(f"data_page.recognised.needed.{role}") for role in recognised],
        }), hide_index=True, key="data_recognised")


def upload_section(lang: str) -> None:
    st.header(t("data_page.upload"))
    actor = view.actor()
    may_import = widgets.may_or_say(Permission.import_data, "auth.import_needs_admin", Role.admin)
    sources = uploads.upload_sources()
    titles = {kind: source.title_key for kind, source in sources.items()}
    kind = st.segmented_control(t("data_page.kind"), list(sources), key="data_kind", default=next(iter(sources)),
                                required=True, format_func=lambda kind, lang=lang: i18n.text(lang, titles[kind]))
    if sources[kind].name == OWN_FILE:
        templates_section(lang)
    options = _upload_fields(sources[kind], lang)
    upload = st.file_uploader(t("data_page.file"), type=list(sources[kind].upload.file_types), key=f"data_file_{kind}")
    if upload is None:
        st.info(t("data_page.no_file"), icon=":material/upload_file:")
        return
    try:
        key, prepared = _prepared(upload, kind, options)
    except KoersError as error:  # an unreadable file or a bad option: one line, nothing written
        st.error(uploads.without_paths(error.message(lang)), icon=":material/error:")
        return
    _show_check(prepared, lang)

    committed = st.session_state.get("data_committed")
    if committed is not None and committed[0] == key:
        _show_result(committed[1])
        return
    # The click is kept as a request in the session (set by the button's callback), not read from
    # the button's value: that survives a rerun of the script between the click and this line.
    st.button(t("data_page.commit"), key="data_commit", type="primary", icon=":material/upload:",
              disabled=not (prepared.check.rows_loaded and may_import), help=t("data_page.commit_help"),
              on_click=lambda: st.session_state.update(data_commit_request=key))
    if st.session_state.pop("data_commit_request", None) == key:
        bar = st.progress(0.0, text=t("data_page.committing"))
        try:
            step = lambda name, fraction: bar.progress(min(max(fraction, 0.0), 1.0), text=t(f"data_page.steps.{name}"))  # noqa: E731
            result = uploads.commit_upload(prepared, step, actor=actor, after=reads.keeping_evaluation(step))
        except KoersError as error:
            bar.empty()
            st.error(uploads.without_paths(error.message(lang)), icon=":material/error:")
            return
        st.session_state["data_committed"] = (key, result)
        _show_result(result)


# --- history and quality -----------------------------------------------------------------------


def history_section() -> None:
    st.header(t("data_page.history"))
    log = reads.imports()
    if log.empty:
        st.info(t("data_page.history_empty"))
        return
    log = log.sort_values("id", ascending=False)
    column = lambda name: t(f"data_page.history_columns.{name}")  # noqa: E731
    st.dataframe(pd.DataFrame({
        column("id"): log["id"].astype(int),
        column("kind"): log["kind"],
        # only the file's name: the log keeps the full path for administrators, the page shows none
        column("file"): [uploads.file_name(v) for v in log["file"]],
        column("source"): log["source_table"].fillna(""),
        column("finished"): [_date(v) for v in log["finished"]],
        column("read"): [fmt(v) for v in log["rows_read"]],
        column("loaded"): [fmt(v) for v in log["rows_loaded"]],
        column("new"): [fmt(v) for v in log["rows_new"]],
        column("revised"): [fmt(v) for v in log["rows_revised"]],
        column("rejected"): [fmt(v) for v in log["rows_rejected"]],
        column("status"): [t(f"data_page.import_status.{s}") for s in log["status"]],
        column("message"): [uploads.without_paths(v) for v in log["message"]],
    }), hide_index=True, key="data_history")


def governance() -> pd.DataFrame:
    """Read fresh on every run (a few rows): a saved record need not change the file's fingerprint."""
    return source_governance.governance(database_path())


def _privacy(lang: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        return "–"
    key = f"beheer.privacy.{value}"
    found = i18n.text(lang, key)
    return value if found == key else found


def governance_summary(records: pd.DataFrame, sources: str, lang: str) -> str:
    """"03759ned, 84799NED" -> per source its owner and privacy class, or that it has no record."""
    by_source = records.set_index("source_table") if not records.empty else pd.DataFrame()
    parts = []
    for source in filter(None, (s.strip() for s in (sources or "").split(","))):
        if source not in by_source.index or not by_source.loc[source, "recorded"]:
            parts.append(f"{source}: {t('beheer.governance.not_recorded')}")
            continue
        row = by_source.loc[source]
        owner = row["owner"] if isinstance(row["owner"], str) and row["owner"] else "–"
        parts.append(f"{source}: {owner} · {_privacy(lang, row['privacy_class'])}")
    return "; ".join(parts)


def governance_table(records: pd.DataFrame, lang: str) -> None:
    """Each source with its governance record, next to the quality table."""
    column = lambda name: t(f"beheer.governance.columns.{name}")  # noqa: E731
    dash = lambda value: value if isinstance(value, str) and value else "–"  # noqa: E731
    with st.expander(t("beheer.governance.sources_title", count=fmt(len(records))), expanded=True):
        st.caption(t("beheer.governance.sources_caption"))
        st.dataframe(pd.DataFrame({
            column("source_table"): records["source_table"],
            column("owner"): [dash(v) if r else t("beheer.governance.not_recorded") for v, r in zip(records["owner"], records["recorded"])],
            column("licence"): [dash(v if isinstance(v, str) and v else i) for v, i in zip(records["licence"], records["import_licence"])],
            column("legal_basis"): [dash(v) for v in records["legal_basis"]],
            column("privacy_class"): [_privacy(lang, v) for v in records["privacy_class"]],
            column("retention"): [dash(v) for v in records["retention"]],
            column("refresh_schedule"): [dash(v) for v in records["refresh_schedule"]],
            column("last_import"): [_date(v) for v in records["last_import"]],
        }), hide_index=True, key="data_governance")


def quality_section(lang: str) -> None:
    st.header(t("data_page.quality"))
    st.caption(t("data_page.quality_caption", z=fmt(source_quality.OUTLIER_Z, 1)))
    report = reads.quality()
    records = governance()
    summary = report.summary
    titles = dict(zip(summary["indicator_id"], summary[f"title_{lang}"]))
    units = dict(zip(summary["indicator_id"], summary["unit"].fillna("")))
    column = lambda name: t(f"data_page.quality_columns.{name}")  # noqa: E731
    st.dataframe(pd.DataFrame({
        column("indicator"): [f"{titles[i]} ({i})" for i in summary["indicator_id"]],
        column("unit"): [present.indicator_unit(u, lang) for u in summary["unit"]],
        column("years"): ["–" if pd.isna(a) else f"{int(a)}–{int(b)}" for a, b in zip(summary["first_year"], summary["last_year"])],
        column("latest"): ["–" if pd.isna(n) else f"{fmt(n)} / {fmt(m)}"
                           for n, m in zip(summary["latest_with_value"], summary["latest_municipalities"])],
        column("missing"): [fmt(v * 100, 1) for v in summary["missing_share"]],
        column("last_import"): [_date(v) for v in summary["last_import"]],
        column("sources"): summary["sources"].fillna(""),
        column("licence"): summary["licence"].fillna(""),
        t("beheer.governance.column"): [governance_summary(records, s, lang) for s in summary["sources"].fillna("")],
        column("outliers"): [fmt(v) for v in summary["outliers"]],
    }), hide_index=True, key="data_quality")
    governance_table(records, lang)

    st.subheader(t("data_page.coverage"))
    st.caption(t("data_page.coverage_caption"))
    coverage = report.coverage
    order = summary.sort_values(["missing_share", "indicator_id"], ascending=[False, True], na_position="last")["indicator_id"]
    covered = [i for i in order if i in set(coverage["indicator_id"])]
    chosen = st.multiselect(t("data_page.coverage_choose"), covered, default=covered[:COVERAGE_DEFAULT], key="data_coverage",
                            format_func=lambda i: titles.get(i, i), placeholder=t("app.choose_several"))
    if chosen:
        shown = coverage[coverage["indicator_id"].isin(chosen)]
        grid = shown.pivot(index="indicator_id", columns="year", values="with_value").reindex(chosen)
        share = (shown.assign(share=shown["with_value"] / shown["municipalities"].where(shown["municipalities"] > 0) * 100)
                 .pivot(index="indicator_id", columns="year", values="share").reindex(chosen))
        labels = [titles.get(i, i) for i in chosen]
        figure = go.Figure(go.Heatmap(
            z=share.to_numpy(), x=[str(y) for y in share.columns], y=labels, zmin=0, zmax=100,
            text=[[fmt(v) if pd.notna(v) else "" for v in row] for row in grid.to_numpy()], texttemplate="%{text}",
            colorscale="Blues", colorbar=dict(title=t("data_page.coverage_share")),
            hovertemplate="%{y}<br>%{x}: %{text} (%{z:.0f}%)<extra></extra>",
        ))
        figure.update_layout(height=120 + 28 * len(chosen), yaxis=dict(autorange="reversed"),
                             xaxis_title=t("data_page.coverage_columns.year"))
        table = pd.DataFrame({
            column("indicator"): [titles.get(i, i) for i in shown["indicator_id"]],
            t("data_page.coverage_columns.year"): shown["year"].astype(str),
            t("data_page.coverage_columns.with_value"): [fmt(v) for v in shown["with_value"]],
            t("data_page.coverage_columns.municipalities"): [fmt(v) for v in shown["municipalities"]],
        })
        widgets.chart_with_table(figure, table, key="data_coverage_chart")

    outliers_section(report, titles, units)


def outliers_section(report: source_quality.Quality, titles: dict[str, str], units: dict[str, str]) -> None:
    """One indicator's outliers in its latest year; a count's per 1,000 inhabitants."""
    summary, coverage = report.summary, report.coverage
    st.subheader(t("data_page.outliers"))
    with_values = [i for i in summary.sort_values("indicator_id")["indicator_id"] if i in set(coverage["indicator_id"])]
    if not with_values:
        return
    indicator = st.selectbox(t("data_page.outliers_choose"), with_values, key="data_outlier_indicator",
                             format_func=lambda i: f"{titles.get(i, i)} ({i})")
    rows = report.outliers[report.outliers["indicator_id"] == indicator]
    row = summary[summary["indicator_id"] == indicator].iloc[0]
    period = str(int(row["last_year"])) if pd.notna(row["last_year"]) else "–"
    if rows.empty:
        st.write(t("data_page.outliers_none", period=period))
        return
    names = reads.municipality_names()
    name = lambda name: t(f"data_page.outlier_columns.{name}")  # noqa: E731
    # A count below its privacy threshold is withheld (koers.present owns the rule: no threshold,
    # nothing withheld); its rate per 1,000 inhabitants with it, as the count follows from it.
    hidden = present.small_counts(rows["count"], rows["threshold"])
    regions = [f"{names.get(c, c)} ({c})" for c in rows["region_code"]]
    sides = [t("data_page.above") if z > 0 else t("data_page.below") for z in rows["z"]]
    if bool(row["per_capita"]):
        per = t("data_page.per_1000")
        left_out = int(row["without_population"])
        st.caption(t("data_page.outliers_caption_per_capita", count=fmt(len(rows)), period=rows["period"].iloc[0],
                     median=f"{fmt(rows['median'].iloc[0])} {per}")
                   + (" " + t("data_page.outliers_left_out", count=fmt(left_out), period=rows["period"].iloc[0])
                      if left_out else ""))
        st.dataframe(pd.DataFrame({
            name("region"): regions,
            name("count"): [widgets.shown(v, h, n, count=True) for v, h, n in zip(rows["count"], hidden, rows["threshold"])],
            name("population"): [fmt(v) for v in rows["population"]],
            name("per_1000"): [widgets.shown(v, h, n, count=True) for v, h, n in zip(rows["value"], hidden, rows["threshold"])],
            name("median"): [f"{fmt(v)} {per}" for v in rows["median"]],
            name("z"): [fmt(v, 1) for v in rows["z"]],
            name("side"): sides,
        }), hide_index=True, key="data_outliers")
        return
    unit = _unit_text(units.get(indicator, ""))
    st.caption(t("data_page.outliers_caption", count=fmt(len(rows)), period=rows["period"].iloc[0],
                 median=f"{fmt(rows['median'].iloc[0])} {present.plain(unit)}".strip())  # an own file's unit: as written
               + (" " + t("data_page.outliers_no_population", period=rows["period"].iloc[0])
                  if bool(row["no_population_year"]) else ""))
    st.dataframe(pd.DataFrame({
        name("region"): regions,
        name("value"): [widgets.shown(v, h, n, unit=unit or None, count=True) for v, h, n in zip(rows["value"], hidden, rows["threshold"])],
        name("median"): [f"{fmt(v)} {unit}".strip() for v in rows["median"]],
        name("z"): [fmt(v, 1) for v in rows["z"]],
        name("side"): sides,
    }), hide_index=True, key="data_outliers")


def _unit_text(unit: str) -> str:
    """A unit after a number: none for a plain count ("10", not "10 aantal")."""
    return "" if unit.strip().casefold() == source_quality.COUNT_UNIT else present.indicator_unit(unit, view.selection().lang)


def draw() -> None:
    lang = view.selection().lang
    auth.require_frame(lang)  # never the local administrator by accident
    st.title(t("data_page.title"))
    st.markdown(t("data_page.intro"))
    upload_section(lang)
    history_section()
    quality_section(lang)


view.guarded(draw)
