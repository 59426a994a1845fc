"""Council review reports: PDF (read back with pdftotext) and self-contained HTML, made from a
session's frozen snapshot on the demo database.

The session used here holds nine KPIs of Amsterdam 2024 (a full session has ~60 and takes longer
to draw): real CBS figures, invented example series, one KPI without data, one revised target and
one value suppressed for privacy. Reports are made once per module and read by several tests."""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from koers import present
from koers.loop import learning, report, review
from koers.access import LOCAL, AccessDenied, Actor, Role
from koers.errors import KoersError
from koers.sources import own_file
from koers.kpis.library import load_library
from koers.store import Store

pytestmark = pytest.mark.slow  # rendering PDFs with weasyprint and charts with kaleido in Chromium

ADVISOR = Actor("a.de.vries@gemeente.nl", "Anna de Vries", Role.advisor)
COUNCIL = Actor("c.claes@raad.nl", "Cees Claes", Role.council)
VIEWER = Actor("v.jansen@gemeente.nl", "Vera Jansen", Role.viewer)
ADMIN = Actor("beheer@gemeente.nl", "Beheer", Role.admin)

KPIS = ["housing_costs_multi_person", "new_dwellings_per_1000", "population_growth", "average_sale_price",
        "youth_unemployment", "early_school_leavers_share", "trust_in_council", "residual_waste_per_inhabitant",
        "voter_turnout"]
SUPPRESSED = "youth_unemployment"  # privacy threshold 10
REVISED = "trust_in_council"  # 2026 target 44,4 revised to 42
CBS_LICENCE = "CC BY 4.0 (Bron: CBS)"
GOVERNANCE_LICENCE = "alleen intern gebruik"
FINDING = "De woonlasten stijgen sneller dan de inflatie."
DECISION = "Besluit: een versnellingsteam woningbouw instellen."
EXPECTED = "Meer nieuwbouw door het versnellingsteam."
GENERAL = "Besluit: elk voorjaar een review met de raad."
ANNOTATION = "Piek door oplevering van grote projecten in Noord."
ACTION = "Versnellingsteam woningbouw"


def make_session(store: Store, library, kpis: list[str] = KPIS, title: str = "Voorjaarsreview 2025",
                 region: str = "GM0363", suppress: str | None = SUPPRESSED, previous_id: int | None = None) -> int:
    """A session holding only `kpis` of the real snapshot; `suppress` names a KPI whose value is
    marked suppressed as evaluation would (value null) — its frozen series keeps the year's value,
    so the report's own guard is what keeps that point out of the chart."""
    frame = review.snapshot(store, library, region, 2024)
    frame = frame[frame["kpi_id"].isin(kpis)].reset_index(drop=True)
    if suppress:
        at = frame.index[frame["kpi_id"] == suppress][0]
        frame.loc[at, "value"] = None
        frame.loc[at, "suppressed"] = True
    return store.create_review({"region_code": region, "year": 2024, "reference_date": dt.date(2025, 4, 1),
                                "title": title, "stage": "check", "previous_id": previous_id}, frame, ADVISOR)


def pdf_text(data: bytes, tmp: Path, page: int | None = None) -> str:
    path = tmp / "report.pdf"
    path.write_bytes(data)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True).stdout


def flat(text: str) -> str:
    """Whitespace collapsed: a phrase broken over two lines still matches."""
    return re.sub(r"\s+", " ", text)


def html_text(document: str) -> str:
    """What a reader of the HTML sees: tags dropped, entities resolved, whitespace collapsed."""
    body = re.sub(r"<style>.*?</style>|<[^>]+>", " ", document, flags=re.S)
    return flat(html.unescape(body))


def charted(snapshot) -> int:
    """KPIs with at least one figure in their frozen series: each gets a chart."""
    return sum(any(isinstance(v, (int, float)) for v in json.loads(s).values()) for s in snapshot["series"])


