"""The habits of admins who live in the sf CLI and Data Loader: their sf logins, one --json,
error files to fix and reload, spreadsheet-safe CSV, usage errors as exit code 2, and output for
a terminal or a pipe."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from asymbl_sf.cli import output
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.org import SESSION_ID
from tests.helpers.cli import run_cli

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "kombo_application.json")
JOB = "remote:Registered Nurse"
COLUMNS = "columns:\n  Email: candidate.email_address\n  First: candidate.first_name\n" + (
    "  Last: candidate.last_name\n  Job: job_id\n"
)

pytestmark = pytest.mark.usefixtures("clean_env")


# -- --target-org: the logins of the sf CLI ---------------------------------------------------


def fake_sf(folder: Path, monkeypatch: pytest.MonkeyPatch, answers: dict[str, object]) -> None:
    """An ``sf`` on PATH answering ``sf org display --target-org ALIAS --json`` from
    ``answers`` (alias → the JSON document; absent: sf's "no such org" error)."""
    folder.mkdir(exist_ok=True)
    script = folder / "sf"
    script.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import json, sys
            answers = {json.dumps(answers)!r}
            alias = sys.argv[sys.argv.index("--target-org") + 1]
            found = json.loads(answers).get(alias)
            if found is None:
                print(json.dumps({{"status": 1, "name": "NamedOrgNotFoundError",
                                  "message": f"No authorization information found for {{alias}}.",
                                  "exitCode": 1}}))
                sys.exit(1)
            print(json.dumps(found))
            """
        )
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")


def connected(org: LocalOrg, status: str = "Connected") -> dict[str, object]:
    return {
        "status": 0,
        "result": {
            "id": "00Dxx0000000001EAA",
            "accessToken": SESSION_ID,
            "instanceUrl": org.instance_url,
            "username": "admin@acme.example",
            "connectedStatus": status,
            "alias": "acme",
        },
    }


def test_target_org_uses_the_sf_cli_login(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalOrg() as org:  # answers the instance URL sf gives, through the mocked transport
        fake_sf(tmp_path / "bin", monkeypatch, {"acme": connected(org)})
        result = run_cli("pipeline", "--target-org", "acme")
        assert result.exit_code == 0, result.stderr
        assert [j["name"] for j in json.loads(result.stdout)["jobs"]] == [
            "Registered Nurse",
            "Senior Backend Engineer",
        ]
        monkeypatch.setenv("SF_TARGET_ORG", "acme")  # as the sf CLI's own variable does
        assert run_cli("pipeline", "-o", "acme").exit_code == 0
        assert run_cli("pipeline").exit_code == 0


@pytest.mark.parametrize(
    ("setup", "wanted"),
    [
        ("no sf", "no 'sf' is on PATH: install it"),
        ("unknown", "the sf CLI knows no org 'acme'"),
        ("expired", "the sf CLI's login to acme is no longer valid (RefreshTokenAuthError)"),
    ],
)
def test_each_sf_login_problem_is_one_line_saying_what_to_run(
    setup: str, wanted: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LocalOrg() as org:
        if setup == "no sf":
            monkeypatch.setenv("PATH", str(tmp_path / "empty"))
        else:
            answers = (
                {} if setup == "unknown" else {"acme": connected(org, "RefreshTokenAuthError")}
            )
            fake_sf(tmp_path / "bin", monkeypatch, answers)
        result = run_cli("pipeline", "--target-org", "acme")
    assert result.exit_code == 1
    assert wanted in result.stderr
    assert "sf org login web --alias acme" in result.stderr
    assert "Traceback" not in result.stderr


def test_target_org_and_org_together_are_refused(org_arg: str) -> None:
    result = run_cli("pipeline", "--org", org_arg, "--target-org", "acme")
    assert result.exit_code == 1 and "give one of them" in result.stderr


# -- one output switch -------------------------------------------------------------------------


def test_a_terminal_gets_lines_a_pipe_gets_json(
    org_arg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    piped = run_cli("create-application", EXAMPLE, "--job-id", JOB, "--org", org_arg)
    assert json.loads(piped.stdout)["status"] == "success"
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    shown = run_cli("create-application", EXAMPLE, "--job-id", JOB, "--org", org_arg)
    assert shown.stdout == "" and "application" in shown.stderr
    asked = run_cli("create-application", EXAMPLE, "--job-id", JOB, "--org", org_arg, "--json")
    assert json.loads(asked.stdout)["status"] == "success"


def test_json_failures_are_an_envelope_like_sf(org_arg: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nextends: default\nobjects:\n  Contact:\n    fields: 3\n")
    result = run_cli("check", "--mapping", str(bad), "--org", org_arg, "--json")
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert (body["status"], body["exitCode"], body["name"]) == (1, 1, "MappingError")
    assert "bad.yaml" in body["message"] and body["problems"][0]["line"] == 5


def test_quiet_keeps_errors_and_verbose_shows_each_api_call(org_arg: str) -> None:
    quiet = run_cli("create-application", EXAMPLE, "--job-id", JOB, "--org", org_arg, "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    # Without credentials or --org, the "using the local org" note is quieted too.
    unnamed = run_cli("create-application", EXAMPLE, "--job-id", JOB, "-q")
    assert unnamed.exit_code == 0 and unnamed.stderr == ""
    assert "using the local org" in run_cli("create-application", EXAMPLE, "--job-id", JOB).stderr
    verbose = run_cli("create-application", EXAMPLE, "--job-id", JOB, "--org", org_arg, "-v")
    assert "asymbl-sf: API call 1: composite" in verbose.stderr
    failing = run_cli("create-application", "missing.json", "--org", org_arg, "-q")
    assert failing.exit_code == 1 and "no such file: missing.json" in failing.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["import", "x.jsonl", "--api", "soap"],
        ["import", "x.jsonl", "--format", "xml"],
        ["read", "jobs", "--format", "xml"],
        ["create-candidate", EXAMPLE, "--on-existing", "maybe"],
        ["duplicates", "--survivor", "tallest"],
        ["update", "Contact", "--where", "x", "--set", "a=b", "--api", "soap"],
        ["create-application", EXAMPLE, "--dialect", "workday"],
        ["import", "x.jsonl", "--no-such-option"],
    ],
)
def test_a_bad_option_value_is_a_usage_error_on_every_command(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.exit_code == 2, result.stderr


def test_version_and_short_help() -> None:
    from asymbl_sf import __version__

    assert run_cli("--version").stdout.strip() == f"asymbl-sf {__version__}"
    assert "Usage" in run_cli("import", "-h").stdout


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    org = tmp_path / "org"
    local = LocalOrg(org)
    for n in range(3_000):
        local.backend.create("Contact", {"LastName": f"C{n}", "Email": f"c{n}@x.com"})
    local.folder.save(local.backend)  # type: ignore[union-attr]
    command = f"{sys.executable} -c 'from asymbl_sf.cli.app import main; main()' read candidates --all-contacts --org local:{org} | head -1"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=False)
    assert done.stdout.count("\n") == 1
    assert done.stderr == ""


# -- error files and CSV an admin opens in a spreadsheet --------------------------------------


def test_failed_csv_rows_go_to_an_errors_file_to_fix_and_import_again(
    org_arg: str, tmp_path: Path
) -> None:
    (tmp_path / "columns.yaml").write_text(COLUMNS)
    source = tmp_path / "apps.csv"
    source.write_text(
        "Email,First,Last,Job\n"
        "a@example.com,Ann,Lee,remote:Registered Nurse\n"
        "not-an-email,Bo,Ray,remote:Registered Nurse\n"
        "c@example.com,Cy,,remote:Registered Nurse\n"
    )
    args = ["--column-map", str(tmp_path / "columns.yaml"), "--org", org_arg]
    first = run_cli("import", str(source), *args)
    assert first.exit_code == 1
    errors = tmp_path / "apps.csv.errors.csv"
    assert f"errors: {errors}" in first.stderr
    text = errors.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffEmail,First,Last,Job,error\r\n")  # Excel: UTF-8, CRLF
    rows = text.splitlines()[1:]
    assert [r.split(",")[:4] for r in rows] == [
        ["not-an-email", "Bo", "Ray", "remote:Registered Nurse"],
        ["c@example.com", "Cy", "", "remote:Registered Nurse"],
    ]
    assert "candidate.email_address" in rows[0] and "candidate.last_name" in rows[1]
    # The admin fixes the cells in a spreadsheet and imports the file of errors itself.
    errors.write_text(
        "\ufeffEmail,First,Last,Job,error\r\nb@example.com,Bo,Ray,remote:Registered Nurse,x\r\n"
        "c@example.com,Cy,Moss,remote:Registered Nurse,y\r\n",
        encoding="utf-8",
    )
    again = run_cli("import", str(errors), *args)
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["outcomes"] == {"created": 2}


def test_results_follow_the_extension_asked_for_and_stay_csv_on_retry(
    org_arg: str, tmp_path: Path
) -> None:
    source = tmp_path / "apps.jsonl"
    lines = [
        {"candidate": {"first_name": "A", "last_name": "B", "email_address": "a@x.com"}},
        {"candidate": {"first_name": "C", "last_name": "", "email_address": "c@x.com"}},
    ]
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    results = tmp_path / "out.csv"
    run_cli("import", str(source), "--job-id", JOB, "--results", str(results), "--org", org_arg)
    assert results.read_text(encoding="utf-8-sig").startswith("line,source_id,outcome")
    retry = run_cli(
        "import", str(source), "--job-id", JOB, "--retry-from", str(results), "--org", org_arg
    )
    assert json.loads(retry.stdout)["results_path"].endswith(".csv")


def test_cells_that_would_run_as_formulas_are_made_text(org_arg: str, tmp_path: Path) -> None:
    local = LocalOrg(org_arg.removeprefix("local:"))
    sf = local.salesforce()
    sf.Contact.create({"LastName": '=HYPERLINK("http://evil.example","click")', "Email": "e@x.com"})
    out = tmp_path / "candidates.csv"
    result = run_cli(
        "read", "candidates", "--all-contacts", "--format", "csv", "--output", str(out),
        "--org", org_arg,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_a_tsv_input_is_read_with_tabs(org_arg: str, tmp_path: Path) -> None:
    (tmp_path / "columns.yaml").write_text(COLUMNS)
    source = tmp_path / "apps.tsv"
    source.write_text("Email\tFirst\tLast\tJob\na@example.com\tAnn\tLee\tremote:Registered Nurse\n")
    result = run_cli(
        "import", str(source), "--column-map", str(tmp_path / "columns.yaml"), "--org", org_arg
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["outcomes"] == {"created": 1}


# -- the local org's commands ------------------------------------------------------------------


def test_org_commands_take_org_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "mine"
    assert run_cli("org", "init", "--org", f"local:{folder}").exit_code == 0
    assert (folder / "state.json").exists()
    monkeypatch.setenv("ASYMBL_SF_ORG", f"local:{folder}")
    shown = run_cli("org", "show")
    assert json.loads(shown.stdout)["path"] == str(folder)
    wrong = run_cli("org", "show", "--org", "acme")
    assert wrong.exit_code == 1 and "not one" in wrong.stderr


def test_org_reset_refuses_a_folder_that_holds_no_org_and_keeps_other_files(
    tmp_path: Path,
) -> None:
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    refused = run_cli("org", "reset", "--path", str(precious), "-y")
    assert refused.exit_code == 1 and "holds no local org" in refused.stderr
    assert (precious / "thesis.txt").read_text() == "years of work"
    org = tmp_path / "org"
    run_cli("org", "init", "--path", str(org))
    (org / "notes.md").write_text("mine")
    assert run_cli("org", "reset", "--path", str(org), "-y").exit_code == 0
    assert (org / "notes.md").read_text() == "mine" and (org / "state.json").exists()


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("", "state.json is empty"),
        ('{"tables": {"Contact": [', "state.json is not complete JSON"),
        ('{"counters": {}}', "holds no record tables"),
        (None, "state.json is missing, but the folder still holds the org's usage.json"),
    ],
)
def test_a_damaged_local_org_is_named_never_started_over(
    tmp_path: Path, damage: str | None, said: str
) -> None:
    org = tmp_path / "org"
    run_cli("org", "init", "--path", str(org))
    if damage is None:
        (org / "state.json").unlink()
    else:
        (org / "state.json").write_text(damage)
    for args in (["org", "show", "--path", str(org)], ["pipeline", "--org", f"local:{org}"]):
        result = run_cli(*args)
        assert result.exit_code == 1, args
        assert said in result.stderr and "org reset" in result.stderr
        assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    assert not (org / "state.json").exists() or damage is not None  # nothing started over
