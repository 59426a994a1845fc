"""The Wijken page in AppTest on the demo database: Amsterdam's districts on the map, in the ranking
and in the table carry CBS's own figures (read from the shipped 85984NED and 84799NED files), a rate
has the municipality's and the country's value as reference lines, a small district's value is
withheld in words, and the change is shown for the district codes CBS kept."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from conftest import DATA, ROOT
from test_districts import KWB_2024, OWN_KPI  # CBS's 2024 district rows; an own KPI with a privacy threshold
from koers import present

PAGE = ROOT / "pages" / "wijken.py"


def kwb_2020() -> dict[str, dict]:
    table = pq.read_table(DATA / "cbs" / "84799NED" / "cbs.v3.84799NED_TypedDataSet.parquet",
                          columns=["WijkenEnBuurten", "AantalInwoners_5", "PersonenPerSoortUitkeringBijstand_83"])
    return {row["WijkenEnBuurten"].strip(): row for row in table.to_pylist()}


def array(value: object) -> list:
    """A plotly array from the figure's JSON: a list, or numbers packed as {"dtype", "bdata"}."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def figures(at: AppTest) -> list[dict]:
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def shown_table(at: AppTest) -> pd.DataFrame:
    """The page's own table of all districts (the one with a rank column)."""
    return next(d.value for d in at.dataframe if "Rang" in d.value.columns or "Rank" in d.value.columns)


@pytest.mark.slow
def test_amsterdams_districts_carry_cbs_figures(app_on, demo_shared):
    at = app_on(demo_shared, PAGE, gemeente="GM0363", jaar="2024", wmaat="population")
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == ["Wijken van Amsterdam"]
    assert [h.value for h in at.header] == ["Bevolking op 1 januari per wijk in 2024", "Ranglijst van de wijken (2024)",
                                            "Alle wijken (2024)", "Verandering per wijk"]
    expected = {code: row["AantalInwoners_5"] for code, row in KWB_2024.items() if code.startswith("WK0363")}
    assert len(expected) == 110

    # the map: every district of 2024 (with "Groot water" grey), the values CBS published, no tiles
    map_figure = next(f for f in figures(at) if f["data"][0]["type"] == "choroplethmap")
    assert map_figure["layout"]["map"]["style"] == "white-bg"
    grey, valued = map_figure["data"]
    assert array(grey["locations"]) == ["WK036399"]
    assert dict(zip(array(valued["locations"]), array(valued["z"]))) == expected

    # the ranking: largest first; a count gets no reference lines (a total is no yardstick), but its totals in words
    bars = next(f for f in figures(at) if f["data"][0]["type"] == "bar")
    assert array(bars["data"][0]["x"]) == sorted(expected.values(), reverse=True)
    assert not bars["layout"].get("shapes")
    assert any("Amsterdam: 931.298" in c.value and "Nederland: 17.942.942" in c.value for c in at.caption)

    # the table: every district, CBS's figure in Dutch notation
    rows = shown_table(at).set_index("code")
    assert len(rows) == 110
    assert {code: rows.at[code, "Waarde"] for code in expected} == {code: present.number(v, "nl") for code, v in expected.items()}
    assert rows.at["WK0363AA", "Wijk"] == "Haarlemmerbuurt" and rows.at["WK0363AA", "Waarde"] == "9.180"
    assert rows.at["WK0363MA", "Rang"] == 1  # Oostelijk Havengebied, 20,555 residents

    # Amsterdam renumbered its districts between 2020 and 2024: no change by district, and why
    assert any("Geen enkele wijkcode komt in 2020 en 2024 allebei voor" in i.value for i in at.info)
    assert at.query_params["wmaat"] in ("population", ["population"])


