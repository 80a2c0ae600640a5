"""What an installed asymbl-sf declares about itself: version, typing marker, dependencies, and a
pytest plugin that says what it needs."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import metadata, version
from pathlib import Path

import pytest

import asymbl_sf
from asymbl_sf.errors import ConfigurationError
from asymbl_sf.localorg import LocalOrg, pytest_plugin

ROOT = Path(__file__).resolve().parents[1]
#: What the installed distribution declares (read from its metadata: pyproject.toml as built).
METADATA = metadata("asymbl-sf")

#: Import names whose distribution names differ (pydantic_core ships pinned by pydantic).
DISTRIBUTION_OF = {
    "jwt": "pyjwt",
    "yaml": "pyyaml",
    "dotenv": "python-dotenv",
    "pydantic_core": "pydantic",
}


def test_version_comes_from_the_package_metadata() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert asymbl_sf.__version__ == version("asymbl-sf")
    assert f'version = "{asymbl_sf.__version__}"' in pyproject


def test_the_package_is_marked_as_typed() -> None:
    assert (ROOT / "asymbl_sf" / "py.typed").is_file()


def test_project_urls_and_python_classifiers_are_declared() -> None:
    urls = {entry.split(",")[0] for entry in METADATA.get_all("Project-URL") or []}
    assert {"Homepage", "Documentation", "Changelog", "Issues"} <= urls
    classifiers = METADATA.get_all("Classifier") or []
    for minor in ("3.10", "3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {minor}" in classifiers
    assert METADATA["Requires-Python"] == ">=3.10"


def _third_party_imports() -> set[str]:
    stdlib = set(sys.stdlib_module_names)
    found: set[str] = set()
    for path in (ROOT / "asymbl_sf").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in stdlib and top != "asymbl_sf":
                    found.add(top)
    return found


def test_every_imported_distribution_is_declared_with_a_lower_bound() -> None:
    declared = {}
    for requirement in METADATA.get_all("Requires-Dist") or []:
        if "extra ==" in requirement:
            continue
        name, _, bound = requirement.partition(">=")
        declared[name.strip().lower()] = bound
    # The plugin's `responses` and pytest belong to the test extra, asked for where used.
    optional = {"responses", "pytest"}
    for module in _third_party_imports() - optional:
        distribution = DISTRIBUTION_OF.get(module, module).lower().replace("_", "-")
        assert distribution in declared, f"{module} is imported but not declared"
        assert declared[distribution], f"{distribution} has no lower bound"


def test_the_plugin_names_the_install_line_when_responses_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "responses", None)  # makes `import responses` fail
    with pytest.raises(pytest.fail.Exception, match=r"pip install 'asymbl-sf\[test\]'"):
        pytest_plugin.require_responses()
    with pytest.raises(ConfigurationError, match=r"asymbl-sf\[test\]"), LocalOrg():
        pass
