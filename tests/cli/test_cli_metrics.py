"""The metric commands: validate, catalog, kpi, targets, examples."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import ROOT, run_cli

GOOD = ROOT / "tests" / "fixtures" / "kpis" / "good"
BAD = ROOT / "tests" / "fixtures" / "kpis" / "bad"


def test_validate_good_folder_exits_zero():
    done = run_cli("metrics", "validate", str(GOOD))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 errors" in done.stderr


def test_validate_reports_each_problem_with_its_location():
    """One line per problem: `file:line: kpi_id: field: message`; the line is that of the field in
    the YAML file, or of the KPI's block when the field is missing."""
    done = run_cli("metrics", "validate", str(BAD))
    assert done.returncode == 2
    lines = done.stdout.splitlines()
    broken, duplicate = str(BAD / "broken.yaml"), str(BAD / "duplicate.yaml")

    for expected in (
        f'ERROR {broken}:8: b_unknown: definition: unknown indicator or KPI "no_such_indicator"',
        f"ERROR {broken}:8: b_unknown: definition.scale: unit is % but scale is 1000",
        f"ERROR {broken}:17: b_cycle_a: definition: cycle: b_cycle_a -> b_cycle_b -> b_cycle_a",
        f"ERROR {duplicate}:4: b_output: theme: choose one of: 1, 2 or 3",
        f"ERROR {duplicate}:6: b_output: polarity: choose one of: 'higher_is_better', 'lower_is_better' or 'neither'",
        f"ERROR {duplicate}:1: b_output: definition.scale: required field",  # missing: the KPI's line
        f"ERROR {BAD / 'zz_duplicate_valid.yaml'}:1: b_output: id: duplicate id (also in {broken})",
    ):
        assert expected in lines, "\n".join(lines)
    assert any(line.startswith(f"ERROR {broken}:45: b_formula: definition.formula: unknown function") for line in lines)
    assert not any("definition.ratio" in line for line in lines)  # the field as written, not pydantic's union tag
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_kpi_for_a_municipality_and_year(demo_db):
    done = run_cli("--metrics-dir", str(GOOD), "kpi", "--region", "GM0363", "--year", "2020", "--division", "historical",
                   db=demo_db)
    assert done.returncode == 0, done.stderr
    rows = {r["kpi_id"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    assert list(next(csv.reader(io.StringIO(done.stdout)))) == [
        "kpi_id", "theme", "kind", "value", "unit", "target", "status", "trend", "peer_median", "percentile", "expected",
        "expected_error", "provisional", "harmonised", "example_value", "example_target", "example_inputs", "suppressed",
        "fill_from"]
    assert rows["t_population"]["value"] == "872757"
    assert rows["t_population"]["percentile"] == "100"
    assert rows["t_population"]["status"] == "no target"
    as_json = json.loads(run_cli("--metrics-dir", str(GOOD), "kpi", "--region", "GM0363", "--year", "2020",
                                 "--theme", "1", "--format", "json", db=demo_db).stdout)
    assert {r["theme"] for r in as_json} == {1}


@pytest.mark.slow
def test_targets_from_a_file_set_the_status(demo_db, tmp_path):
    targets = tmp_path / "doelen.csv"
    targets.write_text("kpi;regio;jaar;doel;marge\nt_bijstand_per_1000;GM0363;2020;44,0;2,5\n", encoding="utf-8")
    done = run_cli("--metrics-dir", str(GOOD), "targets", "import", str(targets), db=demo_db)
    assert done.returncode == 0, done.stderr
    rows = {r["kpi_id"]: r for r in csv.DictReader(io.StringIO(
        run_cli("--metrics-dir", str(GOOD), "kpi", "--region", "GM0363", "--year", "2020", db=demo_db).stdout))}
    # 45.58 per 1,000 against a target of 44.0 with a tolerance of 2.5, lower is better: at risk
    assert (rows["t_bijstand_per_1000"]["target"], rows["t_bijstand_per_1000"]["status"]) == ("44", "at risk")
    bad = tmp_path / "fout.csv"
    bad.write_text("kpi;regio;jaar;doel\nt_x;GM0363;twintig;4\n", encoding="utf-8")
    refused = run_cli("--metrics-dir", str(GOOD), "targets", "import", str(bad), db=demo_db)
    import_id = run_cli("imports", db=demo_db).stdout.splitlines()[-1].split(",")[0]
    assert refused.returncode == 2 and refused.stderr.strip().splitlines() == [
        f"{bad}: 1 of 1 rows rejected, so no target was loaded; see `koers rejected {import_id}`, correct the file and import it again"]
    reasons = [(r["record"], r["field"], r["reason"])
               for r in csv.DictReader(io.StringIO(run_cli("rejected", import_id, db=demo_db).stdout))]
    assert reasons == [("2", "kpi_id", 'unknown KPI "t_x"'), ("2", "year", 'year "twintig" is not a whole year from 1900 to 2100')]


def test_unknown_region_is_one_line(demo_db):
    done = run_cli("kpi", "--region", "GM9999", "--year", "2020", db=demo_db)
    assert done.returncode == 2 and done.stderr.strip() == "unknown region code GM9999"
