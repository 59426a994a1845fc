"""`python -m koers`: the command line, for people and for scripts.

Tables go to standard output as CSV; progress and messages go to standard error. A problem is one
line (Dutch by default, `--lang en` or `KOERS_LANG=en` for English) and a non-zero exit code:
2 for bad input or a busy database, 1 for anything unexpected (its traceback goes to the log).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from pydantic import ValidationError
from tqdm import tqdm

from koers import i18n, present
from koers.errors import FileProblem, KoersError, language, validation_text
from koers.settings import database_path, log_path
from koers.store import ImportBatch, ImportResult, Store

log = logging.getLogger("koers")


def _say(nl: str, en: str) -> None:
    print(en if language() == "en" else nl, file=sys.stderr)


class _Bar:
    """A progress bar on standard error; `update(step, fraction)` fits the store's callback."""

    def __init__(self, title: str) -> None:
        self.bar = tqdm(total=100, desc=title, file=sys.stderr, unit="%", leave=False,
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}", mininterval=0.2)

    def update(self, step: str, fraction: float) -> None:
        self.bar.set_postfix_str(step, refresh=False)
        self.bar.update(max(0, round(fraction * 100) - self.bar.n))

    def close(self) -> None:
        self.bar.close()


def _waiting(path: str) -> None:
    _say(f"database {path} is bezet door een ander proces (een import of het dashboard); even wachten…",
         f"database {path} is held by another process (an import or the dashboard); waiting…")


def _open(args: argparse.Namespace, read_only: bool = False):
    return Store.open(database_path(args.db), read_only=read_only, wait_seconds=args.wait, on_wait=_waiting)


def _write_csv(frame: pd.DataFrame) -> None:
    frame.to_csv(sys.stdout, index=False, lineterminator="\n")


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".") if language() == "nl" else f"{n:,}"


# --- commands ---------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> None:
    from koers.sources.registry import read_regions_file
    from koers.settings import DATA

    with _open(args) as store:
        if store.counts()["region"] == 0:
            store.con.execute("BEGIN TRANSACTION")
            store.upsert_regions(read_regions_file(DATA / "cbs" / "03759ned" / "codes-RegioS.json"), "CBS 03759ned")
            store.con.execute("COMMIT")
        _say(f"database {store.path} klaar (schemaversie {store.schema_version()}, {_number(store.counts()['region'])} regio's)",
             f"database {store.path} ready (schema version {store.schema_version()}, {_number(store.counts()['region'])} regions)")


def _run_import(args: argparse.Namespace, kind: str, load: Callable[[Callable[[str, float], None]], ImportBatch]) -> None:
    bar = _Bar(kind)
    try:
        bar.update("lezen / reading", 0.0)
        try:
            batch = load(lambda step, f: bar.update(step, 0.3 * f))
        except FileProblem as problem:
            path = database_path(args.db)
            if path.exists():  # keep a trace of the failed attempt; nothing else is written
                with _open(args) as store:
                    store.log_failed_import(kind, problem.path, problem.en)
            raise
        with _open(args) as store:
            result: ImportResult = store.commit_import(batch, lambda step, f: bar.update(step, 0.3 + 0.7 * f))
    finally:
        bar.close()
    _say(
        f"import {result.import_id}: {_number(result.rows_read)} records gelezen, {_number(result.rows_loaded)} geladen "
        f"({_number(result.rows_new)} nieuw, {_number(result.rows_revised)} herzien, {_number(result.rows_unchanged)} ongewijzigd), "
        f"{_number(result.rows_rejected)} afgewezen" + (" — zie `koers rejected " + str(result.import_id) + "`" if result.rows_rejected else ""),
        f"import {result.import_id}: {_number(result.rows_read)} records read, {_number(result.rows_loaded)} loaded "
        f"({_number(result.rows_new)} new, {_number(result.rows_revised)} revised, {_number(result.rows_unchanged)} unchanged), "
        f"{_number(result.rows_rejected)} rejected" + (" — see `koers rejected " + str(result.import_id) + "`" if result.rows_rejected else ""),
    )


