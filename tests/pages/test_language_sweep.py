"""Every page, in Dutch and in English, shows no word of the other language.

Each page of the app's navigation is drawn with AppTest in both languages; every text a person can
read is collected (`visible_texts`: markdown, captions, metrics, labels, options, help texts, table
headers and cells, chart titles, axis titles, legend names and hover texts) and searched, whole
words and case-insensitive, for words that belong unmistakably to the other language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pandas as pd

# Proto fields that are no reading text: identities, styling, addresses, the values a widget returns
# (its options and labels are read), and the plotly spec and dataframe bytes (read apart).
_NOT_TEXT = {"id", "form_id", "key", "spec", "theme", "css", "url", "icon", "type", "format", "columns",
             "default", "value", "set_value", "raw_value", "column_order", "selection_mode", "width_config",
             "height_config", "editing_mode", "page_script_hash", "page", "url_path", "page_name",
             "script_hash", "config", "src", "alt_text", "selection", "width", "height", "data"}
# In a plotly figure: where words are (titles, trace names, hover, text on the chart).
_CHART_TEXT = {"text", "name", "hovertext", "hovertemplate", "title", "ticktext", "legendgrouptitle"}


def _proto_strings(message) -> Iterator[str]:
    for field, value in message.ListFields():
        if field.name in _NOT_TEXT:
            continue
        values = value if field.is_repeated else [value]
        for item in values:
            if field.type == field.TYPE_STRING:
                yield item
            elif field.type == field.TYPE_MESSAGE:
                yield from _proto_strings(item)


def _chart_strings(tree: object, inside: bool = False) -> Iterator[str]:
    """The words of a plotly figure's JSON: strings under a text-bearing key, at any depth."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _chart_strings(value, inside or key in _CHART_TEXT)
    elif isinstance(tree, list):
        for item in tree:
            yield from _chart_strings(item, inside)
    elif inside and isinstance(tree, str):
        yield tree


def _frame_strings(frame: pd.DataFrame) -> Iterator[str]:
    yield from (str(name) for name in frame.columns)
    yield from (str(name) for name in frame.index.names if name is not None)
    for column in frame.columns:
        for value in frame[column].tolist():
            if isinstance(value, str):
                yield value
            elif isinstance(value, (list, tuple)):
                yield from (item for item in value if isinstance(item, str))


def visible_texts(at) -> list[str]:
    """Every text an AppTest run drew, one string per field, chart or cell."""
    texts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            name = proto.DESCRIPTOR.name
            if name == "PlotlyChart":
                texts.extend(_chart_strings(json.loads(proto.spec)))
            elif name in ("Arrow", "Dataframe"):  # a table (st.dataframe, st.table, st.data_editor)
                texts.extend(_frame_strings(node.value))
            else:
                texts.extend(_proto_strings(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return [text for text in texts if text.strip()]


# --- what the other language's words are --------------------------------------------------------

import html  # noqa: E402

import pytest  # noqa: E402

from conftest import ROOT, navigation  # noqa: E402
from koers import i18n  # noqa: E402
from koers.kpis.library import load_library  # noqa: E402
from koers.sources.own_file.templates import recognised_headers  # noqa: E402
from koers.present import WORD_JOINER  # noqa: E402
from koers.store import Store  # noqa: E402

PAGES = [ROOT / "pages" / f"{file}.py" for file, *_ in navigation()]
RECOGNISED = {", ".join(names) for names in recognised_headers().values()}

# Words no English text has and no Dutch text lacks a Dutch word for: everyday Dutch function words
# and the nouns of this dashboard. Left out on purpose: words both languages write ("data", "status",
# "per", "KPI", "is", "over", "in"), and Dutch words that are also English ones ("de", "die", "met",
# "door", "of", "en", "term").
DUTCH = ["gemeente", "gemeenten", "vergelijkingsgroep", "jaar", "jaren", "waarde", "waarden", "inwoners",
         "inwoner", "woningen", "woning", "huishoudens", "geen", "van de", "van het", "aantal", "niet", "voor",
         "bij", "een", "het", "wordt", "worden", "alleen", "ook", "nog", "naar", "uit", "kies", "toon", "eenheid",
         "bron", "bronnen", "doel", "periode", "gegevens", "ontbreekt", "afgeschermd", "voorlopig", "stijgend",
         "dalend", "op koers", "leerlingen", "jongeren", "kinderen", "rapportcijfer", "verzekerde", "opslaan",
         "aangemaakt", "gewijzigd", "verwijderd", "zonder", "hoger", "lager", "mediaan", "tabel", "gemiddelde"]
# The same for English in the Dutch view: function words and the dashboard's nouns, and what raw
# values and Streamlit's own texts would bring in ("None", "missing", "true", "Choose an option").
ENGLISH = ["the", "and", "with", "from", "which", "this", "that", "municipality", "municipalities", "year",
           "years", "value", "values", "residents", "inhabitants", "dwellings", "households", "none", "missing",
           "choose", "show", "target", "source", "unit", "search", "fullscreen", "true", "false", "created",
           "updated", "deleted", "imported", "median", "table", "average", "without", "higher", "lower", "not"]
OTHER = {"nl": ENGLISH, "en": DUTCH}


def _pattern(words: list[str]) -> re.Pattern:
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words) + r")(?![\w-])",
                      re.IGNORECASE)


# --- what may stay in one language in both views: names and what people wrote ----------------------


# Proper names that stay Dutch in English: the regulation the KPIs' BBV numbers come from.
NAMES = {"Regeling beleidsindicatoren gemeenten"}


