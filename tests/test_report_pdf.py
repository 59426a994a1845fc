"""The review report as an accessible document: a tagged PDF/UA-1 file with its language, title and
chart alt texts, checked with poppler's own tools (pdfinfo, pdftotext, pdffonts); and marks that
need no emoji font — every character of the PDF's text is in the installed DejaVu fonts."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from koers import present
from koers.access import Actor, Role
from koers.kpis.library import load_library
from koers.loop import learning, report, review
from koers.store import Store

pytestmark = pytest.mark.slow  # charts through kaleido in Chromium, layout through weasyprint

ADVISOR = Actor("a.de.vries@gemeente.nl", "Anna de Vries", Role.advisor)
# Two real series (CBS 03759ned, the police's 47013NED) and one of the demo's invented ones.
KPIS = ["population_growth", "registered_crime_per_1000", "trust_in_council"]
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")  # fonts-dejavu-core: the only fonts the server has

# Code points with Unicode's Emoji_Presentation (emoji-data.txt): drawn from an emoji font by
# default, so without one they are empty boxes. ⚠ ✔ ✖ are not among them (text presentation).
EMOJI = re.compile("[\u231a\u231b\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693\u26a1"
                   "\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5\u26fa\u26fd\u2705"
                   "\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0\u27bf\u2b1b\u2b1c\u2b50"
                   "\u2b55\ufe0f\U0001f000-\U0001faff]")


@pytest.fixture(scope="module")
def reports(demo_template, tmp_path_factory) -> dict:
    """One session of three Amsterdam KPIs with an overdue action, as PDF in Dutch and English and
    as HTML in Dutch."""
    db = tmp_path_factory.mktemp("report_pdf") / "demo.duckdb"
    shutil.copy(demo_template, db)
    with Store.open(db) as store:
        library = load_library(None, store.known_indicator_ids())
        frame = review.snapshot(store, library, "GM0363", 2024)
        frame = frame[frame["kpi_id"].isin(KPIS)].reset_index(drop=True)
        session_id = store.create_review({"region_code": "GM0363", "year": 2024, "reference_date": dt.date(2025, 4, 1),
                                          "title": "Voorjaarsreview 2025", "stage": "plan", "previous_id": None},
                                         frame, ADVISOR)
        # planned and due in January 2025: overdue whenever the test runs
        learning.save_action(store, library, ADVISOR, {"region_code": "GM0363", "title": "Wijkavonden", "owner": "Griffie",
                                                       "due_date": dt.date(2025, 1, 31), "kpi_ids": ["trust_in_council"]})
        made = {lang: report.make_pdf(store, library, session_id, lang, ADVISOR) for lang in ("nl", "en")}
        html = report.build_html(store, library, session_id, "nl", ADVISOR)
    folder = db.parent
    paths = {}
    for lang, pdf in made.items():
        paths[lang] = folder / f"review-{lang}.pdf"
        paths[lang].write_bytes(pdf.data)
    return {"pdf": paths, "pages": {lang: pdf.pages for lang, pdf in made.items()}, "html": html}


def tool(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def catalog(path: Path):
    """The PDF's document catalog (pypdf)."""
    return PdfReader(path).trailer["/Root"]


def alt_texts(path: Path) -> list[str]:
    """The `/Alt` texts of the structure tree, in document order."""
    found: list[str] = []

    def walk(node) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, ArrayObject):
            for child in node:
                walk(child)
        elif isinstance(node, DictionaryObject):
            if "/Alt" in node:
                found.append(str(node["/Alt"]))
            if "/K" in node:
                walk(node["/K"])

    walk(catalog(path)["/StructTreeRoot"])
    return found


def dejavu_characters() -> set[str]:
    """Every character the DejaVu Sans faces the report uses (book, bold, oblique) can draw."""
    chars: set[str] = set()
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"):
        chars |= {chr(code) for code in TTFont(DEJAVU / name).getBestCmap()}
    return chars


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_pdf_is_tagged_pdf_ua_with_title_and_language(reports, lang):
    path = reports["pdf"][lang]
    info = dict(re.findall(r"^([^:\n]+):\s*(.*)$", tool("pdfinfo", str(path)), re.M))
    assert info["Tagged"] == "yes"
    assert info["Title"] == "Amsterdam — Voorjaarsreview 2025"  # report.doc_title: municipality — session title
    assert info["PDF version"] == "1.7" and int(info["Pages"]) == reports["pages"][lang]
    assert 'pdfuaid:part="1"' in tool("pdfinfo", "-meta", str(path))  # declares PDF/UA-1 in its XMP metadata
    root = catalog(path)
    assert root["/Lang"] == lang  # the catalog's document language
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])  # a viewer shows the title, not the file name
    structure = tool("pdfinfo", "-struct", str(path))
    assert structure.startswith("Document\n") and structure.count("Figure") == 3  # one per chart
    assert re.search(r"^ +H1 \(block\)$", structure, re.M) and structure.count("H3 (block)") == 3  # a heading per KPI


