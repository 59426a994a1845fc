"""Council review reports: a review session as PDF (weasyprint) and as a self-contained HTML file.

A report shows what the council was shown — the session's frozen snapshot (`koers.loop.review`), never
live figures — so it is the same document whenever it is made, whatever was imported since:

- a cover: municipality, session title, reference date, year, stage, who made the session and
  when, the data version, and how many outcomes are on track / at risk / off track;
- per VNG theme the snapshot's KPIs, off-track first: value with unit, status as icon and word
  (never colour alone), trend, target (and the original target when it was revised), peers, a
  chart of the frozen series with the target, the KPI's annotations, the session's findings,
  decisions and expected effects for it, and the actions naming it;
- "expected against actual" (when the session has a predecessor), general findings and
  decisions, and the sources with their licences and governance records.

A suppressed value (snapshot `suppressed`; its value is null) is printed as withheld (present.marker) with n the KPI's
privacy threshold, and its point is left out of the chart. How values, statuses, trends and dates
are written is `koers.present`'s, as on the dashboard.

Sources and data dates: every PDF page carries a footer naming all sources of the report with
their licences (CBS: "CC BY 4.0 (Bron: CBS)") and the data version, and a header naming the
sources of the theme on that page (CSS `string-set`); in both formats each KPI block cites its
own sources and data date.

Charts are plotly figures (plain JSON, made here) turned into SVG by `koers.loop.charts`, all in
one browser session; nothing is fetched from the network, and weasyprint may only read `data:`
URIs. The HTML embeds its CSS and charts (base64 `data:` URIs), so it holds no http(s) reference at all.

Accessibility (council documents fall under the Dutch accessibility rules): a tagged PDF/UA-1 file with
the language of `<html lang>` and the title of `<title>`; chart images have alt texts; every mark is
a character DejaVu Sans has (status ✔ ⚠ ✖, overdue ◷: `koers.present`), so no emoji font is needed.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from koers import i18n, present
from koers.loop import learning, review
from koers.loop.charts import CHART_SIZE, Progress, chromium_path, render_charts  # noqa: F401 - chromium_path: bench/ reads it here
from koers.access import Actor, Permission, require
from koers.errors import KoersError
from koers.kpis.library import Library
from koers.store import EXAMPLE_SOURCE, Store
from metrics.model import THEME_TITLES, Theme

TEMPLATES = Path(__file__).resolve().parent / "templates"
PDF_VARIANT = "pdf/ua-1"  # tagged PDF for accessibility (weasyprint >= 61 knows it; 70 is installed)
log = logging.getLogger("koers.loop.report")

PALETTE = present.PALETTE
ITEM_SECTIONS = (("finding", "findings"), ("decision", "decisions"), ("expected_effect", "expected_effects"))


def _nothing(step: str, fraction: float) -> None:
    pass


# --- small formatting helpers ---------------------------------------------------------------


def _known(value: object) -> bool:
    """Not None / NaN / NA (snapshot columns mix all three)."""
    if value is None:
        return False
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):
        return True


def _t(lang: str, key: str, **params: object) -> str:
    return i18n.text(lang, f"report.{key}", **params)


def _num(value: object, lang: str, decimals: int | None = None) -> str:
    return present.number(float(value), lang, decimals) if _known(value) else "–"


def _source_tables(sources: object) -> list[str]:
    """A snapshot's `sources` ("03759ned,voorbeelddata") as a list of source tables."""
    return [s.strip() for s in str(sources or "").split(",") if s.strip()]


def _css_string(text: str) -> str:
    """`text` as a CSS string literal, safe inside a <style> element (no quotes, `<`, newlines)."""
    out = []
    for ch in text:
        if ch.isalnum() or ch in " .,;:()-–—+/%€'·":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    return '"' + "".join(out) + '"'


# --- what the report holds --------------------------------------------------------------------


@dataclass
class Source:
    """One source table the snapshot names, as of the session's data version."""

    table: str
    label: str  # "CBS 03759ned", "voorbeelddata (fictief)", an own file's source name
    short: str  # the label where the licence follows it ("voorbeelddata": its licence says it is invented)
    licences: list[str]  # the import's licence, and the governance record's when it differs
    example: bool
    imported: object  # when its last import (up to the session's data version) finished
    governance: dict


