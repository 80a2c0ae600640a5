"""A payload cannot drive the admin's terminal: control characters in values quoted back (in
messages on stderr, in results files, in tables) are written as escapes, and JSON on stdout
carries them as ``\\u`` escapes that decode to the same values.

ESC [ 2 J clears the screen and ESC [ 1 ; 1 H moves to its top, so a value holding both, then
"all good", would print a forged line over the real summary."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from asymbl_sf.cli.funnel import funnel_view
from asymbl_sf.errors import Problem, json_visible, visible
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.models.problems import echo
from asymbl_sf.reading.pipeline import JobFunnel, StageCount
from tests.helpers.cli import run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kombo_application.json"
JOB = "remote:Registered Nurse"
FORGED = "\x1b[2J\x1b[1;1Hall good"
#: What a terminal acts on: ESC, BEL, CR, CSI (C1) and a right-to-left override.
ACTIVE = ("\x1b", "\x07", "\r", "\x9b", "\u202e")

pytestmark = pytest.mark.usefixtures("clean_env")


def assert_inert(text: str) -> None:
    assert not any(char in text for char in ACTIVE), repr(text)


def test_values_quoted_in_messages_are_escaped() -> None:
    assert echo(f"x{FORGED}") == "'x\\x1b[2J\\x1b[1;1Hall good'"
    problem = Problem("candidate.first_name", f"bad {FORGED}\r\u202e", source="in\x07.json")
    assert_inert(str(problem))
    assert "\\x1b[2J" in str(problem) and "\\u202e" in str(problem)
    assert visible("two\nlines\x1b", keep="\n") == "two\nlines\\x1b"


def test_a_message_on_stderr_never_carries_an_escape_sequence(clean_env: Path) -> None:
    name = f"cv{FORGED}.json"
    result = run_cli("create-application", name, "--job-id", JOB)
    assert result.exit_code == 1
    assert_inert(result.stderr)
    assert "no such file: cv\\x1b[2J\\x1b[1;1Hall good.json" in result.stderr
    unknown = run_cli("create-application", str(EXAMPLE), "--job-id", f"remote:Nurse{FORGED}")
    assert unknown.exit_code == 1
    assert_inert(unknown.stderr)


def payload(**candidate: str) -> dict[str, object]:
    body = json.loads(EXAMPLE.read_text())
    body["candidate"].update(candidate)
    return body


@pytest.mark.parametrize("results", ["out.jsonl", "out.csv"])
def test_results_files_and_the_summary_are_inert(clean_env: Path, results: str) -> None:
    rows = [
        payload(email_address=f"bad{FORGED}\u202e@x"),
        payload(email_address="ok@example.com", first_name=f"Ann{FORGED}\x9b"),
    ]
    source = clean_env / "apps.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run_cli("import", str(source), "--job-id", JOB, "--results", results)
    assert result.exit_code == 1
    assert_inert(result.stderr)
    text = (clean_env / results).read_text(encoding="utf-8-sig")
    assert_inert(text)
    assert "bad\\\\x1b[2J" in text if results.endswith(".jsonl") else "bad\\x1b[2J" in text


def test_json_on_stdout_escapes_what_a_terminal_acts_on_and_decodes_the_same(
    clean_env: Path,
) -> None:
    # ESC itself is refused in a name (tests/security/test_control_characters.py); C1 and bidi
    # controls are stored, and must reach stdout escaped.
    first_name = "Ann\x9b2J\u202eeL"
    (clean_env / "p.json").write_text(json.dumps(payload(first_name=first_name)))
    result = run_cli("create-application", "p.json", "--job-id", JOB, "--json")
    assert result.exit_code == 0, result.stderr
    assert_inert(result.stdout)
    assert json.loads(result.stdout)["data"]["candidate"]["first_name"] == first_name
    raw = json.dumps({"v": "\x85\u2028\x9b"}, ensure_ascii=False)
    assert json.loads(json_visible(raw)) == {"v": "\x85\u2028\x9b"}


def test_a_job_name_can_neither_drive_the_terminal_nor_break_the_funnel_table() -> None:
    name = f"[/]{FORGED}[bold]"
    funnel = JobFunnel(
        id="a0J000000000001AAA",
        name=name,
        status="Open",
        stages=[StageCount("a0S000000000001AAA", f"Screen[/]{FORGED}", 1, "Screen", 2, 1)],
    )
    out = io.StringIO()
    Console(file=out, force_terminal=True, width=80, color_system=None).print(
        funnel_view([funnel], 80)
    )
    assert_inert(out.getvalue())
    assert "[/]\\x1b[2J" in out.getvalue()


def test_read_output_escapes_c1_controls(clean_env: Path, org_arg: str) -> None:
    local = LocalOrg(org_arg.removeprefix("local:"))
    local.backend.create("Contact", {"LastName": "Lee\x9b2J\u202e", "Email": "l@x.com"})
    local.folder.save(local.backend)  # type: ignore[union-attr]
    result = run_cli("read", "candidates", "--all-contacts", "--org", org_arg)
    assert result.exit_code == 0, result.stderr
    assert_inert(result.stdout)
    assert json.loads(result.stdout.splitlines()[0])["last_name"] == "Lee\x9b2J\u202e"
