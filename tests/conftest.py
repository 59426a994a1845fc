"""Shared fixtures: the real CBS data, and stores built from it in temporary folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The project's own copy in data/ is what ships; ../shared/data is the original it was copied from.
DATA = ROOT / "data"
CBS = DATA / "cbs"

sys.path.insert(0, str(ROOT))

from koers.access import LOCAL  # noqa: E402
from koers.sources import cbs_odata3, cbs_odata4  # noqa: E402
from koers.store import Store  # noqa: E402


def navigation() -> list[tuple[str, str, str, str]]:
    """The frame's navigation table (`NAVIGATION` in app.py), read without running the app:
    (file in pages/, title key, icon, url_path) per page, in order; the first is the default."""
    import ast

    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    table = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                 and any(getattr(target, "id", None) == "NAVIGATION" for target in node.targets))
    return [entry for entries in ast.literal_eval(table).values() for entry in entries]


@pytest.fixture(scope="session")
def cbs_dir() -> Path:
    return CBS


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo database, built once per test session; tests copy it before writing."""
    from koers.demo.build import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(path, loop_examples=False)  # the invented learning loop is tested on its own (test_demo_loop.py)
    return path


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL cluster for this test process (about 1 s to start)."""
    from tests.pg_cluster import Cluster

    cluster = Cluster()
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["duckdb", "postgresql"])
def shared_backend(request, monkeypatch, postgres_url_factory) -> str:
    """Run the test twice: what people write in the DuckDB file, and in PostgreSQL
    (`KOERS_DATABASE_URL`). A store opened on `demo_db` on PostgreSQL starts from what the demo
    file holds: `koers shared copy` put it there."""
    if request.param == "postgresql":
        postgres_url_factory(copy_from=request.getfixturevalue("demo_db"))
    return request.param


@pytest.fixture
def postgres_url_factory(request, monkeypatch):
    """`make(copy_from=None)`: a fresh schema of the test cluster as KOERS_DATABASE_URL, optionally
    holding what people wrote in a DuckDB file and the roles file (`koers shared copy`); its pool
    closed afterwards."""
    from koers.store import shared

    urls = []

    def make(copy_from: Path | None = None) -> str:
        cluster = request.getfixturevalue("postgres_cluster")
        url = cluster.new_schema(f"t{os.getpid()}_{len(urls)}_{abs(hash(request.node.nodeid)) % 10**8}")
        urls.append(url)
        monkeypatch.setenv("KOERS_DATABASE_URL", url)
        if copy_from is not None:
            import duckdb

            con = duckdb.connect(str(copy_from), read_only=True)
            try:
                from koers.roles import SHARED_DOCUMENT, roles_path

                roles = roles_path()  # as `koers shared copy` does: the roles file comes along
                documents = {SHARED_DOCUMENT: (roles.read_text(encoding="utf-8"), "test")} if roles.is_file() else {}
                with shared.postgres(url) as target, shared.shared_transaction(target):
                    shared.copy_into_postgres(con, target, documents)
            finally:
                con.close()
        return url

    yield make
    for url in urls:
        shared.close_pools(url)


@pytest.fixture(scope="session")
def demo_shared(demo_template, tmp_path_factory) -> Path:
    """One read-only copy of the demo database for every test that only reads it.

    The dashboard caches what it derives per database path: tests that share this path share
    those caches (per test process), so a page test on it does not evaluate the whole library
    again. The file is made read-only: a test that writes to it fails loudly instead of changing
    what the others see — such a test takes `demo_db`.
    """
    path = tmp_path_factory.mktemp("shared") / "koers.duckdb"
    shutil.copy(demo_template, path)
    path.chmod(0o444)
    return path


@pytest.fixture
def demo_db(demo_template, tmp_path) -> Path:
    path = tmp_path / "koers.duckdb"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture
def registry_store(tmp_path):
    """A writable store holding the registry and population from the real 03759ned responses."""
    with Store.open(tmp_path / "koers.duckdb") as store:
        store.commit_import(cbs_odata4.load(str(CBS / "03759ned")), actor=LOCAL)
        yield store


@pytest.fixture
def app_on(monkeypatch, tmp_path):
    """Start the dashboard in AppTest on a database, optionally on a page, with URL parameters.

    Own KPI definitions go to a temporary folder unless a test set KOERS_METRICS itself.
    """
    from streamlit.testing.v1 import AppTest

    def start(db: Path, page: Path | None = None, **query: str):
        monkeypatch.setenv("KOERS_DB", str(db))
        if "KOERS_METRICS" not in os.environ:
            monkeypatch.setenv("KOERS_METRICS", str(tmp_path / "metrics"))
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        if page is not None:
            at.switch_page(str(page.relative_to(ROOT)))
            at.run()
        assert not at.exception, at.exception
        return at

    return start


def run_cli(*args: str, db: Path | None = None, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m koers ...` in a subprocess, as a user or a script would run it."""
    full_env = {**os.environ, "KOERS_LANG": "en", **(env or {})}
    command = [sys.executable, "-m", "koers"] + (["--db", str(db)] if db else []) + list(args)
    return subprocess.run(command, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout)