@dataclass
class Chart:
    """A KPI block's chart to draw: the block gets the image as a data: URI."""

    block: dict
    figure: dict  # plotly figure JSON: {"data": [...], "layout": {...}}


def _sources(store: Store, snapshot: pd.DataFrame, data_version: int, lang: str) -> dict[str, Source]:
    """Per source table named in the snapshot (keyed lower-case): label, licence(s), governance.

    Only imports up to the session's data version count, so a later import changes no date or
    licence in the report; governance records (owner, legal basis) are the current ones."""
    imports = store.imports()
    imports = imports[(imports["id"] <= data_version) & (imports["status"] != "failed")
                      & imports["source_table"].notna()].sort_values("id")
    latest = {str(row.source_table).lower(): row for row in imports.itertuples()}
    governance = {str(row["id"]).lower(): row for row in store.records("governance").to_dict("records")}
    found: dict[str, Source] = {}
    for table in sorted({t for s in snapshot["sources"] for t in _source_tables(s)}, key=str.lower):
        key = table.lower()
        if key in found:
            continue
        imported = latest.get(key)
        example = key == EXAMPLE_SOURCE
        if example:
            label = _t(lang, "example_source")
        elif imported is not None and str(imported.kind).startswith("cbs"):
            label = _t(lang, "cbs_source", table=table)
        else:
            label = table
        record = governance.get(key, {})
        licences = [str(imported.licence)] if imported is not None and _known(imported.licence) else []
        if _known(record.get("licence")) and str(record["licence"]) not in licences:
            licences.append(str(record["licence"]))
        kept = {k: record.get(k) for k in ("owner", "licence", "legal_basis", "privacy_class", "retention", "refresh_schedule")
                if _known(record.get(k))}
        found[key] = Source(table, label, table if example else label, licences, example,
                            None if imported is None else imported.finished, kept)
    return found


def _sources_line(sources: list[Source]) -> str:
    """The sources grouped by licence, e.g. "CBS 03759ned, CBS 83625NED (CC BY 4.0 (Bron: CBS));
    voorbeelddata (fictief — alleen voor demonstratie)"."""
    groups: dict[str, list[str]] = {}
    for source in sources:
        groups.setdefault("; ".join(source.licences), []).append(source.short if source.licences else source.label)
    return "; ".join(f"{', '.join(labels)}" + (f" ({licence})" if licence else "") for licence, labels in groups.items()) or "–"


def _block(row: dict, library: Library, sources: dict[str, Source], lang: str) -> dict:
    """A KPI's display texts, all formatted here so the template only places them."""
    status = row["status"] if row["status"] in present.STATUS_SYMBOL else "no_data"
    suppressed = present.masked(row["suppressed"], row["privacy_threshold"])
    value = present.shown(row["value"], row["suppressed"], row["privacy_threshold"], lang, missing=_t(lang, "no_value"))
    flags = [(name, _t(lang, f"flags.{name}")) for name in ("example", "provisional", "harmonised")
             if _known(row.get(name)) and bool(row[name])]
    target_parts: list[str] = []
    if _known(row["target"]):
        target_parts.append(_t(lang, "target_value", target=_num(row["target"], lang),
                               year=int(row["target_year"]) if _known(row["target_year"]) else "–"))
        if _known(row["tolerance"]) and float(row["tolerance"]) > 0:
            target_parts.append(_t(lang, "target_tolerance", tolerance=_num(row["tolerance"], lang)))
        if _known(row["original_target"]) and not math.isclose(float(row["original_target"]), float(row["target"])):
            target_parts.append(_t(lang, "target_revised", original=_num(row["original_target"], lang)))
    peers = int(row["peers"]) if _known(row["peers"]) else 0
    peer_text = (_t(lang, "peers_value", percentile=_num(row["percentile"], lang, 0), median=_num(row["peer_median"], lang),
                    peers=peers) if peers and _known(row["percentile"]) else _t(lang, "peers_none"))
    own = [sources[t.lower()] for t in _source_tables(row["sources"]) if t.lower() in sources]
    kpi = library.kpis.get(row["kpi_id"])
    title = present.title_of(row, lang)
    unit = present.frozen_unit(row["unit"], kpi, lang) if _known(row["unit"]) else ""
    if unit.startswith("€") and not suppressed and _known(row["value"]):  # money as the language writes it: "€416" / "€ 416"
        value, unit = present.with_unit(value, unit, lang), ""
    return {
        "id": row["kpi_id"], "anchor": f"kpi-{row['kpi_id']}", "title": title or row["kpi_id"],
        "kind": _t(lang, f"kinds.{row['kind']}") if _known(row["kind"]) else "",
        "polarity": _t(lang, f"polarity.{row['polarity']}") if _known(row["polarity"]) else "",
        "period": _t(lang, "period", period=row["period"]),
        "status": status, "icon": present.STATUS_SYMBOL[status], "status_text": present.status_word(status, lang),
        "value": value, "suppressed": suppressed,
        "suppressed_note": _t(lang, "suppressed", n=int(row["privacy_threshold"])) if suppressed else "", "unit": unit,
        "flags": flags, "example": any(name == "example" for name, _ in flags),
        "trend": present.trend_text(row["trend"], lang, missing=_t(lang, "trend_none")),
        "target": "; ".join(target_parts) if target_parts else _t(lang, "no_target"), "peers": peer_text,
        "sources": ", ".join(s.label for s in own) or (kpi.source if kpi else "–"),
        "data_date": _t(lang, "data_date", date=present.document_date(row["data_date"], lang)) if _known(row["data_date"])
        else _t(lang, "data_date_unknown"),
        "chart": None, "chart_alt": "", "annotations": [], "items": [], "actions": [],
    }


