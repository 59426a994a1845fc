"""The store: schema versions, history of values, precedence of sources, all-or-nothing imports."""

from __future__ import annotations

import json
import shutil

import duckdb
import pyarrow as pa
import pytest

from conftest import CBS
from koers.access import LOCAL
from koers.errors import KoersError
from koers.sources import cbs_odata3, cbs_odata4
from koers.sources.periods import parse_period
from koers.store import SCHEMA_VERSION, Store, migrate


def _observation(path, indicator, region, period):
    frame = json.loads((path / "observations-page-1.json").read_text())["value"]
    measure = {"population": "M000352", "average_population": "M000365", "average_house_price": "M001534"}[indicator]
    code = period + "JJ00"
    return next(o for o in frame if o["Measure"] == measure and o["RegioS"] == region and o["Perioden"] == code)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2024JJ00", ("2024", False)), ("2024KW01", ("2024-Q1", False)), ("2024MM11", ("2024-11", False)),
     ("2023*", ("2023", True)), ("2024 2e kwartaal", ("2024-Q2", False)), ("2024 maart", ("2024-03", False)),
     ("2024-Q4", ("2024-Q4", False)), ("2024-13", None), ("2024KW05", None), ("twintig", None), ("", None)],
)
def test_parse_period(text, expected):
    assert parse_period(text) == expected


def test_values_equal_the_recorded_cbs_responses(registry_store):
    nl_2019 = _observation(CBS / "03759ned", "population", "NL01", "2019")["Value"]
    assert nl_2019 == 17282163
    frame = registry_store.observations(indicator="population", region="NL01", period="2019")
    assert frame["value"].tolist() == [nl_2019]
    # Weesp merged into Amsterdam on 24-03-2022: CBS's 2022 average population is half of 1 January.
    weesp = registry_store.observations(region="GM0457", period="2022").set_index("indicator_id")["value"]
    assert weesp["average_population"] == pytest.approx(weesp["population"] / 2, abs=1)


def test_missing_is_missing_never_zero(registry_store):
    # Appingedam (merged into Eemsdelta on 01-01-2021): CBS marks later years "Impossible".
    frame = registry_store.observations(indicator="population", region="GM0003")
    after = frame[frame["period"] >= "2021"]
    assert len(after) == 6 and after["value"].isna().all() and set(after["status"]) == {"impossible"}
    assert frame[frame["period"] == "2020"]["value"].iloc[0] > 0


def test_reimport_changes_nothing_and_a_changed_value_becomes_a_revision(registry_store, tmp_path):
    before = registry_store.counts()
    again = registry_store.commit_import(cbs_odata4.load(str(CBS / "03759ned")), actor=LOCAL)
    assert (again.rows_new, again.rows_revised, again.status) == (0, 0, "unchanged")
    after = registry_store.counts()
    assert {k: after[k] for k in after if k != "import_log"} == {k: before[k] for k in before if k != "import_log"}

    changed = tmp_path / "03759ned"
    shutil.copytree(CBS / "03759ned", changed)
    page = json.loads((changed / "observations-page-1.json").read_text())
    row = next(o for o in page["value"] if o["RegioS"] == "GM0363" and o["Perioden"] == "2020JJ00" and o["Measure"] == "M000352")
    original = row["Value"]
    row["Value"] = original + 100
    (changed / "observations-page-1.json").write_text(json.dumps(page))
    result = registry_store.commit_import(cbs_odata4.load(str(changed)), actor=LOCAL)
    assert (result.rows_new, result.rows_revised) == (0, 1)
    now = registry_store.observations(indicator="population", region="GM0363", period="2020")
    assert now["value"].tolist() == [original + 100] and now["import_id"].tolist() == [result.import_id]
    history = registry_store.revisions("population", "GM0363", "2020")
    assert history[["value", "import_id", "superseded_by"]].values.tolist() == [[original, 1, result.import_id]]