def cmd_import(args: argparse.Namespace) -> None:
    if args.kind == "cbs-odata4":
        from koers.sources import cbs_odata4

        _run_import(args, args.kind, lambda p: cbs_odata4.load(args.source, args.base_url or cbs_odata4.DEFAULT_BASE_URL, args.filter, p))
    elif args.kind == "cbs-odata3":
        from koers.sources import cbs_odata3

        levels = tuple(x.strip().upper() for x in args.levels.split(",")) if args.levels else None
        _run_import(args, args.kind, lambda p: cbs_odata3.load(args.source, args.base_url or cbs_odata3.DEFAULT_BASE_URL, args.period, levels, p))
    elif args.kind == "statline-csv":
        from koers.sources import statline_csv

        _run_import(args, args.kind, lambda p: statline_csv.load(Path(args.source), args.table))
    else:
        from koers.sources import own_file

        # The positional FILE is `args.source`; the mapping's own `source` (the name the figures are
        # stored under) comes from --source-name.
        options = {name: getattr(args, name) for name in own_file.FileMapping.model_fields
                   if name != "source" and getattr(args, name, None) is not None}
        if args.source_name:
            options["source"] = args.source_name
        try:
            mapping = own_file.FileMapping(**options)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(x) for x in first["loc"])
            nl, en = validation_text(first)
            raise KoersError(f"{args.source}: optie {field}: {nl}", f"{args.source}: option {field}: {en}") from None
        _run_import(args, "file", lambda p: own_file.load(Path(args.source), mapping))


def cmd_demo(args: argparse.Namespace) -> None:
    from koers.demo.build import build_demo

    target = database_path(args.db)
    if target.exists() and not args.force:
        raise KoersError(f"{target} bestaat al; gebruik --force om de demodatabase opnieuw te bouwen",
                         f"{target} already exists; use --force to rebuild the demo database")
    bar = _Bar("demo")
    try:
        results = build_demo(target, progress=bar.update)
    finally:
        bar.close()
    rows = sum(r.rows_loaded for r in results)
    _say(f"demodatabase {target} gebouwd: {len(results)} imports, {_number(rows)} observaties",
         f"demo database {target} built: {len(results)} imports, {_number(rows)} observations")


def cmd_regions(args: argparse.Namespace) -> None:
    import datetime as dt

    on = dt.date.fromisoformat(args.on) if args.on else None
    kinds = tuple(args.kinds.split(",")) if args.kinds else ("municipality",)
    with _open(args, read_only=True) as store:
        frame = store.regions(on=on, kinds=kinds)
    for column in ("valid_from", "valid_to"):
        frame[column] = pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d")
    _write_csv(frame[["code", "name", "province_code", "valid_from", "valid_to"]].rename(columns={"province_code": "province"}))


def cmd_indicators(args: argparse.Namespace) -> None:
    with _open(args, read_only=True) as store:
        frame = store.indicators()
    title = "title_en" if language() == "en" else "title_nl"
    _write_csv(frame[["id", title, "unit", "additive", "sources"]].rename(columns={title: "title"}))


def cmd_observations(args: argparse.Namespace) -> None:
    from koers.kpis.evaluate import count_thresholds

    library = _library(args)
    with _open(args, read_only=True) as store:
        frame = store.observations(args.indicator, args.region, args.period, all_sources=args.all_sources)
        thresholds = count_thresholds(store, library)
    # A count below the privacy threshold of a KPI resting on it is as sensitive here as there.
    threshold = frame["indicator_id"].map(thresholds)
    hidden = present.small_counts(frame["value"], threshold)
    frame["value"] = frame["value"].map(lambda v: "" if pd.isna(v) else (str(int(v)) if float(v).is_integer() else repr(float(v))))
    frame["value"] = present.masked_column(frame["value"], hidden, threshold)
    _write_csv(frame[["indicator_id", "region_code", "period", "value", "status", "source"]])


def cmd_imports(args: argparse.Namespace) -> None:
    with _open(args, read_only=True) as store:
        _write_csv(store.imports())


def cmd_rejected(args: argparse.Namespace) -> None:
    with _open(args, read_only=True) as store:
        frame = store.rejected(args.import_id)
    reason = "reason_en" if language() == "en" else "reason_nl"
    _write_csv(frame[["import_id", "record", "field", reason, "raw"]].rename(columns={reason: "reason"}))


def _library(args: argparse.Namespace):
    from koers.kpis.library import load_library
    from koers.settings import metrics_folder

    known: list[str] = []
    path = database_path(args.db)
    if path.exists():
        with _open(args, read_only=True) as store:
            known = list(store.known_indicator_ids())
    return load_library(metrics_folder(getattr(args, "metrics", None) or args.metrics_dir), known)