def _item_text(item: dict, lang: str) -> str:
    """A review item's text, with what an expected effect expects."""
    text = str(item["text"])
    if item["kind"] != "expected_effect":
        return text
    if _known(item.get("expected_value")):
        detail = (_t(lang, "expected_value", value=_num(item["expected_value"], lang), year=int(item["expected_year"]))
                  if _known(item.get("expected_year")) else _t(lang, "expected_value_no_year", value=_num(item["expected_value"], lang)))
    elif _known(item.get("expected_direction")):
        detail = _t(lang, "expected_direction", direction=_t(lang, f"directions.{item['expected_direction']}"))
    else:
        return text
    return f"{text} ({detail})"


def _action(action: dict, lang: str) -> dict:
    status = str(action["status"])
    return {
        "line": _t(lang, "action_line", title=action["title"], owner=action["owner"],
                   status=_t(lang, f"action_statuses.{status}") if status in ("planned", "in_progress", "done", "cancelled") else status),
        "due": _t(lang, "action_due", date=present.document_date(action["due_date"], lang))
        if _known(action.get("due_date")) else "",
        "overdue": bool(action.get("overdue")),
        "description": action.get("description") or "",
        "expected": action.get("expected_effect") or "",
    }


def _gather(store: Store, library: Library, session_id: int, lang: str) -> tuple[dict, list[Chart]]:
    """Everything the template shows, and the charts still to draw."""
    session = review.session(store, session_id)
    region = str(session["region_code"])
    found = store.region(region)
    municipality = str(found["name"]) if found and _known(found.get("name")) else region
    snapshot = review.frozen(store, session_id)
    data_version = int(session["data_version"])
    sources = _sources(store, snapshot, data_version, lang)
    imports = store.imports()
    version_import = imports[imports["id"] == data_version]
    version_date = version_import["finished"].iloc[0] if len(version_import) else None

    items = review.items(store, session_id)
    items = items.sort_values("id").to_dict("records")
    notes = learning.annotations(store, region).to_dict("records")
    actions = learning.actions(store, region).to_dict("records")

    themes, blocks, charts = _themes(snapshot, library, sources, municipality, lang)
    general, other_actions = _attach(blocks, notes, items, actions, lang)

    outcomes = snapshot[snapshot["kind"] == "outcome"]
    counts = _counts(outcomes.to_dict("records"))
    example_count = int(snapshot["example"].fillna(False).astype(bool).sum())
    all_sources = list(sources.values())
    footer = " · ".join([_t(lang, "footer_sources", sources=_sources_line(all_sources)),
                         _t(lang, "footer_data", id=data_version, date=present.document_date(version_date, lang))])
    context = {
        "lang": lang,
        "municipality": municipality,
        "title": str(session["title"]),
        "doc_title": _t(lang, "doc_title", municipality=municipality, title=session["title"]),
        "facts": [
            (_t(lang, "municipality"), f"{municipality} ({region})"),
            (_t(lang, "session"), f"{session['title']} (#{int(session['id'])})"),
            (_t(lang, "reference_date"), present.document_date(session["reference_date"], lang)),
            (_t(lang, "year"), str(int(session["year"]))),
            (_t(lang, "stage"), _t(lang, f"stages.{session['stage']}")),
            (_t(lang, "made"), _t(lang, "made_value", by=session["created_by"],
                                  at=present.document_date(session["created_at"], lang, True))),
            (_t(lang, "data_version"), _t(lang, "data_version_value", id=data_version,
                                          date=present.document_date(version_date, lang))),
        ] + ([(_t(lang, "previous"), _previous_label(store, session, lang))] if _known(session["previous_id"]) else []),
        "summary": {
            "counts": [(key, present.STATUS_SYMBOL[key], present.status_word(key, lang), counts[key])
                       for key in ("off_track", "at_risk", "on_track")],
            "line": _t(lang, "summary_line", total=len(outcomes), **counts),
            "rest": _t(lang, "summary_rest", **counts),
            "all": _t(lang, "summary_all", kpis=len(snapshot)),
            "example": _t(lang, "example_note", count=example_count) if example_count else "",
        },
        "generated": _t(lang, "generated", at=present.document_date(dt.datetime.now(), lang, True)),
        "themes": themes,
        "eva": _expected_against_actual(store, session, lang),
        "general": general,
        "other_actions": other_actions,
        "sources": [_source_row(s, lang) for s in all_sources],
        "sources_intro": _t(lang, "sources_intro", id=data_version),
        "footer": footer,
        "page_label": (_t(lang, "page"), _t(lang, "of")),
        "status_words": {key: present.status_word(key, lang) for key in present.STATUS_ORDER},
        "overdue_mark": present.OVERDUE_MARK,
        "t": lambda key, **params: _t(lang, key, **params),
    }
    return context, charts


