"""Peers and expected values rest on real figures only; nearest peers on standardised context; the
expected value only where it predicts better than the peer median; invented figures flagged apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from koers import present
from koers.access import LOCAL
from koers.kpis.assess import (all_peer_groups, expected_values, kpi_overview, nearest_dimensions, peer_group)
from koers.kpis.evaluate import evaluate
from koers.kpis.library import load_library
from koers.settings import metrics_folder
from koers.store import EXAMPLE_TITLE, Store

BIG_FOUR = {"GM0363": "Amsterdam", "GM0599": "Rotterdam", "GM0518": "'s-Gravenhage", "GM0344": "Utrecht"}
NOT_LIKE_AMSTERDAM = {"GM0096", "GM0233", "GM0302", "GM0327"}  # Vlieland, Ermelo, Nunspeet, Leusden


def _library(store: Store):
    return load_library(metrics_folder(None), list(store.known_indicator_ids()))


def test_nearest_peers_of_the_four_largest_cities(demo_shared, capsys):
    with Store.open(demo_shared, read_only=True) as store:
        profile = store.municipality_profile(2023)
        context = store.peer_context(2023)
    names = profile.set_index("region_code")["name"]
    groups = {code: peer_group(profile, code, "nearest", context=context) for code in BIG_FOUR}
    with capsys.disabled():
        for code, peers in groups.items():
            print(f"\n{names[code]} ({code}): " + ", ".join(f"{names[p]} ({p})" for p in peers))
    for code, peers in groups.items():
        assert len(peers) == 10
        assert set(BIG_FOUR) - {code} <= set(peers), code
    assert not NOT_LIKE_AMSTERDAM & set(groups["GM0363"])
    # The dimensions: log size (counted double), log density, income (KWB) and the two age shares.
    dimensions = nearest_dimensions(context)
    assert list(dimensions.columns) == ["size", "density", "income", "share_65_plus", "share_0_14"]
    assert dimensions["size"].mean() == pytest.approx(0) and dimensions["size"].std(ddof=0) == pytest.approx(1)
    amsterdam = context.set_index("region_code").loc["GM0363"]
    # The latest published share up to 2023: KWB 2023 (kwb-pdok/gemeenten_2023.geojson, "65plus": 13,
    # whole percent) wins over 84799NED's 2020 count over the population (100 x 110959 / 872757 = 12.71).
    assert amsterdam["population_65_plus_share"] == 13


def test_nearest_skips_a_dimension_the_region_lacks():
    context = pd.DataFrame({
        "region_code": ["A", "B", "C", "D"],
        "population": [1000.0, 1100.0, 100000.0, 1000.0],
        "population_density": [100.0, 110.0, 5000.0, np.nan],
        "population_65_plus_share": [20.0, 30.0, 20.0, 20.0],
    })
    profile = context[["region_code"]].assign(name=context["region_code"], province_code="PV", urbanity=1.0)
    # D has no density: measured on size and age only, where A is identical.
    assert peer_group(profile, "D", "nearest", context=context, k=1) == ["A"]
    # A is measured on all three; D lacks one of them and is no candidate.
    assert peer_group(profile, "A", "nearest", context=context, k=3) == ["B", "C"]


def _loo_by_refitting(y: np.ndarray, x: np.ndarray) -> float:
    errors = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        beta = np.linalg.lstsq(np.column_stack([np.ones(keep.sum()), x[keep]]), y[keep], rcond=None)[0]
        errors.append(abs(y[i] - (beta[0] + beta[1] * x[i])))
    return float(np.mean(errors))


def _frame(values: dict[str, np.ndarray], codes: list[str]) -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"kpi_id": kpi, "region_code": codes, "period": "2020", "value": v, "example": False})
                      for kpi, v in values.items()], ignore_index=True)


def test_expected_value_errors_against_independent_numpy():
    rng = np.random.default_rng(7)
    codes = [f"GM{n:04d}" for n in range(1, 25)]
    ctx = rng.normal(50, 10, len(codes))
    fitted = 3 + 0.5 * ctx + rng.normal(0, 1, len(codes))  # the context explains it: the model wins
    noise = rng.normal(10, 3, len(codes))  # nothing to explain: the peer median does as well or better
    groups = {c: [p for p in codes if p != c and (int(p[2:]) % 2 == int(c[2:]) % 2)] for c in codes}  # odd / even
    result = expected_values(_frame({"ctx": ctx, "fitted": fitted, "noise": noise}, codes), "2020", ["ctx"], groups)
    by_kpi = result.groupby("kpi_id").first()

    def peer_error(y: np.ndarray) -> float:
        index = {c: n for n, c in enumerate(codes)}
        return float(np.mean([abs(y[index[c]] - np.median([y[index[p]] for p in groups[c]])) for c in codes]))

    for kpi, y in (("fitted", fitted), ("noise", noise)):
        assert by_kpi.loc[kpi, "model_error"] == pytest.approx(_loo_by_refitting(y, ctx))
        assert by_kpi.loc[kpi, "peer_error"] == pytest.approx(peer_error(y))
    assert by_kpi.loc["fitted", "better"] and by_kpi.loc["fitted", "model_error"] < 1.5
    assert not by_kpi.loc["noise", "better"]
    beta = np.polyfit(ctx, fitted, 1)
    mine = result[(result["kpi_id"] == "fitted") & (result["region_code"] == "GM0003")]["expected"].iloc[0]
    assert mine == pytest.approx(beta[1] + beta[0] * ctx[2])


def test_invented_values_never_enter_the_expected_value():
    codes = [f"GM{n:04d}" for n in range(1, 21)]
    ctx = np.arange(20, dtype=float)
    y = 2 * ctx + np.sin(ctx)
    real = _frame({"ctx": ctx, "y": y}, codes)
    invented = _frame({"fiction": np.cos(ctx) * 100}, codes).assign(example=True)
    partly = real.copy()
    partly.loc[(partly["kpi_id"] == "ctx") & (partly["region_code"] == "GM0001"), "example"] = True
    plain = expected_values(real[~((real["kpi_id"] == "ctx") & (real["region_code"] == "GM0001"))], "2020", ["ctx"])
    mixed = expected_values(pd.concat([partly, invented]), "2020", ["ctx", "fiction"])
    key = ["kpi_id", "region_code"]
    pd.testing.assert_frame_equal(plain.sort_values(key).reset_index(drop=True), mixed.sort_values(key).reset_index(drop=True))


def test_status_against_an_invented_target_is_marked():
    assert present.status_word("off_track", "nl", example_target=True) == "uit koers (voorbeelddoel)"
    assert present.status_word("off_track", "en", example_target=True) == "off track (example target)"
    assert present.status_word("no_target", "nl", example_target=True) == "geen doel"
    assert present.status_text("on_track", "en") == f"{present.STATUS_SYMBOL['on_track']} on track"
    assert present.expected_text(15.324, 2.06, "nl") == "verwacht 15,3 ± 2,1 (gemiddelde afwijking)"
    assert present.expected_text(15.324, 2.06, "en") == "expected 15.3 ± 2.1 (mean deviation)"
    assert present.expected_text(None, 2.0, "en") == ""


@pytest.mark.slow
def test_fiction_changes_neither_expected_nor_nearest_and_is_flagged_apart(demo_db):
    """Aa en Hunze (GM1680), 2020: bijstand per 1,000 is real; with and without the invented
    series the expected value, the nearest group and the errors are the same."""
    def read(store: Store):
        library = _library(store)
        results = evaluate(store, library)
        profile = store.municipality_profile(2020)
        context = store.peer_context(2020)
        contexts = [k for k, v in library.kpis.items() if v.kind == "context"]
        groups = all_peer_groups(profile, "GM1680", "nearest", context=context)
        expected = expected_values(results, "2020", contexts, groups)
        real = expected[expected["kpi_id"].isin(["bijstand_per_1000", "ww_per_1000", "ao_per_1000"])]
        return real.sort_values(["kpi_id", "region_code"]).reset_index(drop=True), groups

    with Store.open(demo_db) as store:
        library = _library(store)
        # A real value measured against an invented target (the demo's targets are for 2026 and 2028).
        store.upsert_targets(pd.DataFrame({"kpi_id": ["bijstand_per_1000"], "region_code": ["GM1680"], "year": [2020],
                                           "value": [10.0]}), source=EXAMPLE_TITLE, actor=LOCAL)
        overview = kpi_overview(store, library, "GM1680", 2020, peers_by="nearest").set_index("kpi_id")
        with_fiction, groups_with = read(store)
        store.remove_examples(LOCAL)
        without_fiction, groups_without = read(store)
    pd.testing.assert_frame_equal(with_fiction, without_fiction)
    assert groups_with == groups_without
    bijstand = with_fiction[(with_fiction["kpi_id"] == "bijstand_per_1000") & (with_fiction["region_code"] == "GM1680")]
    # 15.5939 since the demo's context is real (KWB, 70072ned) and size counts double in `nearest`
    # (15.2875 on 03759ned and 84799NED alone)
    assert bijstand["expected"].iloc[0] == pytest.approx(15.5939, abs=1e-3)
    row = overview.loc["bijstand_per_1000"]
    assert (row["example_value"], row["example_target"], row["example_inputs"], row["example"]) == (False, True, True, True)
    assert row["status"] == "off_track" and row["value"] == pytest.approx(14.934, abs=1e-3)
    invented = overview.loc["bijstand_per_10000"]  # rests on the invented 18-plus population
    assert invented["example_value"]
    # its series starts in 2020: too few years to project to the demo's 2026 target, which is named,
    # and marked as the invented example it is (not "no target": there is one)
    assert (invented["status"], invented["target"], invented["target_year"]) == ("too_few_years", 174.0, 2026)
    assert invented["example_target"] and pd.isna(invented["trend"])
    ww = overview.loc["ww_per_1000"]
    assert not (ww["example_value"] or ww["example_target"] or ww["example_inputs"] or ww["example"])
    # Shown only where the model beats the peer median, with its error.
    shown = overview[overview["expected"].notna()]
    assert shown["expected_error"].notna().all()


def _membership_batch(rows: list[tuple[str, int, str, str, str]], n: int = 1):
    """An import carrying only region memberships (region_code, year, division, group_code, group_name)."""
    import pyarrow as pa

    from koers.sources.common import empty_rejected
    from koers.store import MEMBERSHIP_SCHEMA, OBSERVATION_SCHEMA, ImportBatch

    table = pa.Table.from_pylist([dict(zip(MEMBERSHIP_SCHEMA.names, r)) for r in rows], schema=MEMBERSHIP_SCHEMA)
    return ImportBatch(kind="file", file=f"gebieden_{n}.csv", checksum=f"gebieden-{n}", source_table="gebieden",
                       source_title="Gebieden in Nederland", licence="", rows_read=len(rows),
                       observations=OBSERVATION_SCHEMA.empty_table(), rejected=empty_rejected(), memberships=table)


def test_peer_groups_by_labour_market_ggd_and_corop_region(registry_store):
    store = registry_store
    rows = [("GM0363", 2022, "AM", "AM01", "Groot Amsterdam"), ("GM0384", 2022, "AM", "AM01", "Groot Amsterdam"),
            ("GM0437", 2022, "AM", "AM01", "Groot Amsterdam"), ("GM0599", 2022, "AM", "AM02", "Rijnmond"),
            ("GM0363", 2022, "GG", "GG11", "GGD Amsterdam"), ("GM0362", 2022, "GG", "GG11", "GGD Amsterdam"),
            ("GM0363", 2022, "CR", "CR23", "Groot-Amsterdam"), ("GM0363", 2022, "PV", "PV27", "Noord-Holland"),
            ("GM0599", 2022, "PV", "PV28", "Zuid-Holland")]
    store.commit_import(_membership_batch(rows), actor=LOCAL)
    # The next import of the same (year, division) replaces it: Diemen joins, Oostzaan leaves.
    store.commit_import(_membership_batch([("GM0363", 2022, "AM", "AM01", "Groot Amsterdam"),
                                           ("GM0384", 2022, "AM", "AM01", "Groot Amsterdam"),
                                           ("GM0415", 2022, "AM", "AM01", "Groot Amsterdam")], 2), actor=LOCAL)
    assert store.group_members(2022, "AM", "AM01") == ["GM0363", "GM0384", "GM0415"]
    assert store.group_members(2024, "GG", "GG11") == ["GM0362", "GM0363"]  # nearest earlier year
    assert store.group_members(2019, "CR", "CR23") == ["GM0363"]  # none earlier: the nearest later
    memberships = store.memberships(2023)
    assert list(memberships.columns) == ["region_code", "division", "group_code", "group_name", "year"]
    profile = store.municipality_profile(2022)
    assert peer_group(profile, "GM0363", "labour_market", memberships=memberships) == ["GM0384", "GM0415"]
    assert peer_group(profile, "GM0363", "ggd", memberships=memberships) == ["GM0362"]
    assert peer_group(profile, "GM0363", "corop", memberships=memberships) == []
    assert peer_group(profile, "GM0363", "province", memberships=memberships) == []  # "PV" rows win over the registry
    assert peer_group(profile, "GM0363", "labour_market", memberships=None) == []
    groups = all_peer_groups(profile, "GM0363", "labour_market", memberships=memberships)
    assert groups["GM0415"] == ["GM0363", "GM0384"] and "GM0599" not in groups


@pytest.mark.slow
def test_the_dashboard_takes_an_own_peer_group_from_the_url(app_on, demo_shared):
    from conftest import ROOT

    at = app_on(demo_shared, ROOT / "pages" / "kpi.py", gemeente="GM0363", jaar="2023", groep="custom",
                eigen="GM0599,GM0518,GM9999", kpi="ww_per_1000")
    assert at.session_state["groep"] == "custom"
    assert at.session_state["eigen"] == ["GM0599", "GM0518"]
    chosen = at.sidebar.multiselect(key="eigen")
    assert chosen.value == ["GM0599", "GM0518"]  # an unknown code is dropped
    assert at.query_params["eigen"] == "GM0599,GM0518"
    captions = " ".join(c.value for c in at.caption)
    # the peer list under the comparison, every name (markdown-escaped: "\\'s\\-Gravenhage")
    assert "Vergelijkingsgroep (2): " + ", ".join(map(present.plain, ["'s-Gravenhage (gemeente)", "Rotterdam"])) + "." in captions
