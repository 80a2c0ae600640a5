"""Run locks between processes: one holder at a time, the holder named, a killed holder's lock
free at once, waiting said once; and two imports at once on one org never duplicate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from asymbl_sf.localorg import LocalOrg
from asymbl_sf.state.locks import Holder, LockBusyError, RunLock, input_lock, org_write_lock

CLI = (sys.executable, "-c", "from asymbl_sf.cli.app import main; main()")
HOLD = (
    "import sys, time\n"
    "from asymbl_sf.state.locks import org_write_lock\n"
    "with org_write_lock('acme.my.salesforce.com', 'import of apps.jsonl').held():\n"
    "    print('held', flush=True)\n"
    "    time.sleep(float(sys.argv[1]))\n"
)


def hold_in_child(seconds: float) -> subprocess.Popen[str]:
    """Another process holding the org's write lock for ``seconds`` (started once it holds)."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    return child


def test_a_second_process_is_told_who_holds_the_lock() -> None:
    child = hold_in_child(30)
    try:
        lock = org_write_lock("acme.my.salesforce.com", "update Contact")
        with pytest.raises(LockBusyError) as caught:
            lock.acquire(wait=0)
        holder = caught.value.holder
        assert holder is not None and holder.pid == child.pid
        assert holder.what == "import of apps.jsonl"
        assert f"pid {child.pid}" in str(caught.value) and "wait for it to finish" in str(
            caught.value
        )
    finally:
        child.kill()
        child.wait()


def test_a_holder_that_has_not_written_its_name_yet_is_still_named(tmp_path: Path) -> None:
    # The holder takes the lock, then writes its name: a run losing the race by a hair reads an
    # empty file, and must wait that moment instead of saying "another run".
    fcntl = pytest.importorskip("fcntl")  # the holder side is played with flock directly

    path = tmp_path / "org.write.lock"
    handle = open(path, "a+b")  # noqa: SIM115
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    holder = Holder(4242, "build-7", "2026-12-05T10:15:02Z", "import of apps.jsonl")

    def write_name_late() -> None:
        time.sleep(0.1)
        handle.write(json.dumps(holder.__dict__).encode())
        handle.flush()

    writer = threading.Thread(target=write_name_late)
    writer.start()
    try:
        with pytest.raises(LockBusyError) as caught:
            RunLock(path, "update Contact").acquire(wait=0)
        assert caught.value.holder == holder and "pid 4242 on build-7" in str(caught.value)
    finally:
        writer.join()
        handle.close()


def test_a_killed_holder_leaves_no_stale_lock() -> None:
    child = hold_in_child(60)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    lock = org_write_lock("acme.my.salesforce.com", "update Contact")
    lock.acquire(wait=0)  # free at once: the kernel released it with the process
    assert lock.holder() == Holder(
        os.getpid(), lock.holder().host, lock.holder().started, "update Contact"
    )  # type: ignore[union-attr]
    lock.release()
    assert lock.holder() is None


def test_a_waiting_run_says_once_whom_it_waits_for_then_gets_the_lock() -> None:
    child = hold_in_child(0.6)
    told: list[Holder | None] = []
    lock = org_write_lock("acme.my.salesforce.com", "create-application")
    started = time.monotonic()
    with lock.held(wait=10, on_wait=told.append):
        waited = time.monotonic() - started
    child.wait()
    assert len(told) == 1 and told[0] is not None and told[0].pid == child.pid
    assert waited >= 0.3


def test_the_same_thread_takes_it_again_another_thread_waits(tmp_path: Path) -> None:
    lock = RunLock(tmp_path / "x.lock", "outer")
    with lock.held(wait=0), RunLock(tmp_path / "x.lock", "inner").held(wait=0):
        blocked: list[bool] = []

        def other() -> None:
            try:
                RunLock(tmp_path / "x.lock", "other thread").acquire(wait=0)
                blocked.append(False)
            except LockBusyError:
                blocked.append(True)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert blocked == [True]
    RunLock(tmp_path / "x.lock", "after").acquire(wait=0)  # released once both blocks ended


def test_inputs_lock_apart_per_results_file(tmp_path: Path) -> None:
    first = input_lock("org", tmp_path / "a.results.jsonl", "import of a")
    with first.held(wait=0):
        input_lock("org", tmp_path / "b.results.jsonl", "import of b").acquire(wait=0)


# -- two imports at once on one org -----------------------------------------------------------


def candidates(count: int) -> str:
    return "".join(
        json.dumps(
            {
                "candidate": {
                    "first_name": "Race",
                    "last_name": f"No. {n}",
                    "email_address": f"race{n}@example.com",
                }
            }
        )
        + "\n"
        for n in range(count)
    )


def api_usage(org: Path) -> int:
    try:
        return int(json.loads((org / "usage.json").read_text("utf-8"))["api_usage"])
    except (FileNotFoundError, ValueError, KeyError):
        return 0


