"""The generic layers name no kind of data (issue 13: "fit, forecast and the CLI contain no
domain names").

The source of :mod:`idff_ts.fitting`, :mod:`idff_ts.forecast`, :mod:`idff_ts.evaluate`,
:mod:`idff_ts.forecasting` and :mod:`idff_ts.cli` is read with :mod:`ast` (nothing is run).
Every identifier (names, attributes, function, class and argument names, imported names) and
every string constant, docstrings included (a command's docstring is its ``--help`` text), is
cut into words; no word may be a domain word. Comments are not part of the AST and are not
checked. (Citing a paper's metric, such as DYffusion's spread-skill ratio, is not a domain
word.) Domain words are a fixed list of what the package's domains are about, plus the name
of every registered domain except the generic fallback and every one-word task name, so a
domain added later is covered without editing this list.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "idff_ts"
GENERIC = ["fitting.py", "forecast.py", "evaluate.py", "forecasting", "cli"]

DOMAIN_WORDS = {
    "sst", "oisst", "noaa", "tile", "tiles", "box", "boxes", "angle", "angles", "dihedral",
    "dihedrals", "polyala", "ala2", "md", "molecular", "lorenz", "lorenz63", "rossler",
    "attractor", "attractors",
}


def generic_files() -> list[Path]:
    files: list[Path] = []
    for name in GENERIC:
        path = PACKAGE / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def registered_words() -> set[str]:
    """Names of the registered domains (not the generic fallback) and one-word task names."""
    from idff_ts.domains import domains
    from idff_ts.tasks import TASKS

    named = [d.name for d in domains()[:-1]]
    return {w.lower() for w in named + [t for t in TASKS if re.fullmatch(r"\w+", t)]}


def words(text: str) -> set[str]:
    """``is_sst_model`` / ``'--box 84'`` / ``OISSTFile`` → lower-case words (a Markdown file
    name such as ``method.md`` is not the word ``md``)."""
    text = re.sub(r"\.\{?md\b", " ", text)
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return {w.lower() for w in re.split(r"[^A-Za-z0-9]+|_", spaced) if w}


def named_things(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of every identifier and string constant in ``tree``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Name):
            found.append((line, node.id))
        elif isinstance(node, ast.Attribute):
            found.append((line, node.attr))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.append((line, node.name))
        elif isinstance(node, ast.arg):
            found.append((line, node.arg))
        elif isinstance(node, ast.keyword) and node.arg:
            found.append((line, node.arg))
        elif isinstance(node, ast.alias):
            found.append((line, node.asname or node.name))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((line, node.value))
    return found


def domain_words_in(source: str) -> list[str]:
    forbidden = DOMAIN_WORDS | registered_words()
    return [f"line {line}: {sorted(words(text) & forbidden)} in {text[:60]!r}"
            for line, text in named_things(ast.parse(source))
            if words(text) & forbidden]


@pytest.mark.parametrize("path", generic_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_generic_module_names_no_domain(path):
    hits = domain_words_in(path.read_text(encoding="utf-8"))
    assert not hits, f"{path.relative_to(PACKAGE.parent)} names a kind of data:\n" + "\n".join(hits)


def test_the_check_finds_domain_words():
    """The checker itself: identifiers, attributes, arguments, strings and docstrings."""
    source = '''
"""Forecast OISST tiles."""
def route(model, angles=None):
    if model.is_sst_model:
        return "--box 84"
    return LorenzSolver(ala2=1)
'''
    hits = "\n".join(domain_words_in(source))
    for word in ("oisst", "tiles", "angles", "sst", "box", "lorenz", "ala2"):
        assert f"'{word}'" in hits, word
    assert domain_words_in('"""Generic: series in, ensemble out."""\nx = fit(data)\n') == []
    assert "md" in words("data/md.py") and "md" not in words("see method.md, x.{md,csv}")
    assert "series" not in registered_words()
    assert {"sst", "md", "polyala"} <= registered_words()