def pdf_pages(data: bytes, tmp: Path) -> int:
    path = tmp / "count.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])


@pytest.fixture(scope="module")
def made(demo_template, tmp_path_factory):
    """A database copy with the session, its items, annotations, actions and a governance record,
    and the reports made from it (PDF and HTML in Dutch, HTML in English) as a council member."""
    folder = tmp_path_factory.mktemp("report")
    db = folder / "koers.duckdb"
    shutil.copy(demo_template, db)
    steps: list[tuple[str, float]] = []
    with Store.open(db) as store:
        library = load_library(None, store.known_indicator_ids())
        target = store.targets(REVISED, "GM0363").set_index("year").loc[2026]
        learning.revise_target(store, library, ADVISOR, REVISED, "GM0363", 2026, 42.0, float(target["tolerance"]),
                               "bijgesteld na de begroting", int(target["version"]))
        session_id = make_session(store, library)
        for values in (
            {"kind": "finding", "kpi_id": "housing_costs_multi_person", "text": FINDING},
            {"kind": "decision", "kpi_id": "new_dwellings_per_1000", "text": DECISION},
            {"kind": "expected_effect", "kpi_id": "new_dwellings_per_1000", "text": EXPECTED,
             "expected_value": 20.0, "expected_year": 2026},
            {"kind": "decision", "text": GENERAL},
        ):
            review.save_item(store, library, ADVISOR, {"session_id": session_id, **values})
        learning.save_annotation(store, library, ADVISOR, {"kpi_id": "new_dwellings_per_1000", "region_code": "GM0363",
                                                           "period": "2021", "kind": "explanation", "text": ANNOTATION})
        learning.save_action(store, library, ADVISOR, {"region_code": "GM0363", "title": ACTION, "owner": "Wethouder Wonen",
                                                       "due_date": dt.date(2030, 12, 31), "status": "in_progress",
                                                       "kpi_ids": ["new_dwellings_per_1000"]})
        store.save_record("governance", {"owner": "Team Onderzoek", "licence": GOVERNANCE_LICENCE,
                                         "legal_basis": "geen persoonsgegevens"}, ADMIN, key="voorbeelddata")
        snapshot = review.frozen(store, session_id)
        data_version = int(review.session(store, session_id)["data_version"])
        pdf = report.make_pdf(store, library, session_id, "nl", COUNCIL, lambda step, f: steps.append((step, f)))
        html = report.build_html(store, library, session_id, "nl", COUNCIL)
        html_en = report.build_html(store, library, session_id, "en", COUNCIL)
    return {"db": db, "library": library, "session_id": session_id, "snapshot": snapshot, "data_version": data_version, "pdf": pdf,
            "html": html, "html_en": html_en, "steps": steps, "folder": folder}


def test_the_pdf_holds_every_kpi_with_its_value_status_and_target(made, tmp_path):
    assert made["pdf"].data.startswith(b"%PDF")
    text = flat(pdf_text(made["pdf"].data, tmp_path))
    snapshot = made["snapshot"].set_index("kpi_id")
    assert sorted(snapshot.index) == sorted(KPIS)
    for kpi_id, row in snapshot.iterrows():
        assert flat(row["title_nl"]) in text, kpi_id
        status = {"on_track": "✔ op koers", "at_risk": "⚠ risico", "off_track": "✖ uit koers",
                  "too_few_years": "… te weinig jaren", "no_target": "– geen doel", "no_data": "? geen data"}[row["status"]]
        assert status in text, kpi_id  # icon and word, never colour alone
        if kpi_id != SUPPRESSED and row["value"] == row["value"]:
            # the snapshot's value in Dutch format, with its unit
            assert flat(present.with_unit(present.number(row['value'], 'nl'), row['unit'], 'nl')) in text, kpi_id
    # values as a reader checks them by hand
    assert "€ 1.381 per jaar" in text and "€ 617.647" in text and "14,5 per 1.000 woningen" in text
    # growth during 2024 as CBS labels it: Amsterdam 1-1-2025 over 1-1-2024 (03759ned), 0.35 %
    assert "0,35 % in het jaar" in text
    assert "geen cijfer" in text  # voter_turnout has no data
    # the revised target shows its original value
    assert "42,0 in 2026" not in text and "42 in 2026" in text and "herzien; oorspronkelijk 44,4" in text
    # peers: percentile, median and the number of peers
    row = snapshot.loc["housing_costs_multi_person"]
    assert (f"percentiel {present.number(row['percentile'], 'nl', 0)} · mediaan {present.number(row['peer_median'], 'nl')} · "
            f"{int(row['peers'])} vergelijkbare gemeenten") in text


