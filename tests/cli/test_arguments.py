"""Every bad command-line value is one line naming the argument, in the chosen language, exit 2.

The table holds a bad value for every argument of `koers` (and of the data sources' `import`
commands); each runs through the real `main()` in both languages. A few also run as a subprocess,
exactly as a user would type them.
"""

from __future__ import annotations

import pytest

from conftest import ROOT, run_cli
from koers import cli

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: makes "exe.txt" look like "txt.exe"
COMMAND = {"nl": "opdracht", "en": "command"}

# (arguments after `koers --lang <lang>`, the argument the line must name: text, or per language)
BAD: list[tuple[tuple[str, ...], str | dict[str, str]]] = [
    # the top level
    (("--db", "", "regions"), "--db"),
    (("--db", "koers\x1b[2J.duckdb", "regions"), "--db"),
    (("--db", f"koers{RLO}bdkcud.duckdb", "regions"), "--db"),
    (("--wait", "-5", "regions"), "--wait"),
    (("--wait", "nan", "regions"), "--wait"),
    (("--wait", "abc", "regions"), "--wait"),
    (("--wait", "1e9", "regions"), "--wait"),
    (("--metrics-dir", "/nonexistent/metrics", "indicators"), "--metrics-dir"),
    (("--metrics-dir", str(ROOT / "README.md"), "indicators"), "--metrics-dir"),
    ((), COMMAND),
    (("nosuch",), COMMAND),
    (("regions", "--bogus"), "'--bogus'"),
    (("demo", "--force", "extra"), "'extra'"),
    # regions
    (("regions", "--on", "2024-13-45"), "--on"),
    (("regions", "--on", "nope"), "--on"),
    (("regions", "--on", "1200-01-01"), "--on"),
    (("regions", "--on", "20240101"), "--on"),
    (("regions", "--on"), "--on"),
    (("regions", "--kinds", "municipality,planet"), "--kinds"),
    # observations
    (("observations", "--indicator", "Bad Id"), "--indicator"),
    (("observations", "--region", "XX"), "--region"),
    (("observations", "--region", "GM0363' OR '1'='1"), "--region"),
    (("observations", "--period", "2024-13"), "--period"),
    # rejected
    (("rejected", "-1"), "import_id"),
    (("rejected", "abc"), "import_id"),
    (("rejected", "99999999999"), "import_id"),
    # metrics
    (("metrics",), COMMAND),
    (("metrics", "frob"), COMMAND),
    (("metrics", "validate", "/nonexistent/metrics"), "PATH"),
    (("metrics", "catalog", "--out", "docs/\x07metrics.md"), "--out"),
    # kpi
    (("kpi", "--region", "GM0363", "--year", "99999999999"), "--year"),
    (("kpi", "--region", "GM0363", "--year", "abc"), "--year"),
    (("kpi", "--region", "GM0363", "--year", "2024.5"), "--year"),
    (("kpi", "--region", "GM0363", "--year", "1850"), "--year"),
    (("kpi", "--region", "GM0363", "--year", "9" * 400), "--year"),
    (("kpi", "--year", "2024"), "--region"),
    (("kpi", "--region", "GM0363"), "--year"),
    (("kpi", "--region", f"GM0363{RLO}", "--year", "2024"), "--region"),
    (("kpi", "--region", "GM0363", "--year", "2024", "--theme", "4"), "--theme"),
    (("kpi", "--region", "GM0363", "--year", "2024", "--format", "xml"), "--format"),
    (("kpi", "--region", "GM0363", "--year", "2024", "--peers", "galaxy"), "--peers"),
    (("kpi", "--region", "GM0363", "--year", "2024", "--peers", "custom", "--peers-list", "GM0363,,x"), "--peers-list"),
    (("kpi", "--region", "GM0363", "--year", "2024", "--harmonise", "nope"), "--harmonise"),
    (("kpi", "--region", "GM0363", "--year", "2024", "--harmonise", "2024-02-30"), "--harmonise"),
    (("kpi", "--region", "GM0363", "--year", "2024", "--pe", "size"), "--pe"),
    # targets
    (("targets",), COMMAND),
    (("targets", "import", "/nonexistent/doelen.csv"), "file"),
    (("targets", "import", str(ROOT / "docs")), "file"),
    (("targets", "list", "--kpi", "DROP TABLE target"), "--kpi"),
    (("targets", "list", "--region", f"{RLO}GM0363"), "--region"),
    # report
    (("report", "0", "--out", "r.pdf"), "SESSION_ID"),
    (("report", "x", "--out", "r.pdf"), "SESSION_ID"),
    (("report", "1", "--out", "r.docx", "--format", "docx"), "--format"),
    (("report", "1"), "--out"),
    (("report", "1", "--out", ""), "--out"),
    # examples
    (("examples",), COMMAND),
    (("examples", "remove", "--all"), "'--all'"),
    # import: the data sources' own arguments
    (("import",), COMMAND),
    (("import", "nosuch", "x"), COMMAND),
    (("import", "file"), "FILE"),
    (("import", "file", "x.csv", "--layout", "diagonal"), "--layout"),
    (("import", "file", "x.csv", "--decimal", "roman"), "--decimal"),
    (("import", "file", "x.csv", "--source-name", f"Gemeente{RLO}thcertU"), "--source-name"),
    (("import", "file", "x.csv", "--unit", "euro\r\nX-Injected: yes"), "--unit"),
    (("import", "file", "x.csv", "--sheet", ""), "--sheet"),
    (("import", "file", "x.csv", "--indicator-column", "a" * 600), "--indicator-column"),
    (("import", "cbs-odata4", "\x1b[2J03759ned"), "DIR_OR_TABLE_ID"),
    (("import", "cbs-odata4", "03759ned", "--base-url", "http://x\x00y"), "--base-url"),
    (("import", "cbs-odata4", "03759ned", "--filter", "RegioS eq 'GM0363'\u2066"), "--filter"),
    (("import", "cbs-odata3", "84799NED", "--levels", " "), "--levels"),
    (("import", "cbs-odata3", "84799NED", "--period", "\x08"), "--period"),
    (("import", "statline-csv", "f.csv", "--table", "a\nb"), "--table"),
    (("import", "statline-csv", "f\udcff.csv"), "FILE"),  # a file name whose bytes are no UTF-8
    (("import", "kiesraad", "TK2021\x1b[2J.csv"), "PATH"),
    (("import", "kwb-geojson", "gemeenten_2022\x1b[2J.geojson"), "PATH"),
    (("import", "cbs-gebieden", "gebieden\x1b[2J"), "PATH"),
    (("import", "wmo-jads", "df\x1b[2J.parquet.gzip"), "FILE"),
]


