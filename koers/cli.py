"""`python -m koers`: the command line, for people and for scripts.

Tables go to standard output as CSV; progress and messages go to standard error. A problem is one
line (Dutch by default, `--lang en` or `KOERS_LANG=en` for English) and a non-zero exit code:
2 for bad input or a busy database, 1 for anything unexpected (its traceback goes to the log).

The parser is built from `COMMANDS` (each command with its arguments, declared once) and, for
`koers import <source>`, from the data sources in `koers.sources.SOURCES`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from koers import arguments as types
from koers import exports, i18n, present
from koers.access import command_line_actor
from koers.errors import FileProblem, KoersError, language
from koers.i18n import Message
from koers.progress import TerminalBar
from koers.settings import database_path, log_path, metrics_folder, shared_database_url
from koers.sources.source import Argument
from koers.store import ImportBatch, ImportResult, Store, shown_url

log = logging.getLogger("koers")


def _say(key: str, **params: object) -> None:
    """A line for people on standard error, in the chosen language (`cli.*` in the catalogue)."""
    print(Message(key, **params).text(language()), file=sys.stderr)


def _waiting(path: str) -> None:
    _say("cli.waiting", path=path)


def _open(args: argparse.Namespace, read_only: bool = False):
    return Store.open(database_path(args.db), read_only=read_only, wait_seconds=args.wait, on_wait=_waiting)


def _write_csv(frame: pd.DataFrame) -> None:
    # Through koers.exports: a free text that a spreadsheet would run as a formula is quoted.
    exports.write_csv(frame, sys.stdout)


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".") if language() == "nl" else f"{n:,}"


# --- commands ---------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> None:
    from koers.sources.registry import read_regions_file
    from koers.settings import DATA

    with _open(args) as store:
        if store.counts()["region"] == 0:
            with store.transaction():
                store.upsert_regions(read_regions_file(DATA / "cbs" / "03759ned" / "codes-RegioS.json"), "CBS 03759ned",
                                     command_line_actor())
        _say("cli.init_done", path=store.path, version=store.schema_version(), regions=_number(store.counts()["region"]))


def _run_import(args: argparse.Namespace, kind: str, load: Callable[[Callable[[str, float], None]], ImportBatch]) -> None:
    bar = TerminalBar(kind)
    try:
        bar.update("lezen / reading", 0.0)
        try:
            batch = load(lambda step, f: bar.update(step, 0.3 * f))
        except FileProblem as problem:
            path = database_path(args.db)
            if path.exists():  # keep a trace of the failed attempt; nothing else is written
                with _open(args) as store:
                    store.log_failed_import(kind, problem.path, problem.en, command_line_actor())
            raise
        with _open(args) as store:
            result: ImportResult = store.commit_import(batch, lambda step, f: bar.update(step, 0.3 + 0.7 * f), actor=command_line_actor())
            _keep_evaluation(args, store, bar)
    finally:
        bar.close()
    _say("cli.import_done", import_id=result.import_id, read=_number(result.rows_read), loaded=_number(result.rows_loaded),
         new=_number(result.rows_new), revised=_number(result.rows_revised), unchanged=_number(result.rows_unchanged),
         rejected=_number(result.rows_rejected),
         see=Message("cli.see_rejected", import_id=result.import_id) if result.rows_rejected else "")


def cmd_import(args: argparse.Namespace) -> None:
    from koers.sources import source_named

    source = source_named(args.kind)
    if source.check:
        source.check(args)  # a bad option is one line, before any progress bar
    _run_import(args, source.name, lambda progress: source.load(args, progress))


def cmd_sync(args: argparse.Namespace) -> None:
    """Refresh the catalogue's CBS tables from the live APIs: one summary line per table (on
    standard error, as every message), exit 1 when a table failed."""
    from koers.sync import failed, sync_cbs

    overall, table = TerminalBar("sync", position=0), TerminalBar("tabel / table", position=1)
    current: list[str] = []

    def table_step(step: str, fraction: float) -> None:  # "<table>: <step>"; a new table starts at 0
        name = step.split(":", 1)[0]
        if current != [name]:
            current[:] = [name]
            table.bar.reset()
        table.update(step, fraction)

    try:
        outcomes = sync_cbs(lambda: _open(args), command_line_actor(), odata4_url=args.odata4_url,
                            odata3_url=args.odata3_url, progress=overall.update, table_progress=table_step)
        if any(o.state == "updated" for o in outcomes):
            with _open(args) as store:
                _keep_evaluation(args, store, overall)
    finally:
        table.close()
        overall.close()
    for outcome in sorted(outcomes, key=lambda o: o.table.lower()):
        print(outcome.message(_number).text(language()), file=sys.stderr)
    if failed(outcomes):
        synced = [o for o in outcomes if o.state != "skipped"]
        _say("cli.sync_failed_summary", failed=sum(o.state == "failed" for o in synced), tables=len(synced))
        raise SystemExit(1)


def cmd_demo(args: argparse.Namespace) -> None:
    from koers.demo.build import build_demo

    target = database_path(args.db)
    if target.exists() and not args.force:
        raise KoersError("errors.cli.demo_exists", target=target)
    bar = TerminalBar("demo")
    try:
        results = build_demo(target, progress=bar.update)
    finally:
        bar.close()
    rows = sum(r.rows_loaded for r in results)
    _say("cli.demo_built", path=target, imports=len(results), rows=_number(rows))


def cmd_publish(args: argparse.Namespace) -> None:
    from koers.store import snapshots

    target = database_path(args.db)
    folder = snapshots.folder_for(target)
    if folder is None:
        raise KoersError("errors.cli.no_snapshot_folder")
    before = snapshots.current(folder)
    with _open(args):  # the writer's lock: no import halfway; an older file is upgraded first
        pass
    if snapshots.current(folder) == before:  # (closing a changed file published it already)
        snapshots.publish(target, folder)
    _say("cli.published", version=snapshots.current(folder), folder=folder)


def cmd_regions(args: argparse.Namespace) -> None:
    with _open(args, read_only=True) as store:
        frame = store.regions(on=args.on, kinds=args.kinds or ("municipality",))
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
    frame["value"] = present.masked_column(frame["value"], hidden, threshold)  # withheld: empty, flagged
    frame["suppressed"] = hidden
    _write_csv(frame[["indicator_id", "region_code", "period", "value", "status", "source", "suppressed"]])


def cmd_imports(args: argparse.Namespace) -> None:
    with _open(args, read_only=True) as store:
        _write_csv(store.imports())


def cmd_rejected(args: argparse.Namespace) -> None:
    with _open(args, read_only=True) as store:
        frame = store.rejected(args.import_id)
    reason = "reason_en" if language() == "en" else "reason_nl"
    _write_csv(frame[["import_id", "record", "field", reason, "raw"]].rename(columns={reason: "reason"}))


def _library(args: argparse.Namespace, store: Store | None = None):
    """The KPI library (the built-in KPIs and the own ones: of the folder `--metrics` names, else
    this installation's), checked against the indicators of the store (`store` when the caller has
    it open)."""
    from koers.kpis import own
    from koers.kpis.library import load_library

    known: list[str] = []
    if store is not None:
        known = list(store.known_indicator_ids())
    elif database_path(args.db).exists():
        with _open(args, read_only=True) as store:
            known = list(store.known_indicator_ids())
    return load_library(own.at(getattr(args, "metrics", None) or args.metrics_dir), known)


def _keep_evaluation(args: argparse.Namespace, store: Store, bar: TerminalBar | None = None) -> None:
    """After figures were written: every KPI evaluated and kept in the file, so that a dashboard
    started afresh reads them (`koers.kpis.evaluate.keep`; a few seconds on national data)."""
    from koers.kpis.evaluate import keep

    if bar is not None:
        bar.update("KPI's berekenen / evaluating KPIs", 0.99)
    keep(store, _library(args, store))


def cmd_metrics_validate(args: argparse.Namespace) -> None:
    from koers.kpis import own

    library = _library(args)
    if own.at().shared and not (getattr(args, "metrics", None) or args.metrics_dir):
        # An advisor who wrote a file into the folder would otherwise wonder where it went.
        found, _ = own.Folder(metrics_folder()).definitions()
        if found:
            _say("cli.metrics_folder_unread", count=len(found), folder=metrics_folder())
    lang = language()
    for problem in library.problems:
        print(i18n.text(lang, f"cli.metric_{problem.severity}", problem=problem.text(lang)))
    errors = len(library.errors)
    _say("cli.metrics_checked", kpis=len(library.kpis), errors=errors, warnings=len(library.problems) - errors)
    if errors:
        raise SystemExit(2)


def cmd_metrics_catalog(args: argparse.Namespace) -> None:
    from koers.kpis.document import write_catalog

    library = _library(args)
    target = Path(args.out)
    write_catalog(library, target)
    _say("cli.catalog_written", path=target, kpis=len(library.kpis))


def cmd_kpi(args: argparse.Namespace) -> None:
    """On today's municipal division by default (history merger-harmonised, flagged `harmonised`);
    `--division historical` each year as the municipalities were; `--harmonise DATE` another date's."""
    from koers.kpis.assess import kpi_overview
    from koers.kpis.evaluate import division_date

    library = _library(args)
    on = args.harmonise or division_date(args.division)
    with _open(args, read_only=True) as store:
        region = store.region(args.region)
        if region is None:
            raise KoersError("errors.cli.unknown_region_code", region=args.region)
        ended = region.get("valid_to")
        if on is not None and ended is not None and not pd.isna(ended) and pd.Timestamp(ended) <= pd.Timestamp(on):
            successors = store.successors(args.region, on)
            raise KoersError("errors.cli.region_not_in_division", region=args.region, date=on.isoformat(),
                             successors=", ".join(successors["code"]) or "-")
        frame = kpi_overview(store, library, args.region, args.year, args.theme, args.peers, args.peers_list, on)
    frame["status"] = [present.status_word(s, language(), example_target=e) for s, e in zip(frame["status"], frame["example_target"])]
    frame["unit"] = [present.unit_of(row, language()) for row in frame[["unit", "unit_en"]].to_dict("records")]
    columns = ["kpi_id", "theme", "kind", "value", "unit", "target", "status", "trend", "peer_median", "percentile", "expected",
               "expected_error"]
    flags = ["provisional", "harmonised", "example_value", "example_target", "example_inputs", "suppressed"]
    # A value resting on a count below the KPI's privacy threshold n is withheld: in the CSV an
    # empty value with `suppressed` True; in JSON value null and "shown" the words of
    # `present.marker` ("withheld (count fewer than 10)").
    thresholds = frame["kpi_id"].map(lambda k: library.kpis[k].privacy_threshold)
    shown = frame["value"].map(lambda v: "" if v is None or pd.isna(v) else f"{v:.6g}")
    words = present.masked_column(shown, frame["suppressed"], thresholds, language())
    shown = present.masked_column(shown, frame["suppressed"], thresholds)
    if args.format == "json":
        print(frame[columns + flags + ["projected", "will_reach", "sources", "peer_group", "fill_from"]].assign(shown=words).to_json(
            orient="records", force_ascii=False, indent=1))
    else:
        # A KPI without data says where its data would come from.
        frame["fill_from"] = frame["fill_from"].where(frame["value"].isna() & ~frame["suppressed"], "")
        out = frame[columns + flags + ["fill_from"]].copy()
        for column in ("target", "peer_median", "percentile", "expected", "expected_error"):
            out[column] = out[column].map(lambda v: "" if v is None or pd.isna(v) else f"{v:.6g}")
        out["value"] = shown
        _write_csv(out)