def test_the_cover_names_the_session_and_counts_the_outcomes(made, tmp_path):
    cover = flat(pdf_text(made["pdf"].data, tmp_path, page=1))
    assert "Amsterdam" in cover and "Voorjaarsreview 2025" in cover
    assert "Peildatum 01-04-2025" in cover and "Jaar 2024" in cover and "Fase controleren" in cover
    assert "door Anna de Vries op" in cover
    assert f"Datastand import {made['data_version']} van " in cover
    outcomes = made["snapshot"][made["snapshot"]["kind"] == "outcome"]
    counts = outcomes["status"].value_counts()
    line = (f"Van de {len(outcomes)} outcome-KPI's: {counts.get('on_track', 0)} op koers, {counts.get('at_risk', 0)} risico, "
            f"{counts.get('off_track', 0)} uit koers.")
    assert line in cover
    assert counts.get("off_track", 0) >= 2  # housing costs and new dwellings are off track in the demo


def test_decisions_findings_annotations_and_actions_are_in_the_pdf(made, tmp_path):
    text = flat(pdf_text(made["pdf"].data, tmp_path))
    for phrase in (FINDING, DECISION, GENERAL, ANNOTATION, ACTION, "Wethouder Wonen", "uiterlijk 31-12-2030"):
        assert phrase in text, phrase
    assert f"{EXPECTED} (verwacht: 20 in 2026)" in text
    # a KPI's decision stands in that KPI's block, before the next KPI starts
    block = text[text.index("Nieuw gebouwde woningen"):]
    assert block.index(DECISION) < block.index(ACTION) < min(
        block.index(flat(t)) for t in made["snapshot"]["title_nl"] if t != "Nieuw gebouwde woningen" and flat(t) in block)


def test_a_suppressed_value_is_printed_as_below_its_threshold_and_not_drawn(made, tmp_path):
    text = flat(pdf_text(made["pdf"].data, tmp_path))
    assert "afgeschermd (aantal minder dan 10)" in text
    assert "onderdrukt: kleine aantallen (privacydrempel 10)" in text
    # The frozen series still holds 2,06 for 2024 (see make_session); neither text nor chart shows it.
    document = made["html"]
    block = document[document.index('id="kpi-youth_unemployment"'):]
    block = block[:block.index("</article>")]
    assert "2,06" not in block
    svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', block)[1]).decode()
    assert ">2024<" not in svg and "peiljaar 2024" not in svg  # no 2024 tick, no reference-year point
    assert ">2023<" in svg  # the other years are drawn
    other = document[document.index('id="kpi-early_school_leavers_share"'):]
    other_svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', other)[1]).decode()
    assert ">2024<" in other_svg and "peiljaar 2024" in other_svg