def test_same_quantity_from_two_tables_is_one_indicator_with_precedence(registry_store):
    registry_store.commit_import(cbs_odata3.load(str(CBS / "84799NED"), levels=("NL", "GM")), actor=LOCAL)
    every = registry_store.observations(indicator="population", region="GM1680", period="2020", all_sources=True)
    assert every["source"].tolist() == ["03759ned", "84799NED"]
    assert every["value"].tolist() == [25445, 25445]
    shown = registry_store.observations(indicator="population", region="GM1680", period="2020")
    assert shown["source"].tolist() == ["03759ned"]
    # Only 84799NED has 2020 population for NL as "NL00": it lands on NL01 with the rest.
    assert registry_store.observations(indicator="population", region="NL01", period="2020", all_sources=True)["source"].tolist() == ["03759ned", "84799NED"]
    sources = registry_store.indicators().set_index("id").loc["population", "sources"]
    assert sources == "03759ned:M000352 (1); 84799NED:AantalInwoners_5 (3)"


def test_import_is_all_or_nothing(registry_store):
    before = registry_store.counts()
    batch = cbs_odata4.load(str(CBS / "83625NED"))
    # Break the batch after registration has started: a status the schema does not allow as NULL.
    batch.observations = batch.observations.set_column(
        batch.observations.schema.get_field_index("status"), "status", pa.nulls(batch.observations.num_rows, pa.string())
    )
    with pytest.raises(duckdb.Error):
        registry_store.commit_import(batch, actor=LOCAL)
    assert registry_store.counts() == before
    assert "average_house_price" not in registry_store.known_indicator_ids()


def test_a_v3_database_is_upgraded_for_the_dashboard_with_its_targets_as_first_revisions(tmp_path):
    path = tmp_path / "v3.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, target=3)
    con.execute("""INSERT INTO target VALUES ('population_growth', 'GM0363', 2026, 1.2, 0.1, 'doelen.csv', 'coalitie',
                   TIMESTAMP '2025-01-06 10:00:00', 'griffie')""")
    con.close()
    with pytest.raises(KoersError, match="schemaversie 3"):  # a reader alone does not change the schema
        with Store.open(path, read_only=True):
            pass
    assert Store.upgrade(path) == 3
    assert Store.upgrade(path) is None  # already current
    with Store.open(path, read_only=True) as store:
        revisions = store.target_revisions("population_growth", "GM0363")
        assert revisions[["revision", "value", "reason", "revised_by"]].values.tolist() == [[1, 1.2, "coalitie", "griffie"]]
        assert store.targets("population_growth")[["version", "original", "revisions"]].values.tolist() == [[1, 1.2, 1]]


def test_old_schema_is_upgraded_in_place_and_newer_refused(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, target=1)
    con.execute("INSERT INTO region VALUES ('GM0363', 'Amsterdam', 'municipality', 'PV27', NULL, NULL, NULL, 'test')")
    con.close()
    with Store.open(path) as store:
        assert store.schema_version() == SCHEMA_VERSION == 7
        assert store.codes_for_name("Amsterdam") == ["GM0363"]  # region_name was filled from v1's regions
    con = duckdb.connect(str(path))
    con.execute("UPDATE koers_meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(KoersError) as refused:
        with Store.open(path):
            pass
    assert "99" in refused.value.en and "upgrade Koers" in refused.value.en and "\n" not in str(refused.value)


def test_a_transaction_commits_at_its_end_and_leaves_nothing_when_it_raises(registry_store):
    from koers.sources.registry import Region

    before = registry_store.counts()
    invented = [Region("GM9998", "Verzonnen", "municipality", "PV27", None, None)]
    with pytest.raises(RuntimeError), registry_store.transaction():
        registry_store.upsert_regions(invented, "test", LOCAL)
        assert registry_store.region("GM9998")["name"] == "Verzonnen"  # visible inside it
        raise RuntimeError("halfway")
    assert registry_store.region("GM9998") is None and registry_store.counts() == before
    with registry_store.transaction():
        registry_store.upsert_regions(invented, "test", LOCAL)
    assert registry_store.region("GM9998")["name"] == "Verzonnen"
    assert registry_store.codes_for_name("Verzonnen") == ["GM9998"]
