"""Hostile KPI files: each is one located problem, and every other KPI still loads.

An advisor's folder is read by every command and every page that loads the library, so a file in it
must never hang, crash or hide the other KPIs: whatever it holds, it is one line naming the file and
the line, and the library loads without it.
"""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from conftest import ROOT
from koers.kpis.library import load_library
from koers.kpis.yaml_files import MAX_FILE_BYTES

GOOD = ROOT / "tests" / "fixtures" / "kpis" / "good" / "test_kpis.yaml"

# One valid KPI block, to put a hostile value into one field of it.
VALID = """\
id: {id}
title: {{nl: Vijandig, en: Hostile}}
description: {{nl: Test., en: Test.}}
theme: 1
kind: context
polarity: neither
unit: aantal
definition: {{type: indicator, indicator: population}}
source: CBS
"""


def _laughs(levels: int) -> str:
    """The "billion laughs": each level an anchored list of ten aliases of the level before."""
    lines = ['a0: &a0 "lol"']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + f"\nid: *a{levels}\n"


# name: (file content as bytes, the catalogue key of its one problem, its line)
HOSTILE: dict[str, tuple[bytes, str, int]] = {
    "billion_laughs": (_laughs(9).encode(), "kpi_problems.yaml_alias", 1),
    "alias_in_id": (VALID.format(id="&x hostile_alias").encode() + b"other: *x\n", "kpi_problems.yaml_alias", 1),
    "merge_key": (b"base: &b {theme: 1}\nkpi:\n  <<: *b\n", "kpi_problems.yaml_alias", 1),
    "deep_nesting": (b"id: " + b"[" * 500 + b"]" * 500 + b"\n", "kpi_problems.yaml_too_deep", 1),
    "deep_mappings": (b"".join(b"  " * n + b"k:\n" for n in range(100)) + b"  " * 100 + b"v\n",
                      "kpi_problems.yaml_too_deep", 21),
    "huge_file": (b"# padding\n" * (MAX_FILE_BYTES // 10) + VALID.format(id="huge").encode(), "kpi_problems.yaml_too_large",
                  MAX_FILE_BYTES // 10 + 1),
    "binary_junk": (b"id: ok\n\xff\xfe\x00\x81junk\x00\x00", "kpi_problems.yaml_not_text", 2),
    "not_yaml": (b"id: [unclosed\ntitle: {\n", "kpi_problems.unreadable_yaml", 2),
    "top_level_number": (b"42\n", "kpi_problems.not_kpi_blocks", 1),
    "top_level_text": (b"\n\njust some words\n", "kpi_problems.not_kpi_blocks", 3),
    "top_level_list_of_numbers": (b"- 1\n- 2\n- 3\n", "kpi_problems.not_kpi_blocks", 1),
    "id_is_a_list": (VALID.format(id="[a, b]").encode(), "validation.string_type", 1),
    "id_is_a_mapping": (VALID.format(id="{x: 1}").encode(), "validation.string_type", 1),
    "id_is_a_number": (VALID.format(id="12345").encode(), "validation.string_type", 1),
    "duplicate_keys": (VALID.format(id="twice").encode() + b"theme: 2\n", "kpi_problems.yaml_duplicate_key", 10),
    "python_object_tag": (b"id: !!python/object/apply:os.system [echo hi]\n", "kpi_problems.yaml_tag", 1),
    "python_name_tag": (VALID.format(id="!!python/name:os.system ''").encode(), "kpi_problems.yaml_tag", 1),
    "custom_tag": (VALID.format(id="!secret tagged").encode(), "kpi_problems.yaml_tag", 1),
}


@pytest.fixture
def deadline():
    """A hostile file must not hang the library: fail after 20 seconds instead."""
    def expired(signum, frame):
        raise TimeoutError("loading the library took longer than 20 seconds")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> tuple[set[str], list[str]]:
    folder = tmp_path_factory.mktemp("good")
    shutil.copy(GOOD, folder / "good.yaml")
    library = load_library(folder)
    return set(library.kpis), [p.text("en") for p in library.problems]


def test_there_are_hostile_files_to_try():
    assert len(HOSTILE) == 18


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_one_located_problem_and_the_rest_loads(name, tmp_path, baseline, deadline):
    content, key, line = HOSTILE[name]
    shutil.copy(GOOD, tmp_path / "good.yaml")
    hostile = tmp_path / f"{name}.yaml"
    hostile.write_bytes(content)

    library = load_library(tmp_path)

    from_hostile = [p for p in library.problems if p.file == str(hostile)]
    assert [(p.explanation.key, p.line) for p in from_hostile] == [(key, line)]
    text = from_hostile[0].text("en")
    assert "\n" not in text and len(text) < 300 and text.startswith(f"{hostile}:{line}: ")
    assert [p.text("en") for p in library.problems if p.file != str(hostile)] == baseline[1]
    assert set(library.kpis) == baseline[0]


def test_an_id_that_is_no_text_is_named_by_position_not_by_its_value(tmp_path):
    (tmp_path / "k.yaml").write_text(VALID.format(id="[" + ", ".join(["x"] * 1000) + "]"), encoding="utf-8")
    [problem] = load_library(tmp_path).problems
    assert (problem.kpi, problem.field, problem.line) == ("#1", "id", 1)


def test_a_file_just_under_the_size_limit_still_loads(tmp_path):
    padding = b"# padding\n" * ((MAX_FILE_BYTES - 400) // 10)
    (tmp_path / "k.yaml").write_bytes(padding + VALID.format(id="padded").encode())
    library = load_library(tmp_path)
    assert "padded" in library.kpis and library.problems == []


def test_a_hostile_version_file_is_skipped(tmp_path):
    from koers.kpis.own import VERSIONS
    from koers.kpis.versions import list_versions

    folder = tmp_path / VERSIONS / "k"
    folder.mkdir(parents=True)
    (folder / "v0001_20250101T000000_a.yaml").write_text(
        "version: 1\nsaved_at: 2025-01-01T00:00:00\nkpi: {id: k}\n", encoding="utf-8")
    (folder / "v0002_20250102T000000_b.yaml").write_text(_laughs(9) + "version: 2\nsaved_at: 2025-01-02T00:00:00\n",
                                                         encoding="utf-8")
    (folder / "v0003_20250103T000000_c.yaml").write_bytes(b"# x\n" * (MAX_FILE_BYTES // 4 + 1))
    assert [v.number for v in list_versions(tmp_path, "k")] == [1]


def test_the_shipped_library_is_read_by_the_same_guarded_loader():
    library = load_library(None)
    assert len(library.kpis) > 50 and library.problems == []
    assert all(Path(origin.file).name.startswith("theme_") for origin in library.origin.values())