def cmd_targets_import(args: argparse.Namespace) -> None:
    """Targets from a file, checked as an import is: any rejected row and none is loaded (exit 2,
    the reasons kept for `koers rejected <id>`)."""
    from koers.kpis.targets import check_targets, read_targets

    rows = read_targets(Path(args.file))
    library = _library(args)  # the KPIs a target may be for: built-in and own
    with _open(args) as store:
        checked = check_targets(rows, library.kpis, store.regions(kinds=types.REGION_KINDS))
        if checked.rows_rejected:
            import_id = store.log_refused_targets(str(args.file), checked.rows_read, checked.rejected,
                                                  actor=command_line_actor())
            raise KoersError("errors.targets.refused", file=args.file, rejected=checked.rows_rejected,
                             read=checked.rows_read, import_id=import_id)
        written = store.upsert_targets(checked.targets, source=f"bestand {Path(args.file).name}", actor=command_line_actor())
    _say("cli.targets_loaded", targets=written, file=args.file)


def cmd_targets_list(args: argparse.Namespace) -> None:
    with _open(args, read_only=True) as store:
        _write_csv(store.targets(args.kpi, args.region))


def cmd_examples_remove(args: argparse.Namespace) -> None:
    with _open(args) as store:
        removed = store.remove_examples(command_line_actor())
        _keep_evaluation(args, store)
    _say("cli.examples_removed", **removed)


