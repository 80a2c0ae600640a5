"""The layers of docs/architecture.md hold: imports run one way, with no cycle between packages
and none hidden behind ``TYPE_CHECKING``."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "asymbl_sf"

#: What each package may import (besides itself, ``errors`` and the standard library). Read
#: from the top: the CLI over the client, the client over the actions, the actions over the
#: write core, the core over mapping, reading and the Salesforce layer.
ALLOWED: dict[str, set[str]] = {
    "__init__": {"*"},
    "cli": {"*"},
    "client": {
        "flows",
        "importing",
        "fixes",
        "reading",
        "checks",
        "writes",
        "mapping",
        "models",
        "salesforce",
        "schema",
        "state",
        "attachments",
    },
    "connect": {"client", "mapping", "salesforce", "schema", "localorg"},
    "flows": {
        "writes",
        "reading",
        "mapping",
        "models",
        "salesforce",
        "schema",
        "attachments",
        "state",
    },
    "importing": {
        "writes",
        "mapping",
        "models",
        "salesforce",
        "schema",
        "state",
        "attachments",
        "yaml_document",
        "spreadsheet",
    },
    "fixes": {
        "writes",
        "importing",
        "reading",
        "mapping",
        "models",
        "salesforce",
        "schema",
        "state",
        "dedupe",
        "checks",
    },
    "checks": {"mapping", "reading", "salesforce", "schema", "models", "yaml_document"},
    "writes": {
        "mapping",
        "models",
        "reading",
        "salesforce",
        "schema",
        "state",
        "attachments",
        "dedupe",
    },
    "reading": {
        "salesforce",
        "schema",
        "state",
        "yaml_document",
        "mapping",
        "models",
        "spreadsheet",
    },
    "mapping": {"models", "schema", "yaml_document"},
    "models": {"schema"},
    "attachments": {"salesforce", "models", "schema"},
    "salesforce": {"schema"},
    "state": {"schema"},
    "schema": set(),
    "localorg": {"schema", "salesforce", "state"},
    "dedupe": set(),
    "spreadsheet": set(),
    # A YAML file's problems are worded like a payload's (models.problems).
    "yaml_document": {"models"},
    "errors": set(),
}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_of(path: Path) -> str:
    relative = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    """Package → the asymbl_sf packages its modules import (at any depth, ``TYPE_CHECKING``
    blocks included: a cycle hidden there is still a cycle)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        module = _module_of(path)
        package = _package(module)
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".")
                    base = base if is_package else base[:-1]
                    base = base[: len(base) - node.level + 1]
                    targets = [".".join([*base, *([node.module] if node.module else [])])]
                else:
                    targets = [node.module or ""]
            for target in targets:
                if target.startswith("asymbl_sf.") or target == "asymbl_sf":
                    other = _package(target)
                    if other not in (package, "__init__"):
                        edges[package].add(other)
    return edges


def test_every_package_imports_only_the_layers_below_it() -> None:
    wrong = []
    for package, targets in sorted(_imports().items()):
        allowed = ALLOWED.get(package)
        assert allowed is not None, f"asymbl_sf.{package} is missing from the layer table"
        if "*" in allowed:
            continue
        for target in sorted(targets - allowed - {"errors"}):
            wrong.append(f"asymbl_sf.{package} imports asymbl_sf.{target}")
    assert wrong == [], "\n".join(wrong)


def test_no_two_packages_import_each_other() -> None:
    edges = _imports()
    cycles = sorted(
        f"{a} <-> {b}"
        for a, targets in edges.items()
        for b in targets
        if a < b and a in edges.get(b, set())
    )
    assert cycles == []


def test_the_library_reaches_the_local_org_only_through_connect_and_the_cli() -> None:
    users = sorted(p for p, targets in _imports().items() if "localorg" in targets)
    assert users == ["cli", "connect"]