def start_import(
    source: Path, org: Path, results: Path, env: dict[str, str]
) -> subprocess.Popen[str]:
    command = [
        *CLI,
        "import",
        str(source),
        "--org",
        f"local:{org}",
        "--job-id",
        "remote:Registered Nurse",
        "--results",
        str(results),
    ]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_two_imports_of_the_same_candidates_at_once_create_each_once(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = clean_env / "org"
    LocalOrg(org)
    env = {**os.environ, "ASYMBL_SF_LOCAL_LATENCY": "0.3"}  # both runs surely in flight at once
    lines = candidates(150)
    first_file, second_file = clean_env / "a.jsonl", clean_env / "b.jsonl"
    first_file.write_text(lines)
    second_file.write_text(lines)
    runs = [
        start_import(first_file, org, clean_env / "a.results.jsonl", env),
        start_import(second_file, org, clean_env / "b.results.jsonl", env),
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    local = LocalOrg(org)
    assert local.count("Contact") == 150
    assert local.count("bpats__ATS_Applicant__c") == 150
    stderr = "".join(err for _, err in outputs)
    assert "waiting for import of" in stderr  # they did overlap: one waited for the other


def final_outcomes(results: Path) -> dict[int, str]:
    """Each line's last outcome in a results file (none when the run wrote none)."""
    if not results.exists():
        return {}
    out: dict[int, str] = {}
    for text in results.read_text("utf-8").splitlines():
        row = json.loads(text)
        out[row["line"]] = row["outcome"]
    return out


@pytest.mark.slow
def test_the_same_file_imported_twice_at_once_ten_times_never_duplicates(
    clean_env: Path,
) -> None:
    """The hardening issue's bar: 10 trials of two CLI imports of one 2,000-row file started
    together (even trials: the same results file, so the second stops or resumes; odd: results
    apart, as a cron job and an admin, so both write). Every time: one Contact per email, one
    applicant per (Contact, job), and the rows each run says it created are rows only it
    created."""
    rows = 2_000
    source = clean_env / "apps.jsonl"
    source.write_text(candidates(rows))
    for trial in range(10):
        org = clean_env / f"org{trial}"
        LocalOrg(org)
        shared = trial % 2 == 0
        results = [
            clean_env / f"t{trial}.{'shared' if shared else run}.results.jsonl" for run in "ab"
        ]
        runs = [start_import(source, org, path, dict(os.environ)) for path in results]
        outputs = [run.communicate(timeout=300) for run in runs]
        local = LocalOrg(org)
        emails = [c["Email"] for c in local.records("Contact") if c["Email"].startswith("race")]
        assert sorted(emails) == sorted(f"race{n}@example.com" for n in range(rows)), trial
        pairs = [
            (a["bpats__ATS_Applicant__c"], a["bpats__Job__c"])
            for a in local.records("bpats__ATS_Applicant__c")
        ]
        assert len(pairs) == len(set(pairs)) == rows, trial
        if shared:
            # One run wrote everything; the other stopped naming it, or found it all done.
            codes = sorted(run.returncode for run in runs)
            assert codes in ([0, 0], [0, 1]), outputs
            for run, (_, err), other in zip(runs, outputs, reversed(runs), strict=True):
                if run.returncode == 1:
                    assert f"pid {other.pid}" in err, err  # names the run it stopped for
            continue
        assert [run.returncode for run in runs] == [0, 0], outputs
        created = [
            {line for line, outcome in final_outcomes(path).items() if outcome == "created"}
            for path in results
        ]
        assert not created[0] & created[1], trial  # no row claimed as created by both
        assert len(created[0] | created[1]) == rows, trial
        for path in results:
            assert set(final_outcomes(path).values()) <= {"created", "reused", "exists"}


def test_the_same_input_twice_at_once_stops_the_second_naming_the_first(
    clean_env: Path,
) -> None:
    org = clean_env / "org"
    LocalOrg(org)
    env = {**os.environ, "ASYMBL_SF_LOCAL_LATENCY": "1.0"}
    source = clean_env / "apps.jsonl"
    source.write_text(candidates(20))
    results = clean_env / "apps.results.jsonl"
    first = start_import(source, org, results, env)
    while api_usage(org) == 0:  # its first call answered: it holds its input by now
        time.sleep(0.05)
    second = start_import(source, org, results, env)
    _, second_err = second.communicate(timeout=120)
    first.communicate(timeout=120)
    assert first.returncode == 0
    assert second.returncode == 1
    assert f"pid {first.pid}" in second_err and "import of apps.jsonl" in second_err
    assert LocalOrg(org).count("Contact") == 20


def test_a_single_action_waits_for_an_import_writing_to_the_same_org(
    clean_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from asymbl_sf import connect

    client = connect(f"local:{clean_env / 'org'}")
    script = HOLD.replace("'acme.my.salesforce.com'", repr(client.org_key))
    child = subprocess.Popen(
        [sys.executable, "-c", script, "0.8"], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    body = {"candidate": {"first_name": "A", "last_name": "B", "email_address": "a@example.com"}}
    with caplog.at_level("WARNING", logger="asymbl_sf"):
        result = client.create_application(body, job_id="remote:Registered Nurse")
    child.wait()
    assert result["status"] == "success"
    assert f"waiting for import of apps.jsonl (pid {child.pid}" in caplog.text
