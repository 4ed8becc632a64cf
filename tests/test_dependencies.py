"""Every third-party module the application imports is installed by `pip install .`: declared in
pyproject.toml, or required by a declared distribution (click and werkzeug come with Flask)."""
import ast
import importlib.metadata as metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;(]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _closure(names: set[str]) -> set[str]:
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [_name(r) for r in requires if "extra ==" not in r]
    return seen


def test_every_imported_distribution_is_declared():
    imported = set()
    for path in (ROOT / "portfolio").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m != "portfolio"}
    declared = {_name(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    installed_by_us = _closure(declared)
    distributions = metadata.packages_distributions()
    missing = {module: distributions.get(module) for module in third_party
               if not any(_name(d) in installed_by_us for d in distributions.get(module, []))}
    assert missing == {}, f"imported but not declared in pyproject.toml: {missing}"
