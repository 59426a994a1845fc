"""A municipality's own figures: a CSV, XLSX or Parquet file, long or wide.

Long layout, one row per observation (Dutch or English numbers, codes or names for regions)::

    indicator;gemeentecode;jaar;waarde
    population;GM0363;2020;872757
    Tevredenheid dienstverlening;0363;2020;7,1

Wide layout, one column per indicator::

    gemeente;jaar;Tevredenheid dienstverlening;Meldingen openbare ruimte
    Amsterdam;2020;7,1;1.234

Both become the store's long observations, one per row (long) or per row x indicator column (wide):
`record` (line number, header = line 1; the Excel row number; the Parquet row number counted from 1),
`indicator_id`, region (`region_code` for codes, `region_key` for names), `period`, `value`, `status`.

Every value read ends in exactly one place: loaded (new, revised or unchanged) or rejected with its
reason (a blank key, a formula without a value, text that is no number, inf or NaN, a period outside
1900-2100; then the store's checks of regions and duplicates). So `rows_read` = `rows_loaded` +
`rows_rejected` in the import's result and log, counting values: a long file's data rows, a wide
file's data rows x indicator columns (a wide row with a bad key is rejected once per value).

Which column is which comes from a `FileMapping`; without one, common Dutch and English headers are
recognised. Observations are stored under `FileMapping.source`, by default `eigen_<file name>`
(slugged). The source is part of every observation's key and of generated indicator ids, so a file
that is delivered again under a new name (`monitor_2025.xlsx` after `monitor_2024.xlsx`) should get an
explicit `source` to be recognised as the same source.

Indicators: a catalogue id ("population") or any lower snake_case id is kept as it is; other text
("Tevredenheid dienstverlening") gets `generated_indicator_id(source, text)` and is registered with
that text as its title. Numbers: "1.234,5" and "1,234.5" are both 1234.5; the file's style is decided
by cells that fit only one style (`numbers.decimal_style`), and a cell that does not fit the file's style is
a rejected row, never a value off by a factor 1000. Where no cell decides and the form does not
either (a `;` CSV is Excel's with a decimal comma), "1,234" is refused with one line asking for
`--decimal comma|point` (the Data page's decimal separator). Numbers stored as numbers (XLSX, Parquet) are
taken as they are.

Speed: a long CSV of five million rows is read by Arrow with every column as text (the key columns
dictionary-encoded while reading), and every per-row step is an Arrow kernel; Python runs once per
distinct indicator, region, period and status, never per row. Text for a rejected row's `raw` is
only built for rejected rows. The file is memory-mapped rather than copied, and its checksum and
line count are computed on a second thread while Arrow parses.

The parts: `mapping` (the `FileMapping` and which column is which), `reading` (CSV, XLSX or Parquet
to text columns), `numbers` (the number style and parsing), `batch` (the observations and rejected
rows); this module reads a file with them and declares the source for the CLI and the Data page.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from koers.errors import FileProblem, KoersError, validation_message
from koers.i18n import Message
from koers.sources.common import file_checksum
from koers.sources.own_file.batch import KIND, to_batch
from koers.sources.own_file.mapping import FileMapping, names_problem, resolve_roles
from koers.sources.own_file.reading import read_csv, read_parquet, read_xlsx
from koers.sources.source import Argument, Source, Upload, UploadField
from koers.progress import Progress
from koers.store import ImportBatch

if TYPE_CHECKING:
    import argparse

__all__ = ["KIND", "SOURCE", "FileMapping", "load", "mapping_from_fields"]

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}


def load(path: Path, mapping: FileMapping | None = None, keep_text: bool = False) -> ImportBatch:
    """Read an own file into an `ImportBatch` (with `keep_text` a `TextedBatch`: the rows and value
    cells as written, for the Data page); raises `FileProblem` when the file cannot be read."""
    path = Path(path)
    mapping = mapping or FileMapping()
    if path.is_dir():
        raise FileProblem(path, "errors.own_file.is_folder")
    if not path.exists():
        raise FileProblem(path, "errors.file.does_not_exist")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        sheet, roles = read_csv(path, mapping)
    elif suffix in XLSX_SUFFIXES:
        sheet = read_xlsx(path, mapping)
        roles = resolve_roles(path, sheet.names, mapping)
    elif suffix in PARQUET_SUFFIXES:
        sheet = read_parquet(path)
        roles = resolve_roles(path, sheet.names, mapping)
    elif suffix == ".xls":
        raise FileProblem(path, "errors.own_file.old_excel")
    else:
        raise FileProblem(path, "errors.own_file.unsupported_type", suffix=suffix or Message("errors.own_file.none"))
    if sheet.rows_read == 0:
        raise FileProblem(path, "errors.file.header_only")
    return to_batch(path, sheet, roles, mapping, sheet.checksum or file_checksum(path), keep_text)


# --- the command line and the Data page -----------------------------------------------------------


def mapping_from_arguments(args: argparse.Namespace) -> FileMapping:
    """The mapping from `koers import file`'s options; a bad value is one line naming the option."""
    # The positional FILE is `args.source`; the mapping's own `source` (the name the figures are
    # stored under) comes from --source-name.
    options = {name: getattr(args, name) for name in FileMapping.model_fields
               if name != "source" and getattr(args, name, None) is not None}
    if args.source_name:
        options["source"] = args.source_name
    if (refused := names_problem(options.get("source"), options.get("unit"))) is not None:
        option = "--source-name" if refused[0] == "source" else "--unit"
        raise KoersError("errors.own_file.option_problem", file=args.source, field=option, problem=refused[1])
    try:
        return FileMapping(**options)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(x) for x in first["loc"])
        raise KoersError("errors.own_file.option_problem", file=args.source, field=field,
                         problem=validation_message(first)) from None