def _named(expected: str | dict[str, str], lang: str) -> str:
    return expected[lang] if isinstance(expected, dict) else expected


def test_the_table_covers_every_command_and_each_source():
    from koers.sources import SOURCES

    commands = {args[0] for args, _ in BAD if args and not args[0].startswith("--")}
    assert commands >= {"regions", "observations", "rejected", "metrics", "kpi", "targets", "report", "examples",
                        "import", "demo"}
    sources = {args[1] for args, _ in BAD if args[:1] == ("import",) and len(args) > 1}
    assert sources >= {source.name for source in SOURCES}
    assert len(BAD) == 77


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(("args", "named"), BAD, ids=[" ".join(a)[:50] or "(nothing)" for a, _ in BAD])
def test_a_bad_value_is_one_line_naming_the_argument_exit_2(args, named, lang, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("KOERS_LANG", "nl" if lang == "en" else "en")  # --lang wins over the environment
    code = cli.main(["--lang", lang, "--db", str(tmp_path / "nothing.duckdb"), *args])
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert (code, out, len(lines)) == (2, "", 1), err
    [line] = lines
    assert line.startswith("koers") and f": {_named(named, lang)}: " in line
    assert line.endswith(" --help)") and ("(zie koers" in line if lang == "nl" else "(see koers" in line)
    assert line.isprintable() and "Traceback" not in line


def test_the_language_of_the_environment_is_used_without_lang(capsys, monkeypatch):
    monkeypatch.setenv("KOERS_LANG", "en")
    assert cli.main(["kpi", "--region", "GM0363", "--year", "99999999999"]) == 2
    assert capsys.readouterr().err == (
        "koers kpi: --year: '99999999999' is not a year from 1900 to 2100 (see koers kpi --help)\n")
    monkeypatch.setenv("KOERS_LANG", "nl")
    assert cli.main(["kpi", "--region", "GM0363", "--year", "99999999999"]) == 2
    assert capsys.readouterr().err == (
        "koers kpi: --year: '99999999999' is geen jaar van 1900 tot en met 2100 (zie koers kpi --help)\n")


def test_a_refused_value_is_shown_escaped(capsys, monkeypatch):
    monkeypatch.setenv("KOERS_LANG", "en")
    assert cli.main(["regions", "--on", f"2024{RLO}-01-01"]) == 2
    assert capsys.readouterr().err == ("koers regions: --on: contains a control or text-direction character "
                                       "(at position 5); type the value again by hand (see koers regions --help)\n")
    assert cli.main(["--lang", f"e{RLO}n", "regions"]) == 2
    assert capsys.readouterr().err == "koers: --lang: 'e\\u202en' is not one of 'nl', 'en' (see koers --help)\n"
    assert cli.main(["import", f"file{RLO}", "x.csv"]) == 2
    assert capsys.readouterr().err.startswith("koers import: command: 'file\\u202e' is not one of 'cbs-odata4', ")


@pytest.mark.parametrize(("args", "line"), [
    (("regions", "--on", "2024-13-45"),
     "koers regions: --on: '2024-13-45' is not a date (YYYY-MM-DD, such as 2024-01-01) (see koers regions --help)"),
    (("kpi", "--region", "GM0363", "--year", "2024", "--harmonise", "2024-02-30"),
     "koers kpi: --harmonise: '2024-02-30' is not a date (YYYY-MM-DD, such as 2024-01-01) (see koers kpi --help)"),
    (("kpi", "--region", "GM0363", "--year", "99999999999"),
     "koers kpi: --year: '99999999999' is not a year from 1900 to 2100 (see koers kpi --help)"),
])
def test_the_cases_that_were_unexpected_errors_are_one_line_in_a_real_process(args, line, demo_shared):
    done = run_cli(*args, db=demo_shared)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", line + "\n")


def test_good_values_still_work(demo_shared, capsys, monkeypatch):
    monkeypatch.setenv("KOERS_LANG", "en")
    assert cli.main(["--db", str(demo_shared), "--wait", "0,5", "regions", "--on", "2022-01-01",
                     "--kinds", "municipality, province"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 1 + 345 + 12 and "GM0457,Weesp,PV27,,2022-03-24" in rows
