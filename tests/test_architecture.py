"""The shape of the code: SQL lives in the store only, and the koers modules import each other
without a cycle. (That only the store imports duckdb, and pages never the store: tests/test_app.py.)"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import ROOT

KOERS = ROOT / "koers"
CODE = sorted([*KOERS.rglob("*.py"), *(ROOT / "pages").glob("*.py"), *(ROOT / "metrics").rglob("*.py"),
               ROOT / "app.py", ROOT / "serve.py"])
# SQL text as it would be written in a string: a query, a statement that writes, a transaction.
SQL = re.compile(r"\bSELECT\b[\s\S]*\bFROM\b|\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+)?(?:TABLE|VIEW|SEQUENCE)\b"
                 r"|\bINSERT\s+(?:OR\s+REPLACE\s+)?INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+\w+\s+SET\b|\bDROP\s+(?:TABLE|VIEW)\b"
                 r"|\bALTER\s+TABLE\b|\b(?:BEGIN\s+TRANSACTION|COMMIT|ROLLBACK|CHECKPOINT)\b|\bPIVOT\b.*\bUSING\b")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in KOERS.rglob("*.py")}


def _strings(tree: ast.AST) -> list[str]:
    """Every string constant, also the parts of f-strings."""
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_the_code_was_found():
    assert len(CODE) > 40 and len(MODULES) > 40 and "koers.store" in MODULES and "koers.store.kpi_query" in MODULES


def test_no_module_outside_the_store_holds_sql():
    holding = {}
    for path in CODE:
        if path.is_relative_to(KOERS / "store"):
            continue
        found = [text for text in _strings(ast.parse(path.read_text(encoding="utf-8"))) if SQL.search(text)]
        if found:
            holding[str(path.relative_to(ROOT))] = found[0][:80]
    assert not holding, holding


def test_the_sql_check_recognises_sql():
    store_sql = [text for path in (KOERS / "store").glob("*.py")
                 for text in _strings(ast.parse(path.read_text(encoding="utf-8"))) if SQL.search(text)]
    assert len(store_sql) > 50
    assert not SQL.search("select a municipality from the list; commit to a target")  # prose in lower case


def _type_checking_only(tree: ast.AST) -> set[int]:
    """The ids of nodes under `if TYPE_CHECKING:` (imports for annotations only)."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            guarded |= {id(sub) for statement in node.body for sub in ast.walk(statement)}
    return guarded


def import_graph() -> dict[str, set[str]]:
    """koers module -> the koers modules it imports, at module level or inside functions (both run
    sooner or later), but not those imported for type checking only."""
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_only(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                edges |= {alias.name for alias in node.names if alias.name in MODULES}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([node.module] if node.module else []))
                for alias in node.names:  # `from koers.store import staging` names a module
                    target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                    if target in MODULES:
                        edges.add(target)
        graph[name] = edges - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (as the modules along it), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                return path[path.index(imported):] + [imported]
            if imported not in state and (found := visit(imported)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_koers_modules_import_each_other_without_a_cycle():
    graph = import_graph()
    assert graph["koers.kpis.evaluate"] >= {"koers.store", "koers.kpis.formula"}  # the graph is read at all
    assert "koers.store" not in graph["koers.access"]
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_check_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]


# A module a newcomer can read in one sitting, a function that fits on a screen.
MODULE_LINES, FUNCTION_LINES = 600, 80


def oversized(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > MODULE_LINES:
            found.append(f"{path.name}: {lines} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= FUNCTION_LINES:
                found.append(f"{path.name}: {node.name} has {node.end_lineno - node.lineno + 1} lines")
    return found


def test_no_module_over_600_lines_and_no_function_over_80():
    assert oversized(CODE) == []


def test_the_size_check_finds_a_long_function_and_a_long_module(tmp_path):
    long = tmp_path / "long.py"
    long.write_text("def f():\n" + "    x = 1\n" * FUNCTION_LINES, encoding="utf-8")
    assert oversized([long]) == ["long.py: f has 81 lines"]
    long.write_text("x = 1\n" * (MODULE_LINES + 1), encoding="utf-8")
    assert oversized([long]) == ["long.py: 601 lines"]