def cmd_metrics_validate(args: argparse.Namespace) -> None:
    library = _library(args)
    lang = language()
    for problem in library.problems:
        print(("FOUT " if lang == "nl" else "ERROR ") * (problem.severity == "error")
              + ("waarschuwing " if lang == "nl" else "warning ") * (problem.severity == "warning") + problem.line(lang))
    errors = len(library.errors)
    _say(f"{len(library.kpis)} KPI's, {errors} fouten, {len(library.problems) - errors} waarschuwingen",
         f"{len(library.kpis)} KPIs, {errors} errors, {len(library.problems) - errors} warnings")
    if errors:
        raise SystemExit(2)


def cmd_metrics_catalog(args: argparse.Namespace) -> None:
    from koers.kpis.document import write_catalog

    library = _library(args)
    target = Path(args.out)
    write_catalog(library, target)
    _say(f"{target} geschreven ({len(library.kpis)} KPI's)", f"wrote {target} ({len(library.kpis)} KPIs)")


def cmd_kpi(args: argparse.Namespace) -> None:
    import datetime as dt

    from koers.kpis.assess import kpi_overview

    library = _library(args)
    custom = [c.strip().upper() for c in args.peers_list.split(",")] if args.peers_list else None
    harmonise = dt.date.fromisoformat(args.harmonise) if args.harmonise else None
    with _open(args, read_only=True) as store:
        if store.region(args.region) is None:
            raise KoersError(f"onbekende regiocode {args.region}", f"unknown region code {args.region}")
        frame = kpi_overview(store, library, args.region, args.year, args.theme, args.peers, custom, harmonise)
    frame["status"] = frame["status"].map(lambda s: present.status_word(s, language()))
    columns = ["kpi_id", "theme", "kind", "value", "unit", "target", "status", "trend", "peer_median", "percentile", "expected"]
    flags = ["provisional", "harmonised", "example", "suppressed"]
    # A value resting on a count below the KPI's privacy threshold n is shown as "< n" (in JSON:
    # value null, "shown" "< n").
    thresholds = frame["kpi_id"].map(lambda k: library.kpis[k].privacy_threshold)
    shown = frame["value"].map(lambda v: "" if v is None or pd.isna(v) else f"{v:.6g}")
    shown = present.masked_column(shown, frame["suppressed"], thresholds)
    if args.format == "json":
        print(frame[columns + flags + ["projected", "will_reach", "sources", "peer_group", "fill_from"]].assign(shown=shown).to_json(
            orient="records", force_ascii=False, indent=1))
    else:
        # A KPI without data says where its data would come from.
        frame["fill_from"] = frame["fill_from"].where(frame["value"].isna() & ~frame["suppressed"], "")
        out = frame[columns + flags + ["fill_from"]].copy()
        for column in ("target", "peer_median", "percentile", "expected"):
            out[column] = out[column].map(lambda v: "" if v is None or pd.isna(v) else f"{v:.6g}")
        out["value"] = shown
        _write_csv(out)


def cmd_targets_import(args: argparse.Namespace) -> None:
    from koers.kpis.targets import read_targets

    frame = read_targets(Path(args.file))
    with _open(args) as store:
        written = store.upsert_targets(frame, source=f"bestand {Path(args.file).name}")
    _say(f"{written} doelen geladen uit {args.file}", f"{written} targets loaded from {args.file}")


def cmd_targets_list(args: argparse.Namespace) -> None:
    with _open(args, read_only=True) as store:
        _write_csv(store.targets(args.kpi, args.region))


def cmd_examples_remove(args: argparse.Namespace) -> None:
    with _open(args) as store:
        removed = store.remove_examples()
    _say(f"voorbeelddata verwijderd: {removed['observations']} observaties, {removed['targets']} doelen, "
         f"{removed['records']} voorbeelden van de leercyclus",
         f"example data removed: {removed['observations']} observations, {removed['targets']} targets, "
         f"{removed['records']} learning-loop examples")


def _size(n: int, lang: str) -> str:
    if n >= 1_000_000:
        return f"{present.number(n / 1_000_000, lang, 1)} MB"
    return f"{present.number(max(1, round(n / 1000)), lang, 0)} kB"


def _text_error(key: str, **params: object) -> KoersError:
    return KoersError(i18n.text("nl", key, **params), i18n.text("en", key, **params))


def _unwritable(target: Path) -> str | None:
    """Why `target` cannot be written (a catalogue key), or None."""
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        return "report.cli_reason_folder"
    if not folder.is_dir():
        return "report.cli_reason_missing"
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        return "report.cli_reason_permission"
    return None


