"""A negative value is a value, never "< 0": through the command line's `observations` and the
Data page's outliers, on a small store (the registry and population of 03759ned, plus own
figures). The small-number rule itself is `koers.present` (tests/test_present.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from conftest import CBS, ROOT, run_cli
from koers.access import LOCAL
from koers.sources import cbs_odata4, uploads
from koers.store import Store

DATA_PAGE = ROOT / "pages" / "data.py"
# An own balance (no privacy threshold: it rests on no count) for twelve municipalities; Amsterdam
# far below the others, so it is an outlier. And a negative count of re-integration provisions,
# which KPIs with a privacy threshold of 10 rest on.
MUNICIPALITIES = ["GM0014", "GM0034", "GM0080", "GM0106", "GM0153", "GM0193", "GM0200", "GM0202", "GM0228",
                  "GM0268", "GM0344", "GM0599"]
OWN = ("indicator;gemeentecode;jaar;waarde\n"
       + "".join(f"saldo_eigen;{code};2024;{5 + i % 3},5\n" for i, code in enumerate(MUNICIPALITIES))
       + "saldo_eigen;GM0363;2024;-60,25\n"
       + "reintegration_provisions;GM0363;2024;-4\n")


@pytest.fixture
def small_db(tmp_path) -> Path:
    db = tmp_path / "koers.duckdb"
    with Store.open(db) as store:
        store.commit_import(cbs_odata4.load(str(CBS / "03759ned")), actor=LOCAL)
    prepared = uploads.prepare_upload("saldo.csv", OWN.encode("utf-8"), "own", fields={"unit": "euro"}, db=db)
    assert prepared.check.rows_loaded == 14, prepared.rejected
    uploads.commit_upload(prepared, lambda *_: None, db=db, actor=LOCAL)
    return db


@pytest.mark.slow  # a CLI run on a store built for it; the rule: tests/test_present.py
def test_observations_print_a_negative_value_as_it_is(small_db):
    done = run_cli("observations", "--region", "GM0363", db=small_db)
    assert done.returncode == 0, done.stderr
    rows = {row["indicator_id"]: row for row in csv.DictReader(io.StringIO(done.stdout))}
    assert rows["saldo_eigen"]["value"] == "-60.25" and rows["saldo_eigen"]["suppressed"] == "False"
    # A count below its privacy threshold is withheld (empty, flagged), a negative one too (as in the KPIs).
    assert rows["reintegration_provisions"]["value"] == "" and rows["reintegration_provisions"]["suppressed"] == "True"


@pytest.mark.slow  # a page run on a store built for it; the rule: tests/test_present.py
def test_the_data_pages_outliers_show_a_negative_value_as_it_is(app_on, small_db):
    at = app_on(small_db, DATA_PAGE)
    at.selectbox(key="data_outlier_indicator").set_value("saldo_eigen")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    outliers = next(d.value for d in at.dataframe if "Robuuste z-score" in d.value.columns).set_index("Gemeente")
    assert outliers.at["Amsterdam (GM0363)", "Waarde"] == "-60,2 euro"  # one decimal from 10 up, as everywhere on screen
    assert outliers.at["Amsterdam (GM0363)", "Richting"] == "onder de mediaan"
    assert not outliers["Waarde"].str.startswith("<").any()
