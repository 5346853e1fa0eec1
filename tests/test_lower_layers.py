"""Layers point one way (architecture.md §2.10): metrics, backbones and training never import
the layers above them (domains, the public forecast / evaluate functions, the CLI), not even
inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "idff_ts"
LOWER = ("metrics", "nets", "training")
HIGHER = (
    "idff_ts.domains",
    "idff_ts.forecast",
    "idff_ts.evaluate",
    "idff_ts.cli",
    "idff_ts.tasks",
    "idff_ts.accessor",
    "idff_ts.sst",
)


def imported_modules(path: Path) -> list[str]:
    """Every module an ``import`` / ``from … import`` in ``path`` names (all nesting levels)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def is_higher(module: str) -> bool:
    """``idff_ts`` itself counts as higher: importing the package root loads the public API."""
    return module == "idff_ts" or any(
        module == h or module.startswith(h + ".") or module.startswith(h + "_") for h in HIGHER
    )


@pytest.mark.parametrize("layer", LOWER)
def test_lower_layers_import_nothing_above_them(layer):
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files, f"no files under {layer}"
    found = {
        str(f.relative_to(PACKAGE)): bad
        for f in files
        if (bad := [m for m in imported_modules(f) if is_higher(m)])
    }
    assert found == {}


def test_the_checker_sees_a_function_level_import(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from idff_ts.domains.sst import tiles\n", encoding="utf-8")
    assert any(is_higher(m) for m in imported_modules(source))
    source.write_text("from idff_ts.metrics.crps import crps_ensemble\n", encoding="utf-8")
    assert not any(is_higher(m) for m in imported_modules(source))