def cmd_shared_copy(args: argparse.Namespace) -> None:
    from koers.kpis.own import Folder
    from koers.roles import SHARED_DOCUMENT, roles_path

    roles_file = roles_path()
    documents = {SHARED_DOCUMENT: roles_file.read_text(encoding="utf-8")} if roles_file.is_file() else {}
    definitions, removed = Folder(metrics_folder(args.metrics_dir)).history()
    with _open(args, read_only=True) as store:
        copied = store.copy_into_shared(command_line_actor(), documents, definitions)
    if removed:
        _say("cli.definitions_left_behind", ids=", ".join(removed), folder=metrics_folder(args.metrics_dir))
    _say("cli.shared_copied", rows=_number(sum(copied.values())), tables=", ".join(
        f"{table} {_number(n)}" for table, n in copied.items() if n) or "-", url=shown_url(shared_database_url() or ""))


def _size(n: int, lang: str) -> str:
    if n >= 1_000_000:
        return f"{present.number(n / 1_000_000, lang, 1)} MB"
    return f"{present.number(max(1, round(n / 1000)), lang, 0)} kB"


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
        raise KoersError("report.cli_no_database", path=db)
    target = Path(args.out)
    problem = _unwritable(target)  # refused before the slow part, not after it
    if problem:
        raise KoersError("report.cli_cannot_write", path=target, reason=Message(problem))
    library = _library(args)
    with _open(args, read_only=True) as store:
        review.session(store, args.session_id)  # an unknown session: one line, before any progress bar
        bar = TerminalBar("report")
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
        raise KoersError("report.cli_cannot_write", path=target, reason=error.strerror or str(error)) from None
    written = ("report.cli_written_pdf", {"pages": pages}) if args.format == "pdf" else ("report.cli_written_html", {})
    _say(written[0], path=target, size=_size(len(data), lang), **written[1])