def _themes(snapshot: pd.DataFrame, library: Library, sources: dict[str, Source], municipality: str,
            lang: str) -> tuple[list[dict], dict[str, dict], list[Chart]]:
    """Per theme its KPI blocks (snapshot order), sources and status counts; every block by KPI id;
    the charts still to draw."""
    blocks: dict[str, dict] = {}
    charts: list[Chart] = []
    themes = []
    for number in sorted(int(t) for t in Theme):
        rows = snapshot[snapshot["theme"] == number].to_dict("records")
        theme_blocks = []
        for row in rows:
            block = _block(row, library, sources, lang)
            blocks[row["kpi_id"]] = block
            theme_blocks.append(block)
            figure = _figure(row, municipality, lang)
            if figure is not None:
                block["chart_alt"] = _chart_alt(block["title"], figure, row, municipality, lang)
                charts.append(Chart(block, figure))
        tables = sorted({t.lower() for row in rows for t in _source_tables(row["sources"])})
        labels = ", ".join(sources[t].label for t in tables if t in sources) or "–"
        nl, en = THEME_TITLES[Theme(number)]
        themes.append({"number": number, "anchor": f"theme-{number}", "title": en if lang == "en" else nl,
                       "heading": _t(lang, "theme", number=number), "blocks": theme_blocks,
                       "sources": _t(lang, "theme_sources", number=number, sources=labels),
                       "counts": _counts(rows)})
    return themes, blocks, charts


def _attach(blocks: dict[str, dict], notes: list[dict], items: list[dict], actions: list[dict],
            lang: str) -> tuple[list[dict], list[dict]]:
    """Put annotations, review items and actions into the blocks of the KPIs they name; returns
    the items and actions that name no KPI of the snapshot (the general part)."""
    for note in notes:
        if note["kpi_id"] in blocks:
            blocks[note["kpi_id"]]["annotations"].append(
                {"period": note["period"], "kind": _t(lang, f"annotation_kinds.{note['kind']}"), "text": note["text"]})
    general: list[dict] = []
    for kind, heading in ITEM_SECTIONS:
        for item in items:
            if item["kind"] != kind:
                continue
            kpi_id = str(item["kpi_id"]) if _known(item["kpi_id"]) else None
            owner = blocks.get(kpi_id) if kpi_id else None
            entries = owner["items"] if owner is not None else general
            section = next((s for s in entries if s["kind"] == kind), None)
            if section is None:
                section = {"kind": kind, "heading": _t(lang, heading), "entries": []}
                entries.append(section)
            # an item about a KPI that is not in the snapshot goes to the general part, naming it
            prefix = f"[{kpi_id}] " if owner is None and kpi_id else ""
            section["entries"].append(prefix + _item_text(item, lang))
    other_actions = []
    for action in actions:
        named = [k for k in action["kpi_ids"] if k in blocks]
        for kpi_id in named:
            blocks[kpi_id]["actions"].append(_action(action, lang))
        if not named:
            other_actions.append(_action(action, lang) | {"kpis": ", ".join(action["kpi_ids"])})
    return general, other_actions


