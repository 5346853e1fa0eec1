"""Runtime dependencies are the ones the library imports: none unused, none test-only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")

ROOT = Path(__file__).resolve().parents[1]
TEST_ONLY = {"properscoring"}  # oracles of the tests and benchmarks (dev / bench extras)
UNUSED = {"h5netcdf"}


def _library_imports() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "idff_ts").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value in UNUSED:  # e.g. engine="h5netcdf"
                    names.add(node.value)
    return names


def _requirements(section: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[ ;]", req, maxsplit=1)[0].lower() for req in section}


def test_library_does_not_import_test_only_or_unused_packages():
    assert not (_library_imports() & (TEST_ONLY | UNUSED))


def test_runtime_dependencies_exclude_them_and_the_extras_carry_properscoring():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _requirements(project["dependencies"])
    assert not runtime & (TEST_ONLY | UNUSED)
    extras = project["optional-dependencies"]
    for extra in ("dev", "bench"):
        assert TEST_ONLY <= _requirements(extras[extra]), extra
