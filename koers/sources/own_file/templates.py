"""Templates for an own file, as the Data page offers them for download: long and wide, CSV and
XLSX, with headers the importer recognises (`mapping.HEADER_ALIASES`) and one example row.

The example row is marked as an example in its status column ("voorbeeld" / "example"): no
status word the importer knows, so a template uploaded as it is loads nothing and the preview
says why — the importer's own rule, not a special case. A Dutch CSV is written as Excel writes
it in a Dutch locale (`;`, decimal comma), an English one with `,` and a decimal point; an XLSX
holds the numbers as numbers.
"""

from __future__ import annotations

import csv
import io
from typing import Literal

from koers import i18n
from koers.sources.own_file.mapping import HEADER_ALIASES, Role

Layout = Literal["long", "wide"]
Format = Literal["csv", "xlsx"]
LAYOUTS: tuple[Layout, ...] = ("long", "wide")
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
ROLES: tuple[Role, ...] = ("indicator", "region", "period", "value", "status")

# Per language: the header of each role (each one of HEADER_ALIASES), the example's status word,
# and two indicators of a municipality's own (a wide file's column titles).
_HEADERS: dict[str, dict[Role, str]] = {
    "nl": {"indicator": "indicator", "region": "gemeentecode", "period": "jaar", "value": "waarde", "status": "status"},
    "en": {"indicator": "indicator", "region": "region code", "period": "year", "value": "value", "status": "status"},
}
EXAMPLE_STATUS = {"nl": "voorbeeld", "en": "example"}
_INDICATORS = {"nl": ("Tevredenheid dienstverlening", "Meldingen openbare ruimte"),
               "en": ("Service satisfaction", "Public space reports")}
# The example's figures: Amsterdam in 2024, a mark of 7.4 and 1,234 reports.
_REGION, _YEAR, _MARK, _REPORTS = "GM0363", 2024, 7.4, 1234


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "nl"


def headers(layout: Layout, lang: str) -> list[str]:
    """The template's header row."""
    names = _HEADERS[_lang(lang)]
    if layout == "long":
        return [names[role] for role in ROLES]
    return [names["region"], names["period"], names["status"], *_INDICATORS[_lang(lang)]]


def example(layout: Layout, lang: str) -> list[object]:
    """The example row, numbers as numbers (the CSV writes them in the language's notation)."""
    lang = _lang(lang)
    if layout == "long":
        return [_INDICATORS[lang][0], _REGION, _YEAR, _MARK, EXAMPLE_STATUS[lang]]
    return [_REGION, _YEAR, EXAMPLE_STATUS[lang], _MARK, _REPORTS]


def file_name(layout: Layout, format: Format, lang: str) -> str:
    """"koers_sjabloon_lang.csv" / "koers_template_wide.xlsx"."""
    word = {"nl": ("sjabloon", {"long": "lang", "wide": "breed"}), "en": ("template", {"long": "long", "wide": "wide"})}
    stem, layouts = word[_lang(lang)]
    return f"koers_{stem}_{layouts[layout]}.{format}"


def _csv_cell(value: object, lang: str) -> str:
    if isinstance(value, float):
        text = f"{value:g}"
        return text.replace(".", ",") if lang == "nl" else text
    return str(value)


def template(layout: Layout, format: Format, lang: str) -> bytes:
    """The template file's bytes."""
    if layout not in LAYOUTS or format not in FORMATS:
        raise ValueError(f"no template {layout}/{format}")
    lang = _lang(lang)
    header, row = headers(layout, lang), example(layout, lang)
    if format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";" if lang == "nl" else ",", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerow([_csv_cell(value, lang) for value in row])
        return out.getvalue().encode("utf-8-sig")  # the mark lets Excel read the accents as UTF-8
    return _xlsx(header, row, lang)


def _xlsx(header: list[str], row: list[object], lang: str) -> bytes:
    import openpyxl  # only needed for this format
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "data"
    sheet.append(header)
    sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:  # the example row: grey and italic, its status cell says why
        cell.font = Font(italic=True, color="808080")
    status = sheet.cell(row=2, column=header.index(_HEADERS[lang]["status"]) + 1)
    status.comment = Comment(i18n.text(lang, "data_page.templates.example_note"), "Koers")
    sheet.freeze_panes = "A2"
    for column, title in enumerate(header, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(column)].width = max(12, len(title) + 4)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def recognised_headers() -> dict[Role, tuple[str, ...]]:
    """Per role, the headers the importer recognises (compared case-insensitively, "_" and "-"
    read as spaces), in the order it tries them."""
    return {role: HEADER_ALIASES[role] for role in ROLES}
