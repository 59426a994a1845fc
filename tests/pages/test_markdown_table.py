"""`widgets.markdown_table`: the Overzicht's small tables as Markdown (no grid to load in the
browser). What people wrote must show as typed and never break the table's shape."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd

from conftest import markdown_tables
from koers.dashboard.widgets import markdown_table

WRITTEN = ["a | b", "[klik](https://example.org)", "regel 1\nregel 2", ":red[rood] **vet**", "<b>x</b>", None]


def test_every_cell_shows_as_typed_and_the_shape_holds():
    frame = pd.DataFrame({"KPI": WRITTEN, "Waarde": ["1,5 %", "2", "", "-3", "4.000", "5"]})
    text = markdown_table(frame, right=("Waarde",))
    lines = text.splitlines()
    assert lines[1] == "| --- | ---: |"  # numbers aligned right
    assert len(lines) == 2 + len(WRITTEN)
    # Every line has exactly the column separators: a pipe someone typed is escaped.
    assert [len(re.findall(r"(?<!\\)\|", line)) for line in lines] == [3] * len(lines)
    assert "](" not in text and "https://" not in text and ":red[" not in text and "<b>" not in text
    [read] = markdown_tables(SimpleNamespace(markdown=[SimpleNamespace(value=text)]))
    assert read["KPI"].tolist() == ["a | b", "[klik](https://example.org)", "regel 1 regel 2",
                                    ":red[rood] **vet**", "<b>x</b>", ""]
    assert read["Waarde"].tolist() == ["1,5 %", "2", "", "-3", "4.000", "5"]


def test_an_empty_frame_is_a_header_only():
    assert markdown_table(pd.DataFrame({"A": [], "B": []})) == "| A | B |\n| --- | --- |"
