"""The wmo-jads table: one wide row per municipality and year 2017-2019, assembled by a student
project (YoYo1971/WMO_JADS) from CBS tables, as a gzip Parquet file::

    codering_regio  interval  typemaatwerkarrangement   wmoclienten  ...  pophuishoudelijkrestafval  ...
    (index)         (index)
    GM0363          2019      Hulp bij het huishouden   18985.0      ...  205692.0                   ...

936 rows x 470 columns. Only the columns in `COLUMNS` are read (the others are the project's own
derivations): Wmo clients with ONE type of maatwerkarrangement, "Hulp bij het huishouden" (not
all Wmo clients: not the BBV indicator), the KWB's net labour participation and youth care share,
70072ned's household waste (in 1,000 kg, so x 1000 to kg) and WW/AO benefit counts, and 83643NED's
levies per inhabitant. The project joined some tables on the municipality's NAME, so those columns
are empty where CBS's names differ ('s-Gravenhage, Utrecht, Groningen in 2019): empty is missing,
never 0.

Plausibility: a value that differs from the median of the same municipality's years by a factor
over `IMPLAUSIBLE_FACTOR` (Den Haag: 20 Wmo clients in 2019 beside 4,160 and 12,895), or is 0 where
that median is not, is REJECTED with its reason rather than stored with a warning: the store keeps
no per-observation warning (its statuses are definitive, provisional, missing, impossible), a
rejected record is kept with its reason and shown on the Data page, and a KPI then shows a gap
instead of a figure off by a factor 200. `koers.sources.quality` flags outliers across
municipalities afterwards; this rule catches the jump within one municipality's series.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from koers.errors import FileProblem
from koers.i18n import Message
from koers.indicators.catalogue import canonical_for
from koers.indicators.more_cbs import JADS, source_factor
from koers.progress import Progress
from koers.sources.common import file_checksum, observation_table, rejected_table
from koers.sources.source import Argument, Source
from koers.store import ImportBatch

if TYPE_CHECKING:
    import argparse

KIND = "wmo-jads"
LICENCE = "CC BY 4.0 (Bron: CBS), samengevoegd door YoYo1971/WMO_JADS (MIT)"
COLUMNS = (
    "wmoclienten", "wmoclientenper1000inwoners",
    "pophuishoudelijkrestafval", "popgftafval", "poptotaalhuishoudelijkafval",
    "popwerkloosheid", "poparbeidsongeschiktheidtotaal",
    "nettoarbeidsparticipatie", "percentagejongerenmetjeugdzorg",
    "totaal_onroerendezaakbelasting_gemeenteheffingeuroinwoner",
    "reinigingsrechten_en_afvalstoffenheffing_gemeenteheffingeuroinwoner",
    "rioolheffing_gemeenteheffingeuroinwoner",
)
IMPLAUSIBLE_FACTOR = 10


def load(path: Path) -> ImportBatch:
    """The mapped columns of the wmo-jads Parquet file as observations (one per row x column)."""
    import pandas as pd
    import pyarrow.parquet as pq  # only when importing: keeps `python -m koers` quick to start

    path = Path(path)
    try:
        frame = pq.read_table(path).to_pandas()
    except FileNotFoundError as error:
        raise FileProblem(path, "errors.file.does_not_exist") from error
    except (pa.ArrowInvalid, OSError) as error:
        raise FileProblem(path, "errors.wmo_jads.unreadable") from error
    frame = frame.reset_index() if "codering_regio" not in frame.columns else frame
    if not {"codering_regio", "interval"} <= set(frame.columns):
        raise FileProblem(path, "errors.wmo_jads.no_columns")
    frame = frame.reset_index(drop=True)
    region = frame["codering_regio"].astype(str).str.strip().str.upper()
    year = frame["interval"].astype(str).str.strip()
    record = np.arange(1, len(frame) + 1)  # the row in the Parquet file

    parts, rejected, indicators = [], [], []
    for column in (c for c in COLUMNS if c in frame.columns):
        definition = canonical_for(JADS, column)
        factor, source_unit = source_factor(JADS, column)
        indicators.append((definition, column, column, source_unit or definition.unit))
        values = pd.to_numeric(frame[column], errors="coerce").astype(float)
        values[~np.isfinite(values)] = np.nan
        median = values.groupby(region).transform("median")
        with np.errstate(divide="ignore", invalid="ignore"):
            implausible = (median > 0) & values.notna() & (
                (values == 0) | (values / median > IMPLAUSIBLE_FACTOR) | (median / values > IMPLAUSIBLE_FACTOR))
        for i in np.flatnonzero(implausible.to_numpy()):
            rejected.append((int(record[i]), f"{region[i]};{year[i]};{column}={values[i]:g}", column,
                             Message("rejected.wmo_jads.implausible", value=f"{values[i]:g}", column=column,
                                     year=year[i], median=f"{median[i]:g}", factor=IMPLAUSIBLE_FACTOR)))
        keep = ~implausible.to_numpy()
        scaled = (values * factor).to_numpy()
        parts.append(observation_table({
            "record": pa.array(record[keep], pa.int64()),
            "indicator_id": pa.array([definition.id] * int(keep.sum()), pa.string()),
            "region_code": pa.array(region[keep].tolist(), pa.string()),
            "region_text": pa.array(frame["codering_regio"].astype(str)[keep].tolist(), pa.string()),
            "period": pa.array(year[keep].tolist(), pa.string()),
            "value": pa.array(scaled[keep], pa.float64(), from_pandas=True),
            "status": pa.array(np.where(np.isnan(scaled[keep]), "missing", "definitive"), pa.string()),
        }))
    rejected.sort(key=lambda r: r[0])
    return ImportBatch(
        kind=KIND, file=str(path), checksum=file_checksum(path), source_table=JADS,
        source_title="Wmo, afval, uitkeringen en heffingen per gemeente 2017-2019 (YoYo1971/WMO_JADS, uit CBS-tabellen)",
        licence=LICENCE, rows_read=len(frame), observations=pa.concat_tables(parts),
        rejected=rejected_table([r[0] for r in rejected], [r[1] for r in rejected], [r[2] for r in rejected],
                                [r[3] for r in rejected]),
        indicators=indicators,
    )


def load_arguments(args: argparse.Namespace, progress: Progress) -> ImportBatch:
    return load(Path(args.source))


SOURCE = Source(
    name=KIND, title_key="sources.wmo-jads", order=8,
    help="wmo-jads table (Wmo household help, waste, WW/AO, levies per municipality 2017-2019, Parquet)",
    arguments=(Argument("source", metavar="FILE", help="the df_get_data_*.parquet.gzip file"),),
    load=load_arguments,
)