def test_every_chart_has_an_alt_text_naming_what_it_shows(reports):
    # Periods are those with a value in the frozen series (Amsterdam, GM0363); the numbers are the
    # snapshot's: population growth 2024 = (934 526 - 931 298) / 931 298 = 0.3466 % (03759ned,
    # population on 1 January 2025 and 2024); registered crime 89.08 per 1,000 (47013NED, no
    # figure for 2016, 2020, 2021: 8 periods); trust and the targets, bands and peer medians come
    # from the demo's invented example data ("voorbeelddata").
    assert alt_texts(reports["pdf"]["nl"]) == [
        "Bevolkingsgroei. Grafiek: de waarde van Amsterdam in 11 perioden van 2015 tot en met 2025; "
        "peiljaar 2024 gemarkeerd (0,35); de mediaan van de vergelijkingsgroep in 2024 als ruit.",
        "Vertrouwen in de gemeenteraad. Grafiek: de waarde van Amsterdam in 11 perioden van 2015 tot en met 2025; "
        "peiljaar 2024 gemarkeerd (37,5); het doel 44,4 in 2026 als stippellijn; de marge ± 1,33 als grijze band; "
        "de mediaan van de vergelijkingsgroep in 2024 als ruit.",
        "Geregistreerde misdrijven. Grafiek: de waarde van Amsterdam in 8 perioden van 2012 tot en met 2024; "
        "peiljaar 2024 gemarkeerd (89,1); het doel 82,8 in 2026 als stippellijn; de marge ± 2,48 als grijze band; "
        "de mediaan van de vergelijkingsgroep in 2024 als ruit.",
    ]
    english = alt_texts(reports["pdf"]["en"])
    assert english[0] == ("Population growth. Chart: the value for Amsterdam in 11 periods from 2015 to 2025; "
                          "reference year 2024 marked (0.35); the peer median in 2024 as a diamond.")
    # the HTML file carries the same texts on its images
    alts = re.findall(r'<img src="data:image/svg\+xml;base64,[^"]*" alt="([^"]*)"', reports["html"])
    assert len(alts) == 3 and alts[0].startswith("Bevolkingsgroei. Grafiek: de waarde van Amsterdam in 11 perioden")


def test_the_text_is_in_the_pdf(reports):
    text = re.sub(r"\s+", " ", tool("pdftotext", str(reports["pdf"]["nl"]), "-"))
    assert "Bevolkingsgroei" in text and "Geregistreerde misdrijven" in text and "Vertrouwen in de gemeenteraad" in text
    assert "0,35 % in het jaar" in text  # population growth 2024, 03759ned (see above)
    assert "89,1 per 1.000 inwoners" in text  # registered crime 2024
    assert f"Wijkavonden — Griffie, gepland · uiterlijk 31-01-2025 {present.OVERDUE_MARK} VERLOPEN" in text
    english = re.sub(r"\s+", " ", tool("pdftotext", str(reports["pdf"]["en"]), "-"))
    assert "Population growth" in english and f"{present.OVERDUE_MARK} OVERDUE" in english


def test_no_character_needs_a_font_the_server_lacks(reports):
    covered = dejavu_characters()
    assert present.OVERDUE_MARK in covered and "⏰" not in covered  # why the alarm clock had to go
    for lang, path in reports["pdf"].items():
        text = tool("pdftotext", str(path), "-")
        assert not EMOJI.search(text), f"emoji in the {lang} PDF: {EMOJI.findall(text)}"
        missing = sorted({ch for ch in text if not ch.isspace() and ch not in covered})
        assert missing == [], f"characters without a DejaVu glyph in the {lang} PDF: {missing}"
        fonts = re.findall(r"^\w{6}\+(\S+)", tool("pdffonts", str(path)), re.M)
        assert fonts and all(name.startswith("DejaVu-Sans") for name in fonts), fonts  # no fallback font embedded
    html = reports["html"]
    assert not EMOJI.search(html), EMOJI.findall(html)
    text_part = re.sub(r'data:[^"]*"', '"', html)  # the base64 charts are no text
    assert sorted({ch for ch in text_part if not ch.isspace() and ch not in covered}) == []
    assert f'<strong class="overdue">{present.OVERDUE_MARK} VERLOPEN</strong>' in html


def test_the_overdue_marks_are_defined_once_and_need_no_emoji():
    assert present.OVERDUE_SYMBOL == ":material/alarm:"  # Streamlit markdown: a Material Symbols icon
    assert present.overdue_text("nl") == f"{present.OVERDUE_MARK} verlopen"  # table cells: plain text
    root = Path(__file__).resolve().parents[1]
    found = [f"{path.relative_to(root)}:{number}"
             for folder in ("koers", "pages") for path in sorted((root / folder).rglob("*"))
             if path.suffix in (".py", ".yaml", ".j2", ".css")
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if EMOJI.search(line)]
    assert found == []
