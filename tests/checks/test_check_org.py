"""``check`` looks at the org itself: session, API version, package, record type, job key,
budget."""

from __future__ import annotations

from asymbl_sf.localorg import LocalOrg
from asymbl_sf.schema import OrgSchema
from tests.checks.helpers import check, extending_default, lines, problems


def _without_package() -> OrgSchema:
    """The packaged schema as an org without Asymbl ATS has it: no bpats__ objects or fields."""
    out = OrgSchema()
    for describe in OrgSchema.packaged():
        if describe.name.startswith("bpats__"):
            continue
        fields = [f for f in describe.fields if not f.name.startswith("bpats__")]
        out.add(describe.model_copy(update={"fields": fields}))
    return out


def test_a_missing_package_is_one_error_not_one_per_field() -> None:
    with LocalOrg(schema=_without_package(), seed_data=False) as org:
        report = check(org)
    assert [(i.check, i.text()) for i in report.errors] == [
        (
            "org.package",
            "the Asymbl ATS package (namespace bpats__) is not installed in this org, or this user "
            "cannot see its objects; install Asymbl ATS, or give the user a permission set with "
            "access to its objects; every bpats__ field of the mapping is skipped until then",
        )
    ]
    assert not report.find("org.job_key")
    assert not [i for i in report.items if (i.field or "").startswith("bpats__")]
    assert report.find("field.ok")  # the standard objects are still checked


def test_the_candidate_record_type_present_is_ok(local_org: LocalOrg) -> None:
    (item,) = check(local_org).find("org.record_type")
    assert (item.severity, item.message) == ("ok", "Contact record type `Candidate` is there")


def test_a_missing_record_type_is_a_warning_saying_what_happens(local_org: LocalOrg) -> None:
    (record_type,) = local_org.records("RecordType")
    local_org.backend.delete("RecordType", record_type["Id"])
    report = check(local_org)
    assert report.ok
    assert lines(report) == [
        "mappings/asymbl.yaml:33: this org has no Contact record type `Candidate`: the mapping "
        "leaves RecordTypeId empty, so new Contact records get the user's default record type; "
        "create it in Setup, or remove RecordTypeId from the mapping"
    ]


def test_an_inactive_record_type_says_so(local_org: LocalOrg) -> None:
    (record_type,) = local_org.records("RecordType")
    local_org.backend.update("RecordType", record_type["Id"], {"IsActive": False})
    (item,) = problems(check(local_org))
    assert item.text().startswith("Contact record type `Candidate` exists but is inactive: ")
    assert item.suggestion == "activate it in Setup"


def test_a_misspelled_job_key_names_the_closest_field(local_org: LocalOrg) -> None:
    report = check(local_org, extending_default("{job_remote_key: Job_Number__c}"))
    assert lines(report) == [
        "org.yaml:3: settings.job_remote_key: no field `Job_Number__c` on bpats__Job__c, so every "
        "remote: job id fails; did you mean `bpats__Job_Number__c`?"
    ]


def test_a_job_key_that_cannot_be_filtered(local_org: LocalOrg) -> None:
    report = check(local_org, extending_default("{job_remote_key: bpats__Job_Description__c}"))
    assert [i.text() for i in report.errors] == [
        "settings.job_remote_key: bpats__Job__c.bpats__Job_Description__c (textarea) cannot be "
        "filtered on, so remote: job ids cannot be looked up; use Name, or a unique external-id "
        "text field of the job"
    ]


def test_a_unique_job_key_passes_without_the_uniqueness_note(local_org: LocalOrg) -> None:
    report = check(local_org, extending_default("{job_remote_key: bpats__Job_Number__c}"))
    (item,) = report.find("org.job_key")
    assert (item.severity, item.message) == (
        "ok",
        "remote: job ids are looked up by bpats__Job__c.bpats__Job_Number__c",
    )


def test_a_low_api_budget_is_a_warning() -> None:
    with LocalOrg(daily_limit=100) as org:
        org.server.api_usage = 95
        report = check(org)
    assert report.ok
    assert [i.text() for i in report.warnings] == [
        "only 3 of 100 daily API calls are left; writes fail with REQUEST_LIMIT_EXCEEDED once "
        "they are spent; run large imports later, or with Bulk API 2.0 (one job costs a handful "
        "of calls for thousands of records)"
    ]
    assert report.api_remaining == 3


def test_a_spent_api_budget_is_an_error() -> None:
    with LocalOrg(daily_limit=100) as org:
        org.server.api_usage = 100
        report = check(org)
    assert [(i.check, i.severity) for i in report.items] == [("org.api_budget", "error")]
    assert report.items[0].message.startswith(
        "the org's daily API budget is spent (REQUEST_LIMIT_EXCEEDED)"
    )


def test_a_refused_session_says_log_in_again(local_org: LocalOrg) -> None:
    local_org.faults.next(1, "expired_session", path=r"/composite$")
    report = check(local_org)
    assert [(i.check, i.severity) for i in report.items] == [("org.authentication", "error")]
    assert (
        report.items[0]
        .text()
        .startswith("Salesforce refused the session (INVALID_SESSION_ID); log in again: ")
    )


def test_an_api_version_the_org_does_not_serve_stops_the_check() -> None:
    with LocalOrg(api_version="65.0") as org:
        report = check(org)
    assert [i.text() for i in report.items] == [
        "this org does not serve API version 65.0 (it serves 58.0 to 62.0); set "
        "SF_API_VERSION=62.0 (or connect(api_version='62.0'))"
    ]
    assert report.api_calls == 1


def test_the_report_as_json(local_org: LocalOrg) -> None:
    body = check(local_org).to_json()
    assert body["ok"] is True and body["errors"] == 0 and body["api_calls"] == 2
    assert body["org"] == "Salesforce org at asymbl-sf.local-org.invalid"
    first = body["items"][0]
    assert set(first) == {
        "severity",
        "check",
        "object",
        "field",
        "message",
        "suggestion",
        "source",
        "line",
    }


def test_budget_and_version_findings_when_the_org_says_nothing() -> None:
    from asymbl_sf.checks import org_checks

    assert org_checks.api_budget(None, None).severity == "warning"
    assert org_checks.api_budget(100, 100).severity == "error"
    assert org_checks.api_budget(10, 100).severity == "ok"
    assert org_checks.api_version("62.0", []).severity == "warning"
    assert org_checks.api_version("62.0", ["61.0", "62.0"]).message == (
        "API version 62.0 is supported (the org's latest is 62.0)"
    )
