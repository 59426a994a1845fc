"""`koers kpi` on today's municipal division by default, the historical one a switch away.

03759ned, population on 1 January 2021: Amsterdam (GM0363) 873 338, Weesp (GM0457) 20 445; Weesp
went into Amsterdam on 24-3-2022.
"""

from __future__ import annotations

import csv
import io

import pytest

from conftest import ROOT
from koers import cli

pytestmark = pytest.mark.slow  # each call evaluates the library with peers and trends (~10 s)

GOOD = ROOT / "tests" / "fixtures" / "kpis" / "good"


def _rows(capsys, demo_shared, *args: str) -> dict[str, dict]:
    code = cli.main(["--lang", "en", "--db", str(demo_shared), "--metrics-dir", str(GOOD), "kpi", *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return {row["kpi_id"]: row for row in csv.DictReader(io.StringIO(out.out))}


def test_today_is_the_default_and_weesp_is_counted_in(capsys, demo_shared):
    rows = _rows(capsys, demo_shared, "--region", "GM0363", "--year", "2021")
    assert rows["t_population"]["value"] == str(873338 + 20445)  # 893783
    assert rows["t_population"]["harmonised"] == "True"
    same = _rows(capsys, demo_shared, "--region", "GM0363", "--year", "2021", "--division", "today")
    assert same["t_population"]["value"] == "893783"


def test_historical_division_is_amsterdam_alone(capsys, demo_shared):
    rows = _rows(capsys, demo_shared, "--region", "GM0363", "--year", "2021", "--division", "historical")
    assert rows["t_population"]["value"] == "873338"
    assert rows["t_population"]["harmonised"] == "False"


def test_weesp_shows_in_historical_mode_and_is_pointed_to_amsterdam_today(capsys, demo_shared):
    rows = _rows(capsys, demo_shared, "--region", "GM0457", "--year", "2021", "--division", "historical")
    assert rows["t_population"]["value"] == "20445"
    code = cli.main(["--lang", "en", "--db", str(demo_shared), "--metrics-dir", str(GOOD), "kpi", "--region", "GM0457",
                     "--year", "2021"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("GM0457 is not a municipality on ") and "(it went into GM0363)" in err
    assert err.endswith("use --region GM0363 or --division historical")
