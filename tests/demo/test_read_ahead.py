"""The demo build's helper process (`ReadAhead`): it hands over the very batch this process would
have read, and any problem in it leaves the reading to this process (which then reports it)."""

from __future__ import annotations

from koers.demo.build import DEMO_SOURCES, ReadAhead
from koers.progress import no_progress
from koers.settings import DATA

# Two small sources: the police's crime counts 2022-2023 (one CSV) and the wmo-jads extract (Parquet).
POLICE = next(i for i, (label, _, _) in enumerate(DEMO_SOURCES) if label.startswith("Politie 47013NED misdrijven 2022"))
WMO = next(i for i, (label, _, _) in enumerate(DEMO_SOURCES) if label.startswith("Wmo"))


def _read_here(index: int):
    _, path, read = DEMO_SOURCES[index]
    return read(DATA / path, no_progress)


def test_the_helper_hands_over_the_batches_as_read_here():
    reader = ReadAhead(DATA, [POLICE, WMO])
    try:
        for index in (POLICE, WMO):
            theirs, mine = reader.take(index), _read_here(index)
            assert theirs is not None
            assert theirs.observations.equals(mine.observations) and theirs.rejected.equals(mine.rejected)
            assert (theirs.checksum, theirs.rows_read, theirs.source_table) == (mine.checksum, mine.rows_read, mine.source_table)
            assert [(d.id, measure) for d, measure, _, _ in theirs.indicators] == \
                   [(d.id, measure) for d, measure, _, _ in mine.indicators]
        # the wmo-jads extract: 936 rows of 12 figures, 20 of them implausible (tests/sources/test_import_wmo_jads.py)
        assert (theirs.rows_read, theirs.observations.num_rows, theirs.rejected.num_rows) == (936, 11_212, 20)
    finally:
        reader.close()


def test_a_source_the_helper_cannot_read_is_left_to_this_process(tmp_path):
    reader = ReadAhead(tmp_path, [POLICE, WMO])  # an empty folder: the helper stops at the first file
    try:
        assert reader.take(POLICE) is None
        assert reader.take(WMO) is None  # and everything after it is read here too
        assert reader.take(0) is None  # a source it was not asked for
    finally:
        reader.close()
    assert reader.process is None
