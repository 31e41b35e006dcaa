"""The part of the import contract that import-linter cannot state: ``dashboard.py`` is a module, not a
package, so it cannot take it as a root. It sits on top with ``cli``: no package imports either front door,
and the dashboard never imports the synthetic world. (The layers themselves: ``make lint`` runs
``lint-imports``.)
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "data", "embeddings", "matching", "recommender", "app", "evaluation", "bench")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_package_imports_the_front_doors() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(hits)
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if (hits := {n for n in _imports(path) if n.split(".")[0] in {"cli", "dashboard"}})
    }
    assert not offenders, f"packages import the front doors (move the shared code down): {offenders}"


def test_dashboard_never_imports_the_synthetic_world() -> None:
    assert not {n for n in _imports(ROOT / "dashboard.py") if n.startswith("data.synthetic")}


def test_lint_runs_the_contract_on_every_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert sorted(config["root_packages"]) == sorted((*PACKAGES, "cli"))
    assert "lint-imports" in (ROOT / "Makefile").read_text(encoding="utf-8")