def load_arguments(args: argparse.Namespace, progress: Progress) -> ImportBatch:
    return load(Path(args.source), mapping_from_arguments(args))


def mapping_from_fields(fields: Mapping[str, str]) -> FileMapping:
    """The mapping from the Data page's fields (blank: recognised from the headers); a bad value is
    a KoersError naming the field."""
    given = {name: value.strip() for name, value in fields.items() if value and value.strip()}
    if (refused := names_problem(given.get("source"), given.get("unit"))) is not None:
        raise KoersError("errors.own_file.field_problem", field=refused[0], problem=refused[1])
    try:
        return FileMapping(**given)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(x) for x in first["loc"])
        if field == "source":  # the only check a typed name can fail: a CBS table's name
            source = (fields.get("source") or "").strip()
            raise KoersError("errors.own_file.cbs_source_name", source=source) from None
        problem = validation_message(first)
        if problem.key == "validation.as_given":  # a validator's own text, without pydantic's prefix
            problem = Message(problem.key, text=str(problem.params["text"]).removeprefix("Value error, "))
        raise KoersError("errors.own_file.field_problem", field=field, problem=problem) from None


def read_upload(path: Path, fields: Mapping[str, str]) -> ImportBatch:
    # The Data page shows the file's own text beside what was read (an upload is small enough).
    return load(path, mapping_from_fields(fields), keep_text=True)


SOURCE = Source(
    name=KIND, title_key="sources.file", order=4,
    help="own figures: CSV, XLSX or Parquet, long or wide",
    arguments=(
        Argument("source", metavar="FILE"),
        Argument("--source-name", dest="source_name", help="name under which the figures are stored (default: file name)"),
        Argument("--layout", choices=("auto", "long", "wide")),
        Argument("--indicator-column"),
        Argument("--region-column"),
        Argument("--period-column"),
        Argument("--value-column"),
        Argument("--status-column"),
        Argument("--sheet"),
        Argument("--decimal", choices=("auto", "comma", "point")),
        Argument("--delimiter"),
        Argument("--unit"),
    ),
    load=load_arguments,
    check=mapping_from_arguments,
    upload=Upload(kind="own", order=1, file_types=("csv", "txt", "tsv", "xlsx", "xlsm", "parquet", "pq"), read=read_upload,
                  fields=(
                      UploadField("layout", "data_page.layout", ("auto", "long", "wide"), "data_page.layouts", advanced=True),
                      UploadField("decimal", "data_page.decimal", ("auto", "comma", "point"), "data_page.decimals", advanced=True),
                      UploadField("indicator_column", "data_page.indicator_column", advanced=True),
                      UploadField("region_column", "data_page.region_column", advanced=True),
                      UploadField("period_column", "data_page.period_column", advanced=True),
                      UploadField("value_column", "data_page.value_column", advanced=True),
                      UploadField("source", "data_page.source_name", help_key="data_page.source_help"),
                  )),
)