def _counts(rows: list[dict]) -> dict[str, int]:
    return present.status_counts(row["status"] for row in rows)


def _previous_label(store: Store, session: dict, lang: str) -> str:
    try:
        previous = review.session(store, int(session["previous_id"]))
    except KoersError:
        return f"#{int(session['previous_id'])}"
    return f"{previous['title']} (#{int(previous['id'])}, {present.document_date(previous['reference_date'], lang)})"


def _expected_against_actual(store: Store, session: dict, lang: str) -> dict | None:
    if not _known(session["previous_id"]):
        return None
    frame = review.expected_against_actual(store, int(session["id"]))
    rows = []
    for row in frame.to_dict("records"):
        item = {"kind": "expected_effect", "text": "", **{k: row[k] for k in ("expected_value", "expected_direction", "expected_year")}}
        expected = _item_text(item, lang).strip().removeprefix("(").removesuffix(")")
        rows.append({
            "kpi": present.title_of(row, lang) or row["kpi_id"],
            "text": row["text"], "expected": expected,
            "before": _num(row["before"], lang), "now": _num(row["now"], lang), "change": present.signed(row["change"], lang),
            "outcome": row["outcome"],
            "outcome_text": f"{present.OUTCOME_SYMBOL[row['outcome']]} {_t(lang, 'eva_outcomes.' + row['outcome'])}",
        })
    return {"intro": _t(lang, "eva_intro", previous=_previous_label(store, session, lang)), "rows": rows}


def _source_row(source: Source, lang: str) -> dict:
    g = source.governance
    return {"label": source.label, "table": source.table, "licence": "; ".join(source.licences) or "–",
            "owner": g.get("owner", "–"), "legal_basis": g.get("legal_basis", "–"),
            "privacy_class": g.get("privacy_class", "–"), "refresh": g.get("refresh_schedule", "–"),
            "imported": present.document_date(source.imported, lang), "example": source.example}


# --- charts -----------------------------------------------------------------------------------


@cache
def _template() -> dict:
    """plotly's "simple_white" template as plain JSON, made once (building it per figure through
    plotly's validated objects costs ~20 ms a chart)."""
    import plotly.io as pio

    return pio.templates["simple_white"].to_plotly_json()


def _line(x: list[str], value: float, name: str, rank: int, line: dict, **extra: object) -> dict:
    return {"type": "scatter", "x": x, "y": [value] * len(x), "mode": "lines", "name": name, "legendrank": rank,
            "line": line, **extra}