def cmd_report(args: argparse.Namespace) -> None:
    """A review session's report as PDF or self-contained HTML, written to --out."""
    from koers.loop import report, review
    from koers.access import command_line_actor

    lang = language()
    db = database_path(args.db)
    if not db.exists():
        raise _text_error("report.cli_no_database", path=db)
    target = Path(args.out)
    problem = _unwritable(target)  # refused before the slow part, not after it
    if problem:
        raise KoersError(i18n.text("nl", "report.cli_cannot_write", path=target, reason=i18n.text("nl", problem)),
                         i18n.text("en", "report.cli_cannot_write", path=target, reason=i18n.text("en", problem)))
    library = _library(args)
    with _open(args, read_only=True) as store:
        review.session(store, args.session_id)  # an unknown session: one line, before any progress bar
        bar = _Bar("report")
        try:
            if args.format == "pdf":
                made = report.make_pdf(store, library, args.session_id, lang, command_line_actor(), bar.update)
                data, pages = made.data, made.pages
            else:
                html = report.build_html(store, library, args.session_id, lang, command_line_actor(), bar.update)
                data, pages = html.encode("utf-8"), 0
        finally:
            bar.close()
    # Written next to the target and moved into place: a failed write leaves no half file.
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise _text_error("report.cli_cannot_write", path=target, reason=error.strerror or str(error)) from None
    written = ("report.cli_written_pdf", {"pages": pages}) if args.format == "pdf" else ("report.cli_written_html", {})
    _say(i18n.text("nl", written[0], path=target, size=_size(len(data), "nl"), **written[1]),
         i18n.text("en", written[0], path=target, size=_size(len(data), "en"), **written[1]))