# --- parser -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """One command: `name` is "regions", or a group's subcommand ("targets import"). A group has
    no `run`; its chosen subcommand lands in `args.<dest>` (default `<name>_command`)."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], None] | None = None
    arguments: tuple[Argument, ...] = ()
    dest: str | None = None


# In the order `koers --help` lists them. `import` has one subcommand per data source (SOURCES).
COMMANDS: tuple[Command, ...] = (
    Command("init", "create or upgrade the database and load the region registry", cmd_init),
    Command("import", "import a source", dest="kind"),
    Command("sync", "refresh the catalogue's CBS tables from the CBS APIs, when CBS changed them", cmd_sync, (
        Argument("--odata4-url", type=types.text, help="OData4 base (default $KOERS_CBS_ODATA4_URL or https://datasets.cbs.nl/odata/v1/CBS)"),
        Argument("--odata3-url", type=types.text, help="OData v3 base (default $KOERS_CBS_ODATA3_URL or https://opendata.cbs.nl/ODataFeed/odata)"))),
    Command("demo", "build the demo database from the shipped CBS data", cmd_demo, (
        Argument("--force", action="store_true", help="rebuild when the database exists"),)),
    Command("regions", "regions as CSV: code,name,province,valid_from,valid_to", cmd_regions, (
        Argument("--on", metavar="DATE", type=types.date, help="only regions that existed on DATE (YYYY-MM-DD)"),
        Argument("--kinds", type=types.region_kinds,
                 help="comma-separated kinds (default municipality; also province, country, district, …)"))),
    Command("indicators", "indicators as CSV", cmd_indicators),
    Command("observations", "observations as CSV", cmd_observations, (
        Argument("--indicator", type=types.identifier), Argument("--region", type=types.region_code),
        Argument("--period", type=types.period, help="2024, 2024-Q1 or 2024-01"),
        Argument("--all-sources", action="store_true", help="every source's value, not only the one shown"))),
    Command("imports", "the import log as CSV", cmd_imports),
    Command("rejected", "rejected rows as CSV", cmd_rejected, (Argument("import_id", nargs="?", type=types.record_id),)),
    Command("metrics", "the KPI library"),
    Command("metrics validate", "check the built-in and own KPI definitions", cmd_metrics_validate, (
        Argument("metrics", nargs="?", metavar="PATH", type=types.existing_folder,
                 help="folder of own YAML definitions (default: $KOERS_METRICS or metrics/custom)"),)),
    Command("metrics catalog", "write the KPI catalogue (docs/metrics.md)", cmd_metrics_catalog, (
        Argument("--out", type=types.path, default=str(Path(__file__).resolve().parents[1] / "docs" / "metrics.md")),)),
    Command("kpi", "every KPI for one municipality and year", cmd_kpi, (
        Argument("--region", required=True, type=types.region_code),
        Argument("--year", required=True, type=types.year),
        Argument("--theme", type=types.theme, help="1, 2 or 3"),
        Argument("--format", choices=("csv", "json"), default="csv"),
        Argument("--peers", choices=present.PEER_KINDS, default="size",
                 help="peer group (default: same size class)"),
        Argument("--peers-list", type=types.region_codes, help="comma-separated codes for --peers custom"),
        Argument("--division", choices=("today", "historical"), default="today",
                 help="municipal division: today's, history merger-harmonised (default), or historical"),
        Argument("--harmonise", metavar="DATE", type=types.date, help="merger-harmonised series on the division of DATE"))),
    Command("targets", "targets per KPI, region and year"),
    Command("targets import", "load targets from CSV/XLSX: kpi_id, region_code, year, value[, tolerance, note]",
            cmd_targets_import, (Argument("file", type=types.existing_file),)),
    Command("targets list", "targets as CSV", cmd_targets_list, (
        Argument("--kpi", type=types.identifier), Argument("--region", type=types.region_code))),
    Command("report", "a review session's report for the council, as PDF or HTML", cmd_report, (
        Argument("session_id", metavar="SESSION_ID", type=types.record_id),
        Argument("--format", choices=("pdf", "html"), default="pdf"),
        Argument("--out", required=True, metavar="FILE", type=types.path, help="file to write"))),
    Command("examples", "the demo's invented example data"),
    Command("examples remove", "remove every invented figure and target", cmd_examples_remove),
    Command("publish", "publish the database file as the newest version readers open ($KOERS_SNAPSHOTS)", cmd_publish),
    Command("shared", "what people write, shared by several dashboards on PostgreSQL ($KOERS_DATABASE_URL)"),
    Command("shared copy", "copy targets, annotations, actions, reviews, governance and the audit trail from the "
            "database file, the roles file and the own KPI definitions with their versions (--metrics-dir) "
            "into the empty shared database", cmd_shared_copy),
)