def allowed_texts(db) -> list[str]:
    """Texts that are the same in both views, as the data holds them (longest first, so a name holding
    a shorter one is taken out whole):
    - names of places: every municipality, district and region in the store ("Aa en Hunze",
      "Utrecht (gemeente)" — CBS's own name for it);
    - source metadata as the source publishes it: an indicator's title where the source gives no
      English one (CBS measure names), a KPI's source, fill_from and owner fields
      (one text written by the advisor, naming a CBS table or a team), and an import's licence
      ("CC BY 4.0 (Bron: CBS)", CBS's prescribed attribution);
    - what people wrote in the learning loop (annotations, actions, review sessions and items): the
      demo's examples are written in Dutch, as a Dutch municipality's own would be."""
    texts: set[str] = set()
    with Store.open(db, read_only=True) as store:
        texts |= set(store.regions()["name"].dropna())
        indicators = store.indicators()
        untranslated = indicators[indicators["title_en"].isna() | (indicators["title_en"] == indicators["title_nl"])]
        texts |= set(untranslated["title_nl"].dropna())
        texts |= set(store.imports()["licence"].dropna())
        for entity, columns in {"annotation": ["text"], "action": ["title", "description", "owner", "expected_effect"],
                                "review_session": ["title"], "review_item": ["text"]}.items():
            records = store.records(entity)
            for column in columns:
                texts |= {str(v) for v in records[column].dropna()}
        # An id after a name in a picker, "Woningvoorraad (dwellings)": an identifier, not a word.
        texts |= {f"({i})" for i in indicators["id"]}
    for kpi in load_library().kpis.values():
        texts |= {kpi.source, kpi.fill_from, kpi.owner, f"({kpi.id})"}
    texts |= NAMES
    return sorted((t for t in texts if t and _pattern(DUTCH + ENGLISH).search(t)), key=len, reverse=True)


def _data(text: str) -> bool:
    """Whether a drawn text is data as stored rather than words of the view: a record of the audit
    trail ("before"/"after": its keys and values as written, file names and messages among them), or
    the list of column names the import recognises ("value, waarde": a file may be headed in either
    language)."""
    if text.startswith("{"):
        try:
            return isinstance(json.loads(text), dict)
        except ValueError:
            return False
    return text in RECOGNISED


def _readable(text: str) -> str:
    """A drawn text as a person reads it: Markdown escapes, entities and word joiners taken out;
    of markup (a card's SVG sparkline) only what is read out or shown as a tooltip (`alt`,
    `aria-label`, `title`), not its other attributes."""
    text = re.sub(r"<[^>]*>", lambda tag: " ".join(["", *re.findall(r'(?:alt|aria-label|title)="([^"]*)"', tag.group(0)), ""]),
                  text.replace(WORD_JOINER, ""))
    text = html.unescape(text)
    return re.sub(r"\\(.)", r"\1", re.sub(r"\s+", " ", text))


def foreign_words(texts: list[str], lang: str, allowed: list[str]) -> list[tuple[str, str]]:
    """(word, the text it was found in) for each word of the other language in `texts`."""
    pattern = _pattern(OTHER[lang])
    found = []
    for text in texts:
        if _data(text):
            continue
        readable = _readable(text)
        for name in allowed:
            if name in readable:
                readable = readable.replace(name, " ")
        found += [(match.group(0), text[:160]) for match in pattern.finditer(readable)]
    return found


def test_the_word_lists_find_what_they_are_for():
    """The sweep can fail: a Dutch unit in English and a raw value in Dutch are found; names are not."""
    allowed = ["Aa en Hunze", "Utrecht (gemeente)"]
    assert foreign_words(["12 per 1.000 woningen", "Aa en Hunze", "Utrecht (gemeente)<br>– %"], "en", allowed) == [
        ("woningen", "12 per 1.000 woningen")]
    assert [w for w, _ in foreign_words(["missing", "None", "Download as CSV", "Waarde \\(euro\\)"], "nl", [])] == [
        "missing", "None"]
    assert [w for w, _ in foreign_words(["Van de inwoners", "ontbrekend"], "en", [])] == ["Van de", "inwoners"]
    # data as stored is not a view's words: an audit record, the recognised import headers
    assert foreign_words(['{"file": "gemeente.csv", "rows": 3}', "value, waarde"], "en", []) == []
    # markup is read as a screen reader reads it: its text alternative, not its other attributes
    assert [w for w, _ in foreign_words(['<img style="border: none" alt="2020: none">'], "nl", [])] == ["none"]


@pytest.fixture(scope="module")
def allowed(demo_shared) -> list[str]:
    return allowed_texts(demo_shared)


def test_every_page_is_swept():
    assert len(PAGES) >= 10 and {"overzicht", "kpi", "beheer", "studio"} <= {p.stem for p in PAGES}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.stem)
def test_no_page_shows_words_of_the_other_language(app_on, demo_shared, allowed, lang, page):
    at = app_on(demo_shared, page, gemeente="GM0363", jaar="2024", taal=lang)
    texts = visible_texts(at)
    assert len(texts) > 20, page.stem  # the page was drawn
    if page.stem == "kpi":  # tables are read, headers and cells: the "Data als tabel" header of a withheld mark
        assert i18n.text(lang, "kpi.table_columns.suppressed") in texts
    found: dict[str, tuple[int, str]] = {}  # word -> (how often, first text)
    for word, text in foreign_words(texts, lang, allowed):
        count, first = found.get(word.lower(), (0, text))
        found[word.lower()] = (count + 1, first)
    assert not found, f"{page.stem} ({lang}):\n" + "\n".join(
        f"  {word!r} {count}x, e.g. in {text!r}" for word, (count, text) in sorted(found.items()))