# --- parser -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="koers", description="Koers: sturen op maatschappelijk effect — indicator store")
    parser.add_argument("--db", help="database file (default: $KOERS_DB or data/koers.duckdb)")
    parser.add_argument("--lang", choices=["nl", "en"], help="language of messages (default: $KOERS_LANG or nl)")
    parser.add_argument("--wait", type=float, default=120.0, help="seconds to wait for a busy database (default 120)")
    parser.add_argument("--metrics-dir", help="folder of own KPI definitions (default: $KOERS_METRICS or metrics/custom)")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("init", help="create or upgrade the database and load the region registry").set_defaults(run=cmd_init)

    imp = commands.add_parser("import", help="import a source").add_subparsers(dest="kind", required=True)
    odata4 = imp.add_parser("cbs-odata4", help="CBS OData4: folder of recorded responses or table id")
    odata4.add_argument("source", metavar="DIR_OR_TABLE_ID")
    odata4.add_argument("--base-url", help="API base (default https://datasets.cbs.nl/odata/v1/CBS)")
    odata4.add_argument("--filter", help="OData $filter for the observations")
    odata3 = imp.add_parser("cbs-odata3", help="CBS OData v3: Parquet folder or table id")
    odata3.add_argument("source", metavar="PATH_OR_TABLE_ID")
    odata3.add_argument("--base-url", help="feed base (default https://opendata.cbs.nl/ODataFeed/odata)")
    odata3.add_argument("--period", help="period of a table without period dimension (default: year in its title)")
    odata3.add_argument("--levels", help="region levels to keep, e.g. NL,PV,GM (default: all, WK and BU too)")
    statline = imp.add_parser("statline-csv", help="CSV downloaded from StatLine")
    statline.add_argument("source", metavar="FILE")
    statline.add_argument("--table", help="CBS table id (default: from the file name)")
    own = imp.add_parser("file", help="own figures: CSV, XLSX or Parquet, long or wide")
    own.add_argument("source", metavar="FILE")
    own.add_argument("--source-name", dest="source_name", help="name under which the figures are stored (default: file name)")
    own.add_argument("--layout", choices=["auto", "long", "wide"])
    own.add_argument("--indicator-column")
    own.add_argument("--region-column")
    own.add_argument("--period-column")
    own.add_argument("--value-column")
    own.add_argument("--status-column")
    own.add_argument("--sheet")
    own.add_argument("--decimal", choices=["auto", "comma", "point"])
    own.add_argument("--delimiter")
    own.add_argument("--unit")
    for sub in (odata4, odata3, statline, own):
        sub.set_defaults(run=cmd_import)

    demo = commands.add_parser("demo", help="build the demo database from the shipped CBS data")
    demo.add_argument("--force", action="store_true", help="rebuild when the database exists")
    demo.set_defaults(run=cmd_demo)
    regions = commands.add_parser("regions", help="regions as CSV: code,name,province,valid_from,valid_to")
    regions.add_argument("--on", metavar="DATE", help="only regions that existed on DATE (YYYY-MM-DD)")
    regions.add_argument("--kinds", help="comma-separated kinds (default municipality; also province, country, district, …)")
    regions.set_defaults(run=cmd_regions)
    commands.add_parser("indicators", help="indicators as CSV").set_defaults(run=cmd_indicators)
    obs = commands.add_parser("observations", help="observations as CSV")
    obs.add_argument("--indicator")
    obs.add_argument("--region")
    obs.add_argument("--period")
    obs.add_argument("--all-sources", action="store_true", help="every source's value, not only the one shown")
    obs.set_defaults(run=cmd_observations)
    commands.add_parser("imports", help="the import log as CSV").set_defaults(run=cmd_imports)
    rejected = commands.add_parser("rejected", help="rejected rows as CSV")
    rejected.add_argument("import_id", nargs="?", type=int)
    rejected.set_defaults(run=cmd_rejected)
    metrics_parser = commands.add_parser("metrics", help="the KPI library").add_subparsers(dest="metrics_command", required=True)
    validate = metrics_parser.add_parser("validate", help="check the built-in and own KPI definitions")
    validate.add_argument("metrics", nargs="?", metavar="PATH", help="folder of own YAML definitions (default: $KOERS_METRICS or metrics/custom)")
    validate.set_defaults(run=cmd_metrics_validate)
    catalog = metrics_parser.add_parser("catalog", help="write the KPI catalogue (docs/metrics.md)")
    catalog.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "docs" / "metrics.md"))
    catalog.set_defaults(run=cmd_metrics_catalog)

    kpi = commands.add_parser("kpi", help="every KPI for one municipality and year")
    kpi.add_argument("--region", required=True, type=str.upper)
    kpi.add_argument("--year", required=True, type=int)
    kpi.add_argument("--theme", type=int, choices=[1, 2, 3])
    kpi.add_argument("--format", choices=["csv", "json"], default="csv")
    kpi.add_argument("--peers", choices=["size", "province", "urbanity", "custom", "nearest"], default="size",
                     help="peer group (default: same size class)")
    kpi.add_argument("--peers-list", help="comma-separated codes for --peers custom")
    kpi.add_argument("--harmonise", metavar="DATE", help="merger-harmonised series on the division of DATE")
    kpi.set_defaults(run=cmd_kpi)

    targets = commands.add_parser("targets", help="targets per KPI, region and year").add_subparsers(dest="targets_command", required=True)
    load_targets = targets.add_parser("import", help="load targets from CSV/XLSX: kpi_id, region_code, year, value[, tolerance, note]")
    load_targets.add_argument("file")
    load_targets.set_defaults(run=cmd_targets_import)
    list_targets = targets.add_parser("list", help="targets as CSV")
    list_targets.add_argument("--kpi")
    list_targets.add_argument("--region")
    list_targets.set_defaults(run=cmd_targets_list)

    report = commands.add_parser("report", help="a review session's report for the council, as PDF or HTML")
    report.add_argument("session_id", metavar="SESSION_ID", type=int)
    report.add_argument("--format", choices=["pdf", "html"], default="pdf")
    report.add_argument("--out", required=True, metavar="FILE", help="file to write")
    report.set_defaults(run=cmd_report)

    examples = commands.add_parser("examples", help="the demo's invented example data").add_subparsers(dest="examples_command", required=True)
    examples.add_parser("remove", help="remove every invented figure and target").set_defaults(run=cmd_examples_remove)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.lang:
        os.environ["KOERS_LANG"] = args.lang
    try:
        args.run(args)
    except KoersError as error:
        print(error.message(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _say("afgebroken; er is niets weggeschreven", "interrupted; nothing was written")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:  # noqa: BLE001 - the one place where anything unexpected is caught
        path = log_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            logging.basicConfig(filename=path, level=logging.ERROR, format="%(asctime)s %(levelname)s %(message)s")
            log.exception("unexpected error in %s", " ".join(sys.argv))
        except OSError:
            path = Path("(geen log / no log)")
        _say(f"onverwachte fout: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''} (details in {path})",
             f"unexpected error: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''} (details in {path})")
        return 1
    return 0