def _figure(row: dict, municipality: str, lang: str) -> dict | None:
    """A plotly figure (as plain JSON, which kaleido takes as is) of the frozen series with the
    target (its tolerance band, and the original target when it was revised) and the peer median
    in the reference period; None when there is nothing to draw. A suppressed point is dropped,
    whatever the stored series holds. Every trace differs in shape or dash, not only in colour."""
    series = review.series_of(row)
    if _known(row["suppressed"]) and bool(row["suppressed"]):
        series = series[series["period"] != str(row["period"])]
    series = series.dropna(subset=["value"])
    if series.empty:
        return None
    x = series["period"].astype(str).tolist()
    y = [float(v) for v in series["value"]]
    traces: list[dict] = []
    if _known(row["target"]):
        target = float(row["target"])
        tolerance = float(row["tolerance"]) if _known(row["tolerance"]) else 0.0
        if tolerance > 0:  # the band: an invisible lower edge, then the upper edge filled down to it
            traces.append(_line(x, target - tolerance, "", 9, {"width": 0}, showlegend=False, hoverinfo="skip"))
            traces.append(_line(x, target + tolerance, _t(lang, "chart_band"), 5, {"width": 0},
                                fill="tonexty", fillcolor="rgba(153,153,153,0.25)"))
        year = int(row["target_year"]) if _known(row["target_year"]) else "–"
        traces.append(_line(x, target, f"{_t(lang, 'chart_target', year=year)}: {_num(target, lang)}", 3,
                            {"color": PALETTE[7], "dash": "dash", "width": 1.5}))
        if _known(row["original_target"]) and not math.isclose(float(row["original_target"]), target):
            traces.append(_line(x, float(row["original_target"]),
                                f"{_t(lang, 'chart_original')}: {_num(row['original_target'], lang)}", 4,
                                {"color": "#777777", "dash": "dot", "width": 1.2}))
    traces.append({"type": "scatter", "x": x, "y": y, "mode": "lines+markers", "legendrank": 1,
                   "name": _t(lang, "chart_series", municipality=municipality),
                   "line": {"color": PALETTE[0], "width": 2.5}, "marker": {"size": 6, "color": PALETTE[0]}})
    period = str(row["period"])
    if period in x:
        traces.append({"type": "scatter", "x": [period], "y": [y[x.index(period)]], "mode": "markers", "legendrank": 2,
                       "name": _t(lang, "chart_reference", period=period),
                       "marker": {"size": 12, "symbol": "circle-open", "color": PALETTE[0], "line": {"width": 2}}})
        if _known(row["peer_median"]):
            traces.append({"type": "scatter", "x": [period], "y": [float(row["peer_median"])], "mode": "markers",
                           "legendrank": 6, "name": _t(lang, "chart_median"),
                           "marker": {"size": 10, "symbol": "diamond", "color": PALETTE[1],
                                      "line": {"width": 1, "color": "#000000"}}})
    annotations = []
    if _known(row.get("example")) and bool(row["example"]):
        annotations.append({"text": _t(lang, "flags.example"), "xref": "paper", "yref": "paper", "x": 1, "y": 1.02,
                            "xanchor": "right", "yanchor": "bottom", "showarrow": False,
                            "font": {"size": 11, "color": "#555555"}})
    width, height = CHART_SIZE
    layout = {
        "template": _template(), "width": width, "height": height, "separators": present.plotly_separators(lang),
        "margin": {"l": 60, "r": 12, "t": 22, "b": 10}, "font": {"family": "DejaVu Sans, Liberation Sans, Arial", "size": 11},
        "legend": {"orientation": "h", "x": 0, "y": -0.16, "yanchor": "top", "font": {"size": 10}, "traceorder": "normal"},
        "xaxis": {"type": "category", "tickangle": 0},
        "yaxis": {"tickformat": ",.4~r", "gridcolor": "#E5E5E5", "showgrid": True},
        "annotations": annotations,
    }
    return {"data": traces, "layout": layout}


def _chart_alt(title: str, figure: dict, row: dict, municipality: str, lang: str) -> str:
    """A chart image's alt text: the KPI's title, then one line on what the chart shows, read from
    the figure's traces (by `legendrank`, see `_figure`) so it names exactly what is drawn."""
    traces = {t.get("legendrank"): t for t in figure["data"]}
    periods = traces[1]["x"]  # only periods with a value: a gap is no point, so the count says it
    parts = [_t(lang, "alt_series", municipality=municipality, count=len(periods), first=periods[0], last=periods[-1])
             if len(periods) > 1 else _t(lang, "alt_series_one", municipality=municipality, period=periods[0])]
    year = int(row["target_year"]) if _known(row["target_year"]) else "–"
    extras = {2: ("alt_reference", {"period": row["period"], "value": _num(traces[2]["y"][0], lang) if 2 in traces else ""}),
              3: ("alt_target", {"target": _num(row["target"], lang), "year": year}),
              5: ("alt_band", {"tolerance": _num(row["tolerance"], lang)}),
              4: ("alt_original", {"original": _num(row["original_target"], lang)}),
              6: ("alt_median", {"period": row["period"]})}
    parts += [_t(lang, key, **params) for rank, (key, params) in extras.items() if rank in traces]
    if 2 not in traces:  # the reference period's point is missing (withheld or no figure)
        parts.append(_t(lang, "alt_no_reference", period=row["period"]))
    return _t(lang, "chart_alt", title=title, description=_t(lang, "alt_join").join(parts))