def _import_commands() -> tuple[Command, ...]:
    """`import <name>` for every data source, in `koers.sources.SOURCES`' order."""
    from koers.sources import SOURCES

    return tuple(Command(f"import {source.name}", source.help, cmd_import, source.arguments) for source in SOURCES)


def build_parser() -> argparse.ArgumentParser:
    parser = types.Parser(prog="koers", description="Koers: sturen op maatschappelijk effect — indicator store")
    parser.add_argument("--db", type=types.path, help="database file (default: $KOERS_DB or data/koers.duckdb)")
    parser.add_argument("--lang", choices=["nl", "en"], help="language of messages (default: $KOERS_LANG or nl)")
    parser.add_argument("--wait", type=types.seconds, default=120.0, help="seconds to wait for a busy database (default 120)")
    parser.add_argument("--metrics-dir", type=types.existing_folder,
                        help="folder of own KPI definitions (default: $KOERS_METRICS or metrics/custom)")
    # Each group's subparsers by the group's name; "" is the top level.
    groups = {"": parser.add_subparsers(dest="command", required=True)}
    for command in COMMANDS + _import_commands():
        group, _, name = command.name.rpartition(" ")
        sub = groups[group].add_parser(name, help=command.help)
        for argument in command.arguments:
            types.typed(argument).add_to(sub)  # a data source's option without a type is checked as text
        if command.run is None:
            groups[command.name] = sub.add_subparsers(dest=command.dest or f"{name}_command", required=True)
        else:
            sub.set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    lang = types.chosen_language(argv)  # before parsing: a bad argument is told in the language asked for
    if lang:
        os.environ["KOERS_LANG"] = lang
    try:
        args = build_parser().parse_args(argv)
    except KoersError as error:
        print(error.message(), file=sys.stderr)
        return 2
    if args.lang:  # also when written short (`--la en`), which the look-ahead above does not read
        os.environ["KOERS_LANG"] = args.lang
    try:
        args.run(args)
    except KoersError as error:
        print(error.message(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _say("cli.interrupted")
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
        _say("cli.unexpected_error", error_type=type(error).__name__,
             detail=str(error).splitlines()[0] if str(error) else "", log=path)
        return 1
    return 0
