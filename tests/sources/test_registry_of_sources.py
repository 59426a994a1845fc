"""Every importer is offered: each module of `koers.sources` with a `load` function declares a
`SOURCE`, `koers.sources.SOURCES` holds it, `koers import --help` lists it with its options, and
the Data page offers it when it declares an upload."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import koers.sources
from conftest import ROOT, run_cli
from koers import i18n
from koers.sources import SOURCES
from koers.sources.source import Source

PAGE = ROOT / "pages" / "data.py"


def importer_modules() -> dict[str, ModuleType]:
    """The modules (or packages) of `koers.sources` with a top-level `load` function: the importers."""
    found = {}
    for info in pkgutil.iter_modules(koers.sources.__path__):
        module = importlib.import_module(f"koers.sources.{info.name}")
        if inspect.isfunction(getattr(module, "load", None)):
            found[info.name] = module
    return found


MODULES = importer_modules()
UPLOADS = sorted((source for source in SOURCES if source.upload), key=lambda source: source.upload.order)


def test_the_importers_were_found():
    assert {"cbs_odata3", "cbs_odata4", "own_file", "statline_csv"} <= set(MODULES)
    assert len(SOURCES) == len(MODULES) and len(UPLOADS) >= 2


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_importer_declares_its_source(name: str):
    source = getattr(MODULES[name], "SOURCE", None)
    assert isinstance(source, Source), f"koers/sources/{name}: no SOURCE = Source(...)"
    assert source in SOURCES
    for lang in i18n.LANGUAGES:
        assert i18n.text(lang, source.title_key) != source.title_key, f"{source.title_key} missing in {lang}"


def test_names_and_places_are_distinct():
    for values in ([s.name for s in SOURCES], [s.order for s in SOURCES],
                   [s.upload.kind for s in UPLOADS], [s.upload.order for s in UPLOADS]):
        assert len(set(values)) == len(values), values


def test_each_source_is_an_import_command():
    listed = run_cli("import", "--help")
    assert listed.returncode == 0, listed.stderr
    assert "{" + ",".join(source.name for source in SOURCES) + "}" in listed.stdout
    for source in SOURCES:
        assert source.help in " ".join(listed.stdout.split()), source.name


@pytest.mark.parametrize("source", SOURCES, ids=lambda source: source.name)
@pytest.mark.slow
def test_each_import_command_takes_the_declared_arguments(source: Source):
    shown = run_cli("import", source.name, "--help")
    assert shown.returncode == 0, shown.stderr
    for argument in source.arguments:
        assert (argument.metavar or argument.name) in shown.stdout, argument.name


@pytest.mark.slow
def test_each_upload_is_a_choice_on_the_data_page(app_on, demo_db):
    at = app_on(demo_db, PAGE, taal="nl")
    kinds = at.segmented_control(key="data_kind")
    assert kinds.options == [i18n.text("nl", source.title_key) for source in UPLOADS]
    assert kinds.value == UPLOADS[0].upload.kind
    for source in UPLOADS:
        at.segmented_control(key="data_kind").set_value(source.upload.kind)
        at.run()
        assert not at.exception, at.exception
        assert at.file_uploader(key=f"data_file_{source.upload.kind}") is not None
        for field in source.upload.fields:
            drawn = at.selectbox(key=f"data_{field.name}") if field.choices else at.text_input(key=f"data_{field.name}")
            assert drawn is not None, field.name