def _draw(charts: list[Chart], progress: Progress, start: float, end: float, lang: str) -> None:
    """Draw every chart (SVG) and attach it to its block as a base64 data: URI — base64, so the
    SVG's own namespace URLs never appear in the HTML text."""
    images = render_charts([c.figure for c in charts], "svg",
                           lambda step, f: progress(step, start + (end - start) * f), lang)
    for chart, image in zip(charts, images):
        chart.block["chart"] = "data:image/svg+xml;base64," + base64.b64encode(image).decode("ascii")


# --- documents --------------------------------------------------------------------------------


@cache
def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _page_css(context: dict) -> str:
    """The PDF's page boxes: header with the document title and the page's theme sources, footer
    with all sources, licences and the data version (fixed text, so it is on every page)."""
    page, of = context["page_label"]
    return f"""
@page {{
  @top-left {{ content: {_css_string(context['doc_title'])}; }}
  @top-right {{ content: string(themesources, first); }}
  @bottom-left {{ content: {_css_string(context['footer'])}; }}
  @bottom-right {{ content: {_css_string(page + ' ')} counter(page) {_css_string(' ' + of + ' ')} counter(pages); }}
}}
@page :first {{ @top-right {{ content: none; }} }}
"""


def _html(context: dict, pdf: bool) -> str:
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    import markupsafe

    page_css = markupsafe.Markup(_page_css(context)) if pdf else ""
    return _environment().get_template("report.html.j2").render(
        **context, pdf=pdf, css=markupsafe.Markup(css), page_css=page_css)


def _prepare(store: Store, library: Library, session_id: int, lang: str, actor: Actor,
             progress: Progress | None, chart_end: float) -> tuple[dict, str, Progress]:
    """The checks both formats make, and their common part: the template's context with the
    charts drawn. Returns the context, the language used and the progress callback."""
    require(actor, Permission.report, str(review.session(store, int(session_id))["region_code"]))
    lang = lang if lang in i18n.LANGUAGES else "nl"
    progress = progress or _nothing
    progress(_t(lang, "progress_read"), 0.0)
    context, charts = _gather(store, library, int(session_id), lang)
    progress(_t(lang, "progress_browser"), 0.05)
    _draw(charts, progress, 0.1, chart_end, lang)
    return context, lang, progress


def build_html(store: Store, library: Library, session_id: int, lang: str, actor: Actor,
               progress: Callable[[str, float], None] | None = None) -> str:
    """The session's report as one self-contained HTML document (CSS and charts inline)."""
    context, lang, progress = _prepare(store, library, session_id, lang, actor, progress, 0.95)
    progress(_t(lang, "progress_html"), 0.95)
    document = _html(context, pdf=False)
    log.info("report of review session %s made as HTML (%s, %d kB)", session_id, lang, len(document.encode()) // 1000)
    progress(_t(lang, "progress_done"), 1.0)
    return document


@dataclass(frozen=True)
class PdfReport:
    data: bytes
    pages: int


def make_pdf(store: Store, library: Library, session_id: int, lang: str, actor: Actor,
             progress: Callable[[str, float], None] | None = None) -> PdfReport:
    """The session's report as PDF, with its page count."""
    context, lang, progress = _prepare(store, library, session_id, lang, actor, progress, 0.8)
    progress(_t(lang, "progress_layout"), 0.8)
    data, pages = html_to_pdf(_html(context, pdf=True))
    log.info("report of review session %s made as PDF (%s, %d pages, %d kB)", session_id, lang, pages, len(data) // 1000)
    progress(_t(lang, "progress_done"), 1.0)
    return PdfReport(data, pages)


def html_to_pdf(document: str) -> tuple[bytes, int]:
    """weasyprint, allowed to read data: URIs only (the report has no other resources); a tagged
    PDF/UA-1 document (`PDF_VARIANT`), its language and title taken from the HTML."""
    import weasyprint

    fetcher = weasyprint.URLFetcher(allowed_protocols=["data"])
    rendered = weasyprint.HTML(string=document, url_fetcher=fetcher).render(pdf_variant=PDF_VARIANT)
    return rendered.write_pdf(pdf_variant=PDF_VARIANT), len(rendered.pages)


def build_pdf(store: Store, library: Library, session_id: int, lang: str, actor: Actor,
              progress: Callable[[str, float], None] | None = None) -> bytes:
    """The session's report as PDF bytes; sources and data dates in the footer of every page."""
    return make_pdf(store, library, session_id, lang, actor, progress).data
