"""The README's examples run as written: a reader pastes them, so a test does too."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.helpers.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _readme_command(starting: str) -> list[str]:
    """The README's inline example that starts with ``starting`` (between backticks)."""
    match = re.search(r"`(" + re.escape(starting) + r"[^`]*)`", README)
    assert match, f"README.md has no example starting {starting!r}"
    return shlex.split(" ".join(match.group(1).split()))


def test_the_render_example_renders_with_the_readme_org_mapping(clean_env: Path) -> None:
    org_mapping = re.search(r"```yaml\n(version: 1\nextends: default\n.*?)```", README, re.S)
    assert org_mapping, "README.md lost its org mapping example"
    (clean_env / "my-org.yaml").write_text(org_mapping.group(1), encoding="utf-8")
    (clean_env / "PAYLOAD").write_bytes((ROOT / "examples" / "kombo_application.json").read_bytes())
    command = _readme_command("asymbl-sf render PAYLOAD --mapping my-org.yaml")

    result = run_cli(*command[1:])

    assert result.exit_code == 0, result.stderr
    assert '"LeadSource": "Website"' in result.stdout  # the org mapping's own field took effect