@pytest.mark.slow
def test_a_rate_has_municipal_and_national_reference_lines(app_on, demo_shared):
    at = app_on(demo_shared, PAGE, gemeente="GM0363", jaar="2024", wmaat="bijstand_per_1000")
    assert not at.error, [e.value for e in at.error]
    # only 2020 has district figures of social assistance, and no district boundaries: said so
    assert any(i.value.startswith("Voor 2024 zijn er geen wijkcijfers van deze maat; getoond wordt 2020") for i in at.info)
    assert any(i.value.startswith("Geen kaart: de database heeft geen wijkgrenzen van 2020") for i in at.info)
    bars = next(f for f in figures(at) if f["data"][0]["type"] == "bar")
    lines = [shape["x0"] for shape in bars["layout"]["shapes"]]
    # Amsterdam 39,780 of 872,757 residents, the Netherlands 421,110 of 17,407,585 (84799NED, 2020)
    assert len(lines) == 2
    assert math.isclose(lines[0], 39780 / 872757 * 1000) and math.isclose(lines[1], 421110 / 17407585 * 1000)
    assert [a["text"] for a in bars["layout"]["annotations"]] == ["Amsterdam: 45,6", "Nederland: 24,2"]
    raw = kwb_2020()
    rows = shown_table(at).set_index("code")
    assert rows.at["WK036300", "Waarde"] == present.number(140 / 4465 * 1000, "nl") + " (voorlopig)"
    assert raw["WK036300"]["PersonenPerSoortUitkeringBijstand_83"] == 140 and raw["WK036300"]["AantalInwoners_5"] == 4465
    # lower is better: the lowest first
    values = array(bars["data"][0]["x"])
    assert values == sorted(values)


@pytest.mark.slow
def test_a_small_district_is_withheld(app_on, demo_shared, monkeypatch, tmp_path):
    folder = tmp_path / "own_metrics"
    folder.mkdir()
    (folder / "own.yaml").write_text(OWN_KPI, encoding="utf-8")
    monkeypatch.setenv("KOERS_METRICS", str(folder))
    at = app_on(demo_shared, PAGE, gemeente="GM0363", jaar="2020", wmaat="own_bijstand_small")
    assert not at.error, [e.value for e in at.error]
    assert kwb_2020()["WK036359"]["PersonenPerSoortUitkeringBijstand_83"] == 0  # below the threshold 10
    rows = shown_table(at).set_index("code")
    assert rows.at["WK036359", "Waarde"] == "afgeschermd (aantal minder dan 10)"
    assert pd.isna(rows.at["WK036359", "Rang"])
    bars = next(f for f in figures(at) if f["data"][0]["type"] == "bar")
    assert "Prinses Irenebuurt e.o." not in array(bars["data"][0]["y"])
    assert "Burgwallen-Oude Zijde" in array(bars["data"][0]["y"])
    assert any("ter bescherming van de privacy niet getoond" in c.value for c in at.caption)


@pytest.mark.slow
def test_change_for_kept_district_codes_in_english(app_on, demo_shared):
    at = app_on(demo_shared, PAGE, gemeente="GM0855", jaar="2024", wmaat="population", taal="en")
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == ["Districts of Tilburg"]
    change = next(d.value for d in at.dataframe if "Change" in d.value.columns).set_index("code")
    assert len(change) == 58
    assert change.loc["WK085510"].tolist() == ["Binnenstad", "6,905", "8,065", "1,160", "aantal"]
    assert kwb_2020()["WK085510"]["AantalInwoners_5"] == 6905 and KWB_2024["WK085510"]["AantalInwoners_5"] == 8065
    assert any("**58** district codes occur in both years" in m.value for m in at.markdown)


@pytest.mark.slow
def test_an_unknown_measure_in_the_link_is_named_with_what_is_shown_instead(app_on, demo_shared):
    at = app_on(demo_shared, PAGE, gemeente="GM0363", jaar="2024", wmaat="geen_maat")
    assert not at.error, [e.value for e in at.error]
    # the first measure with district figures in 2024 is shown, by its title, not its code
    shown = "Woningbalans (woningen per 1.000 huishoudens) (KPI)"
    assert [w.value for w in at.warning] == [f"Onbekende wijkmaat in de link: geen_maat — {shown} getoond"]
    assert at.selectbox(key="wmaat").value == "dwellings_per_1000_households"
