"""Each model read from a seeded local org, compared whole with the expected unified JSON."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from asymbl_sf import Asymbl, PayloadError
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.seed import SEED_TIME
from tests.reading.helpers import INSTANCE, Pipeline, iso, stage_id

STAGES = ("Application", "Internal Review", "Interview", "Offer", "Placement")


def today() -> str:
    # The write mapping stamps the application's dates with today's (UTC) date.
    return datetime.now(timezone.utc).date().isoformat()


def times(created: datetime, changed: datetime | None = None) -> dict[str, Any]:
    changed = changed or created
    return {
        "remote_created_at": iso(created),
        "remote_updated_at": iso(changed),
        "changed_at": iso(changed),
        "remote_deleted_at": None,
        "remote_data": None,
    }


def location(**given: Any) -> dict[str, Any]:
    keys = ("city", "country", "raw", "state", "street_1", "street_2", "zip_code")
    return {key: given.get(key) for key in keys}


def team_member(
    person_id: str,
    first: str,
    last: str,
    email: str,
    roles: list[str],
    job_roles: list[tuple[str, str, str | None]],
) -> dict[str, Any]:
    return {
        "id": person_id,
        "remote_id": person_id,
        "first_name": first,
        "last_name": last,
        "email": email,
        "hiring_team_roles": roles,
        "job_roles": [
            {"remote_id": f, "remote_label": label, "scope": "JOB", "unified_type": role}
            for f, label, role in job_roles
        ],
    }


RILEY_ROLES = [
    ("OwnerId", "Job Owner", "RECRUITER"),
    ("bpats__Delivery_Lead__c", "Delivery Lead", "RECRUITER"),
]


def test_users(client: Asymbl, pipeline: Pipeline) -> None:
    assert list(client.read("users")) == [
        {
            "id": pipeline.ids["user"],
            "remote_id": pipeline.ids["user"],
            "first_name": "Riley",
            "last_name": "Recruiter",
            "email": "riley.recruiter@example.com",
            "status": "ACTIVE",
            **times(SEED_TIME),
            "system_roles": [],
        },
        {
            "id": pipeline.ids["sales"],
            "remote_id": pipeline.ids["sales"],
            "first_name": "Sam",
            "last_name": "Sales",
            "email": "sam.sales@example.com",
            "status": "INACTIVE",
            **times(pipeline.at["team"]),
            "system_roles": [],
        },
    ]


def _stages(org: LocalOrg, job_id: str) -> list[dict[str, Any]]:
    return [
        {
            "id": stage_id(org, job_id, name),
            "remote_id": stage_id(org, job_id, name),
            "name": name,
            "remote_data": None,
            "index": i,
        }
        for i, name in enumerate(STAGES)
    ]


def test_jobs_with_stages_and_hiring_team(
    client: Asymbl, org: LocalOrg, pipeline: Pipeline
) -> None:
    ids = pipeline.ids
    riley = team_member(
        ids["user"], "Riley", "Recruiter", "riley.recruiter@example.com", ["RECRUITER"], RILEY_ROLES
    )
    common = {
        "description": None,
        "confidential": None,
        "weekly_hours": None,
        "status": "OPEN",
        "category": None,
        "department": None,
        "post_url": None,
        "experience_level": None,
        "remote_work_status": None,
        "salary_amount_from": None,
        "salary_amount_to": None,
        "salary_currency": None,
        "salary_period": None,
        "integration_fields": [],
        "opened_at": "2026-01-05T00:00:00Z",
        "closed_at": None,
        "contact_id": None,
        "screening_questions": [],
        "job_postings": [],
    }
    custom = {
        "bpats__Account__c": None,
        "bpats__Openings_Filled__c": None,
        "bpats__Bill_Rate__c": None,
        "bpats__Pay_Range__c": None,
        "bpats__Start_Date__c": None,
        "bpats__End_Date__c": None,
        "bpats__Is_Active__c": True,
        "bpats__Is_Closed__c": False,
    }
    nurse = {
        "id": ids["nurse"],
        "remote_id": ids["nurse"],
        "name": "Registered Nurse",
        "job_code": "JOB-00002",
        "employment_type": "CONTRACT",
        "visibility": "INTERNAL",
        "salary_amount": None,
        "location": location(raw="Austin, TX"),
        "custom_fields": {
            **custom,
            "bpats__Job_Title__c": "Registered Nurse (Night Shift)",
            "bpats__Number_of_Openings__c": 3,
            "bpats__Pay_Rate__c": 55,
        },
        "remote_url": f"{INSTANCE}/{ids['nurse']}",
        **times(SEED_TIME),
        "stages": _stages(org, ids["nurse"]),
        "hiring_team": [riley],
        **common,
    }
    backend = {
        "id": ids["backend"],
        "remote_id": ids["backend"],
        "name": "Senior Backend Engineer",
        "job_code": "JOB-00001",
        "employment_type": "FULL_TIME",
        "visibility": "PUBLIC",
        "salary_amount": 85000,
        "location": location(raw="Berlin, DE"),
        "custom_fields": {
            **custom,
            "bpats__Job_Title__c": "Senior Backend Engineer",
            "bpats__Number_of_Openings__c": 2,
            "bpats__Pay_Rate__c": None,
        },
        "remote_url": f"{INSTANCE}/{ids['backend']}",
        **times(SEED_TIME, pipeline.at["team"]),
        "stages": _stages(org, ids["backend"]),
        "hiring_team": [
            riley,
            team_member(
                ids["sales"],
                "Sam",
                "Sales",
                "sam.sales@example.com",
                [],
                [("bpats__Sales_Lead__c", "Sales Lead", None)],
            ),
            team_member(
                ids["manager"],
                "Hana",
                "Manager",
                "hana@client.example",
                ["HIRING_MANAGER"],
                [("bpats__Hiring_Manager__c", "Hiring Manager", "HIRING_MANAGER")],
            ),
        ],
        **common,
    }
    # Oldest change first: the nurse job is as seeded, the backend job got its team later.
    assert list(client.read("jobs")) == [nurse, backend]


def _application_summary(
    pipeline: Pipeline,
    org: LocalOrg,
    key: str,
    job: str,
    stage: str,
    outcome: str,
    reason: str | None,
    changed: str,
) -> dict[str, Any]:
    ids, job_name = (
        pipeline.ids,
        {"nurse": "Registered Nurse", "backend": "Senior Backend Engineer"}[job],
    )
    stage_record = stage_id(org, ids[job], stage)
    return {
        "id": ids[key],
        "remote_id": ids[key],
        "outcome": outcome,
        "rejection_reason_name": reason,
        "rejected_at": None,
        "remote_url": f"{INSTANCE}/{ids[key]}",
        "changed_at": iso(pipeline.at[changed]),
        "remote_created_at": iso(pipeline.at[key]),
        "remote_updated_at": iso(pipeline.at[changed]),
        "current_stage": {
            "id": stage_record,
            "remote_id": stage_record,
            "name": stage,
            "index": STAGES.index(stage),
        },
        "job": {"id": ids[job], "remote_id": ids[job], "name": job_name},
    }


PEOPLE = {
    "ada": ("Ada", "Lovelace", "nurse", "Application", "PENDING", None, "ada"),
    "ben": ("Ben", "Okafor", "backend", "Placement", "HIRED", None, "ben.hired"),
    "cleo": (
        "Cleo",
        "Park",
        "nurse",
        "Application",
        "REJECTED",
        "Client Rejected",
        "cleo.rejected",
    ),
    "dan": (
        "Dan",
        "Silva",
        "backend",
        "Application",
        "DECLINED",
        "Applicant Withdrew",
        "dan.withdrew",
    ),
}


def _candidate(pipeline: Pipeline, org: LocalOrg, key: str) -> dict[str, Any]:
    first, last, job, stage, outcome, reason, changed = PEOPLE[key]
    contact = pipeline.ids[f"{key}.contact"]
    ben = key == "ben"
    return {
        "id": contact,
        "remote_id": contact,
        "first_name": first,
        "last_name": last,
        "company": None,
        "title": "Engineer" if ben else None,
        "confidential": None,
        "source": None,
        "phone_numbers": [{"phone_number": "+49 30 1234", "type": None}] if ben else [],
        "email_addresses": [{"email_address": f"{key}@example.com", "type": None}],
        "social_media": [],
        "location": location(city="Berlin", country="DE", raw="Berlin, DE", zip_code="10115")
        if ben
        else location(),
        "custom_fields": {
            "bpats__Contact_Relationship__c": None,
            "bpats__Earliest_Available_Date__c": None,
            "bpats__Desired_Salary__c": None,
            "bpats__Current_Salary__c": None,
        },
        "integration_fields": [],
        "remote_url": f"{INSTANCE}/{contact}",
        **times(pipeline.at[key]),
        "applications": [
            _application_summary(pipeline, org, key, job, stage, outcome, reason, changed)
        ],
        "tags": [],
    }


def test_candidates_are_contacts_with_applications(
    client: Asymbl, org: LocalOrg, pipeline: Pipeline
) -> None:
    expected = [_candidate(pipeline, org, key) for key in ("ada", "ben", "cleo", "dan")]
    # Hana, the hiring manager, has no application: not a candidate.
    assert list(client.read("candidates")) == expected


def test_all_contacts_includes_contacts_without_applications(
    client: Asymbl, pipeline: Pipeline
) -> None:
    rows = list(client.read("candidates", all_contacts=True))
    manager = pipeline.ids["manager"]
    assert [r["id"] for r in rows] == [
        pipeline.ids[f"{k}.contact"] for k in ("ada", "ben", "cleo", "dan")
    ] + [manager]
    assert rows[-1] == {
        "id": manager,
        "remote_id": manager,
        "first_name": "Hana",
        "last_name": "Manager",
        "company": None,
        "title": None,
        "confidential": None,
        "source": None,
        "phone_numbers": [],
        "email_addresses": [{"email_address": "hana@client.example", "type": None}],
        "social_media": [],
        "location": location(),
        "custom_fields": {
            "bpats__Contact_Relationship__c": None,
            "bpats__Earliest_Available_Date__c": None,
            "bpats__Desired_Salary__c": None,
            "bpats__Current_Salary__c": None,
        },
        "integration_fields": [],
        "remote_url": f"{INSTANCE}/{manager}",
        **times(pipeline.at["team"]),
        "applications": [],
        "tags": [],
    }


def _application(pipeline: Pipeline, org: LocalOrg, key: str, number: int) -> dict[str, Any]:
    first, last, job, stage, outcome, reason, changed = PEOPLE[key]
    summary = _application_summary(pipeline, org, key, job, stage, outcome, reason, changed)
    contact = pipeline.ids[f"{key}.contact"]
    ben = key == "ben"
    return {
        **{
            k: summary[k]
            for k in (
                "id",
                "remote_id",
                "outcome",
                "rejection_reason_name",
                "rejected_at",
                "remote_url",
                "changed_at",
                "remote_created_at",
                "remote_updated_at",
                "current_stage",
                "job",
            )
        },
        "current_stage_id": summary["current_stage"]["id"],
        "job_id": pipeline.ids[job],
        "candidate_id": contact,
        "screening_question_answers": [],
        "custom_fields": {
            "Name": f"APP-{number:05d}",
            "bpats__Applicant_Status__c": "Rejected" if reason else "Active",
            "bpats__Source__c": None,
            "bpats__Internal_Source__c": None,
            "bpats__Initial_Application_Date__c": today(),
            "bpats__Current_Stage_Date__c": today(),
            "bpats__Recruited_By__c": None,
        },
        "integration_fields": [],
        "remote_deleted_at": None,
        "remote_data": None,
        "candidate": {
            "id": contact,
            "remote_id": contact,
            "first_name": first,
            "last_name": last,
            "email_addresses": [{"email_address": f"{key}@example.com", "type": None}],
            "phone_numbers": [{"phone_number": "+49 30 1234", "type": None}] if ben else [],
            "social_media": [],
            "source": None,
            "remote_url": f"{INSTANCE}/{contact}",
            "tags": [],
        },
        "interviews": [],
        "offers": [],
    }


def test_applications_with_outcome_stage_job_and_candidate(
    client: Asymbl, org: LocalOrg, pipeline: Pipeline
) -> None:
    expected = [
        _application(pipeline, org, key, n)
        for n, key in enumerate(("ada", "ben", "cleo", "dan"), start=1)
    ]
    assert list(client.read("applications")) == expected


def test_application_stages_are_every_jobs_stages(
    client: Asymbl, org: LocalOrg, pipeline: Pipeline
) -> None:
    expected = [
        {
            "id": stage_id(org, pipeline.ids[job], name),
            "remote_id": stage_id(org, pipeline.ids[job], name),
            "name": name,
            **times(SEED_TIME),
        }
        for job in ("backend", "nurse")
        for name in STAGES
    ]
    assert list(client.read("application_stages")) == expected


def test_job_stages_link_stage_and_job_with_index(
    client: Asymbl, org: LocalOrg, pipeline: Pipeline
) -> None:
    expected = []
    for job in ("backend", "nurse"):
        for index, name in enumerate(STAGES):
            stage = stage_id(org, pipeline.ids[job], name)
            expected.append(
                {
                    "id": stage,
                    "remote_id": stage,
                    "job_id": pipeline.ids[job],
                    "stage_id": stage,
                    "index": index,
                    **times(SEED_TIME),
                }
            )
    assert list(client.read("job_stages")) == expected


def test_job_stage_index_follows_sequence_not_creation(
    client: Asymbl, org: LocalOrg, pipeline: Pipeline
) -> None:
    nurse = pipeline.ids["nurse"]
    screening = client.sf.bpats__ATS_Stage__c.create(
        {
            "Name": "Phone Screen",
            "bpats__Job__c": nurse,
            "bpats__Sequence__c": 1.5,
            "bpats__Stage_Type__c": "Internal Review",
        }
    )["id"]
    rows = {r["stage_id"]: r["index"] for r in client.read("job_stages")}
    assert rows[stage_id(org, nurse, "Application")] == 0
    assert rows[screening] == 1
    assert rows[stage_id(org, nurse, "Placement")] == 5


def test_hiring_team_members_with_roles(client: Asymbl, pipeline: Pipeline) -> None:
    ids = pipeline.ids

    def member(
        job: str,
        person: str,
        first: str,
        last: str,
        email: str,
        roles: list[str],
        job_roles: list[tuple[str, str, str | None]],
        changed: datetime,
        kind: str = "user",
    ) -> dict[str, Any]:
        return {
            "id": f"{ids[job]}:{ids[person]}",
            "remote_id": None,
            "job_id": ids[job],
            "user_id": ids[person] if kind == "user" else None,
            "contact_id": ids[person] if kind == "contact" else None,
            "first_name": first,
            "last_name": last,
            "email": email,
            "roles": roles,
            "job_roles": [
                {"remote_id": f, "remote_label": label, "scope": "JOB", "unified_type": role}
                for f, label, role in job_roles
            ],
            "remote_created_at": None,
            "remote_updated_at": None,
            "remote_data": None,
            "changed_at": iso(changed),
            "remote_deleted_at": None,
        }

    riley = (
        "user",
        "Riley",
        "Recruiter",
        "riley.recruiter@example.com",
        ["RECRUITER"],
        RILEY_ROLES,
    )
    assert list(client.read("hiring_team")) == [
        member("nurse", *riley, SEED_TIME),
        member("backend", *riley, pipeline.at["team"]),
        member(
            "backend",
            "sales",
            "Sam",
            "Sales",
            "sam.sales@example.com",
            [],
            [("bpats__Sales_Lead__c", "Sales Lead", None)],
            pipeline.at["team"],
        ),
        member(
            "backend",
            "manager",
            "Hana",
            "Manager",
            "hana@client.example",
            ["HIRING_MANAGER"],
            [("bpats__Hiring_Manager__c", "Hiring Manager", "HIRING_MANAGER")],
            pipeline.at["team"],
            kind="contact",
        ),
    ]


#: Kombo's documented key order of each model (GET /ats/... and the Asymbl connector's page);
#: remote_created_at / remote_updated_at are added where Kombo's model lacks them.
KOMBO_KEYS = {
    "users": [
        "id",
        "remote_id",
        "first_name",
        "last_name",
        "email",
        "status",
        "remote_created_at",
        "remote_updated_at",
        "remote_data",
        "changed_at",
        "remote_deleted_at",
        "system_roles",
    ],
    "application_stages": [
        "id",
        "remote_id",
        "name",
        "remote_created_at",
        "remote_updated_at",
        "remote_data",
        "changed_at",
        "remote_deleted_at",
    ],
    "jobs": [
        "id",
        "remote_id",
        "name",
        "job_code",
        "description",
        "confidential",
        "weekly_hours",
        "employment_type",
        "status",
        "visibility",
        "category",
        "department",
        "post_url",
        "experience_level",
        "remote_work_status",
        "salary_amount",
        "salary_amount_from",
        "salary_amount_to",
        "salary_currency",
        "salary_period",
        "location",
        "custom_fields",
        "integration_fields",
        "remote_url",
        "opened_at",
        "closed_at",
        "remote_created_at",
        "remote_updated_at",
        "contact_id",
        "remote_data",
        "changed_at",
        "remote_deleted_at",
        "stages",
        "screening_questions",
        "job_postings",
        "hiring_team",
    ],
    "candidates": [
        "id",
        "remote_id",
        "first_name",
        "last_name",
        "company",
        "title",
        "confidential",
        "source",
        "phone_numbers",
        "email_addresses",
        "social_media",
        "location",
        "custom_fields",
        "integration_fields",
        "remote_url",
        "remote_created_at",
        "remote_updated_at",
        "remote_data",
        "changed_at",
        "remote_deleted_at",
        "applications",
        "tags",
    ],
    "applications": [
        "id",
        "remote_id",
        "outcome",
        "rejection_reason_name",
        "rejected_at",
        "current_stage_id",
        "job_id",
        "candidate_id",
        "screening_question_answers",
        "custom_fields",
        "integration_fields",
        "remote_url",
        "changed_at",
        "remote_deleted_at",
        "remote_created_at",
        "remote_updated_at",
        "remote_data",
        "candidate",
        "current_stage",
        "job",
        "interviews",
        "offers",
    ],
}


@pytest.mark.parametrize("model", sorted(KOMBO_KEYS))
def test_keys_come_in_kombos_order(client: Asymbl, pipeline: Pipeline, model: str) -> None:
    first = next(iter(client.read(model)))
    assert list(first) == KOMBO_KEYS[model]


def test_remote_data_is_the_salesforce_record(client: Asymbl, pipeline: Pipeline) -> None:
    user = next(iter(client.read("users", remote_data=True)))
    assert user["remote_data"] == {
        "User": {
            "Id": pipeline.ids["user"],
            "IsDeleted": False,
            "SystemModstamp": "2026-01-05T09:00:00.000+0000",
            "CreatedDate": "2026-01-05T09:00:00.000+0000",
            "LastModifiedDate": "2026-01-05T09:00:00.000+0000",
            "FirstName": "Riley",
            "LastName": "Recruiter",
            "Email": "riley.recruiter@example.com",
            "IsActive": True,
        }
    }
    job = next(iter(client.read("jobs", remote_data=True)))
    assert job["stages"][0]["remote_data"]["bpats__ATS_Stage__c"]["Name"] == "Application"


def test_unknown_model_is_refused_before_any_call(client: Asymbl, org: LocalOrg) -> None:
    org.calls.reset()
    with pytest.raises(PayloadError) as caught:
        client.read("placements")
    assert str(caught.value) == (
        "model: unknown model 'placements'; models: users, jobs, candidates, "
        "application_stages, applications, job_stages, hiring_team"
    )
    assert org.calls.total == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"created_only": True, "model": "jobs"},
            "created_only: only for applications and candidates",
        ),
        ({"all_contacts": True, "model": "applications"}, "all_contacts: only for candidates"),
        (
            {"all_contacts": True, "created_only": True, "model": "candidates"},
            "all_contacts: cannot be combined with created_only",
        ),
        (
            {"since": "yesterday-ish", "model": "jobs"},
            "since: not a date or date-time: 'yesterday-ish'; use ISO 8601 (2026-01-05 or "
            "2026-01-05T09:00:00Z) or 'last'",
        ),
    ],
)
def test_contradictory_options_are_refused(
    client: Asymbl, options: dict[str, Any], message: str
) -> None:
    model = options.pop("model")
    with pytest.raises(PayloadError) as caught:
        client.read(model, **options)
    assert str(caught.value) == message