def test_every_pdf_page_cites_the_sources_licences_and_data_version(made, tmp_path):
    pages = pdf_pages(made["pdf"].data, tmp_path)
    assert pages == made["pdf"].pages and pages >= 5  # cover, three themes, appendices
    for page in range(1, pages + 1):
        text = flat(pdf_text(made["pdf"].data, tmp_path, page=page))
        # 85984NED: KWB 2024, the dwellings under new dwellings per 1,000 in 2024
        assert "Bronnen: CBS 03759ned, CBS 83625NED, CBS 85984NED (CC BY 4.0 (Bron: CBS))" in text, page
        assert GOVERNANCE_LICENCE in text, page  # the governance record's licence of the example data
        assert re.search(rf"Datastand: import {made['data_version']} van \d\d-\d\d-\d{{4}}", text), page
        assert f"pagina {page} van {pages}" in text, page
    # theme pages also name the theme's sources in the header
    themed = [flat(pdf_text(made["pdf"].data, tmp_path, page=p)) for p in range(2, pages + 1)]
    assert any("Thema 1 — bronnen: CBS 03759ned, CBS 83625NED, CBS 85984NED, voorbeelddata (fictief)" in t for t in themed)


def test_each_kpi_block_cites_its_sources_and_data_date(made):
    document = made["html"]
    for row in made["snapshot"].itertuples():
        block = document[document.index(f'id="kpi-{row.kpi_id}"'):]
        block = block[:block.index("</article>")]
        source = re.search(r'<p class="kpi-source">Bron: (.*?)</p>', block, re.S)[1]
        if row.sources:
            assert f"gegevens van {row.data_date:%d-%m-%Y}" in source, row.kpi_id
            for table in row.sources.split(","):
                label = "voorbeelddata (fictief)" if table == "voorbeelddata" else f"CBS {table}"
                assert label in source, row.kpi_id
        if row.example:
            assert "◆ VOORBEELDDATA — fictief" in block, row.kpi_id
        else:
            assert "VOORBEELDDATA" not in block, row.kpi_id


def test_the_html_is_self_contained(made):
    for document in (made["html"], made["html_en"]):
        assert document.startswith("<!DOCTYPE html>")
        assert "http://" not in document and "https://" not in document
        assert "<script" not in document and "<link" not in document and "@import" not in document
        sources = re.findall(r'<img[^>]*\ssrc="([^"]*)"', document)
        assert len(sources) == charted(made["snapshot"]) == len(KPIS)  # voter_turnout: no 2024 figure, earlier ones
        assert all(s.startswith("data:image/svg+xml;base64,") for s in sources)
        for src in sources:  # each chart decodes to an SVG with the series' axis
            assert base64.b64decode(src.split(",", 1)[1]).startswith(b"<svg")
        links = re.findall(r'href="([^"]*)"', document)
        assert links and all(link.startswith("#") for link in links)  # only the contents' own anchors


def test_english_reports_use_english_texts_and_number_format(made):
    assert '<html lang="en">' in made["html_en"]
    text = html_text(made["html_en"])
    assert "Municipal housing charges, multi-person household" in text
    assert "€1,381 per year" in text and "€617,647" in text  # the KPI's English unit, money as English writes it
    assert "✖ off track" in text and "Outcome summary" in text and "EXAMPLE DATA — invented" in text
    assert "withheld (count fewer than 10)" in text and "afgeschermd" not in text
    assert "uit koers" not in text and "Bronnen" not in text


def test_progress_runs_from_zero_to_one_while_drawing(made):
    fractions = [f for _, f in made["steps"]]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    charts = [step for step, _ in made["steps"] if step.startswith("grafiek ")]
    total = charted(made["snapshot"])
    assert charts == [f"grafiek {n} van {total}" for n in range(1, total + 1)]