def rendered(at) -> str:
    """Everything an AppTest page drew, as text: every element's message (labels, captions,
    messages, a table's cells in its Arrow bytes) and every table's cells once more as pandas shows them."""
    parts: list[str] = []

    def walk(node) -> None:
        if getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    parts += [d.value.to_string() for d in [*at.dataframe, *at.data_editor]]
    return "\n".join(parts)


def sparklines(block) -> list[dict[str, float | None]]:
    """The Overzicht sparklines drawn in `block` (an AppTest tree or part of it), in page order:
    per line its years and values (the SVG's `data-series`, None for a gap)."""
    import html
    import json
    import re

    found = []
    for element in block.markdown:
        match = re.search(r'class="koers-sparkline"[^>]* data-series="([^"]*)"', element.value)
        if match:
            found.append(json.loads(html.unescape(match.group(1))))
    return found


def markdown_tables(block) -> list:
    """The tables drawn as Markdown (`widgets.markdown_table`) in `block`, as DataFrames of the
    cells as a reader sees them: the escaping backslashes and link-breaking word joiners removed."""
    import re

    import pandas as pd

    def cells(line: str) -> list[str]:
        parts = re.split(r"(?<!\\)\|", line.strip())[1:-1]
        return [re.sub(r"\\(.)", r"\1", p.strip()).replace("\u2060", "") for p in parts]

    found = []
    for element in block.markdown:
        lines = element.value.splitlines()
        if len(lines) >= 2 and lines[0].startswith("| ") and re.fullmatch(r"\|( -{3}:? \|)+", lines[1]):
            found.append(pd.DataFrame([cells(line) for line in lines[2:]], columns=cells(lines[0])))
    return found


__all__ = ["run_cli", "rendered", "sparklines", "markdown_tables", "cbs_odata3", "cbs_odata4", "Store", "CBS", "DATA", "ROOT"]


# --- keeping the fast suite fast -------------------------------------------------------------------
# A test over this many seconds belongs in the slow suite (README, "Tests"). Not an assertion —
# machines are noisy — but a fast run names the unmarked ones at its end so they get marked.
LONG_TEST_SECONDS = 5.0
_long_tests: list[tuple[float, str]] = []


def pytest_runtest_logreport(report):
    if report.when == "call" and report.duration > LONG_TEST_SECONDS and "slow" not in report.keywords:
        _long_tests.append((report.duration, report.nodeid))


def pytest_terminal_summary(terminalreporter):
    if _long_tests:
        terminalreporter.write_sep("-", f"unmarked tests over {LONG_TEST_SECONDS:.0f} s: mark them slow?")
        for seconds, nodeid in sorted(_long_tests, reverse=True):
            terminalreporter.write_line(f"{seconds:6.1f} s  {nodeid}")


@pytest.fixture(autouse=True)
def _language_stays_as_it_was():
    """`koers.cli.main(["--lang", ...])` run in the test process sets KOERS_LANG for the process
    (as it should for a real command); a test must not leave it to the next one."""
    before = os.environ.get("KOERS_LANG")
    yield
    if before is None:
        os.environ.pop("KOERS_LANG", None)
    else:
        os.environ["KOERS_LANG"] = before