def test_a_new_import_does_not_change_the_report(made, tmp_path):
    """The snapshot is frozen: an own file that outranks the example figures changes the live
    value of new dwellings, not the report."""
    db = tmp_path / "koers.duckdb"
    shutil.copy(made["db"], db)
    before = pdf_text(made["pdf"].data, tmp_path)
    figures = tmp_path / "woningbouw.csv"
    figures.write_text("indicator;gemeentecode;jaar;waarde\nnew_dwellings;GM0363;2024;99999\n", encoding="utf-8")
    with Store.open(db) as store:
        store.commit_import(own_file.load(figures), actor=LOCAL)
        library = load_library(None, store.known_indicator_ids())
        fresh = review.snapshot(store, library, "GM0363", 2024).set_index("kpi_id")
        assert present.number(fresh.at["new_dwellings_per_1000", "value"], "nl") != "14,5"  # the live value moved
        after = report.build_pdf(store, library, made["session_id"], "nl", COUNCIL)
    after = pdf_text(after, tmp_path)
    assert "14,5 per 1.000 woningen" in flat(after)

    def without_time(text: str) -> str:
        return re.sub(r"Rapport opgemaakt op .*", "", text)

    assert without_time(after) == without_time(before)


def test_a_viewer_may_not_make_a_report(made):
    with Store.open(made["db"], read_only=True) as store:
        for build in (report.build_pdf, report.build_html):
            with pytest.raises(AccessDenied, match="rapporten"):
                build(store, made["library"], made["session_id"], "nl", VIEWER)


def test_an_unknown_session_is_one_clear_error(made):
    with Store.open(made["db"], read_only=True) as store, pytest.raises(KoersError) as raised:
        report.build_html(store, made["library"], 9999, "nl", COUNCIL)
    assert str(raised.value) == "reviewsessie 9999 bestaat niet"


def test_expected_against_actual_compares_with_the_previous_session(made, tmp_path):
    db = tmp_path / "koers.duckdb"
    shutil.copy(made["db"], db)
    with Store.open(db) as store:
        library = load_library(None, store.known_indicator_ids())
        second = make_session(store, library, ["new_dwellings_per_1000"], title="Najaarsreview 2025",
                              suppress=None, previous_id=made["session_id"])
        document = report.build_html(store, library, second, "nl", COUNCIL)
        compared = review.expected_against_actual(store, second)
    assert compared["text"].tolist() == [EXPECTED]
    section = document[document.index('id="eva"'):]
    section = section[:section.index("</section>")]
    assert "Verwacht tegenover werkelijk" in section and "Voorjaarsreview 2025" in section
    assert EXPECTED in section and "verwacht: 20 in 2026" in section
    # 14,5 then and now, below the expected 20: not met
    assert section.count("14,5") == 2 and "✖ niet uitgekomen" in section
    assert compared["outcome"].tolist() == ["not_met"]


def test_real_suppression_in_a_small_municipality(made, tmp_path):
    """Schiermonnikoog 2024: evaluation suppresses youth unemployment (fewer than 10); the report
    prints it as withheld and draws nothing for it."""
    db = tmp_path / "koers.duckdb"
    shutil.copy(made["db"], db)
    with Store.open(db) as store:
        library = load_library(None, store.known_indicator_ids())
        session_id = make_session(store, library, ["youth_unemployment"], region="GM0088", suppress=None)
        row = review.frozen(store, session_id).iloc[0]
        document = report.build_html(store, library, session_id, "nl", COUNCIL)
    assert bool(row["suppressed"]) and row["value"] != row["value"]
    assert "<img" not in document
    text = html_text(document)
    assert "Schiermonnikoog" in text and "afgeschermd (aantal minder dan 10)" in text
    assert "afgeschermd (aantal minder dan 10) %" not in text  # no unit after a withheld value
    assert "Geen cijfers om te tekenen." in text


def test_a_broken_browser_is_one_clear_error(made, monkeypatch):
    monkeypatch.setenv("KOERS_CHROMIUM", "/bin/false")
    with Store.open(made["db"], read_only=True) as store, pytest.raises(KoersError) as raised:
        report.build_pdf(store, made["library"], made["session_id"], "nl", COUNCIL)
    assert str(raised.value).startswith("grafieken konden niet worden getekend") and "/bin/false" in str(raised.value)
    assert "\n" not in str(raised.value)
