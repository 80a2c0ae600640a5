"""The unified read models: their keys in Kombo's order, and which keys a read mapping fills.

Each model's output always has every key of Kombo's model (``GET /ats/jobs`` and friends), so a
consumer written against Kombo parses it unchanged; a key Asymbl has no data for stays ``null``
(or ``[]`` / ``{}`` for lists and objects). Of those keys, the read mapping may fill the
*fillable* ones; the rest are filled by the reader itself (ids, timestamps, nested objects).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.reading.spec import ReadMapping

Loc = tuple[Any, ...]

#: A fillable key whose value is one entry per field (``phone_numbers``): its item's value key.
TYPED_LISTS = {
    "phone_numbers": "phone_number",
    "email_addresses": "email_address",
    "social_media": "link",
}
LOCATION_KEYS = ("city", "country", "raw", "state", "street_1", "street_2", "zip_code")


def location() -> dict[str, Any]:
    return dict.fromkeys(LOCATION_KEYS)


def typed_item(key: str, value: Any, kind: str | None) -> dict[str, Any]:
    """One entry of a typed list: ``{"phone_number": v, "type": t}`` and the like."""
    if key == "social_media":
        return {"link": value, "type": kind, "username": None}
    return {TYPED_LISTS[key]: value, "type": kind}


@dataclass(frozen=True)
class ModelInfo:
    name: str
    #: A fresh output object with every key, in Kombo's order.
    template: Callable[[], dict[str, Any]]
    #: Keys (dotted for nested ones) the mapping may fill.
    fillable: tuple[str, ...]
    #: Fillable keys that must be mapped, to a lookup field of the model's own sObject.
    links: tuple[str, ...] = ()
    #: Model-level mapping keys besides ``sobject`` and ``fields``.
    options: frozenset[str] = field(default_factory=frozenset)
    description: str = ""

    @property
    def has_custom_fields(self) -> bool:
        return "custom_fields" in self.template()


def _system(**rest: Any) -> dict[str, Any]:
    return {
        "remote_created_at": None,
        "remote_updated_at": None,
        "remote_data": None,
        "changed_at": None,
        "remote_deleted_at": None,
        **rest,
    }


def _user() -> dict[str, Any]:
    return {
        "id": None,
        "remote_id": None,
        "first_name": None,
        "last_name": None,
        "email": None,
        "status": None,
        **_system(),
        "system_roles": [],
    }


def _job() -> dict[str, Any]:
    return {
        "id": None,
        "remote_id": None,
        "name": None,
        "job_code": None,
        "description": None,
        "confidential": None,
        "weekly_hours": None,
        "employment_type": None,
        "status": None,
        "visibility": None,
        "category": None,
        "department": None,
        "post_url": None,
        "experience_level": None,
        "remote_work_status": None,
        "salary_amount": None,
        "salary_amount_from": None,
        "salary_amount_to": None,
        "salary_currency": None,
        "salary_period": None,
        "location": location(),
        "custom_fields": {},
        "integration_fields": [],
        "remote_url": None,
        "opened_at": None,
        "closed_at": None,
        "remote_created_at": None,
        "remote_updated_at": None,
        "contact_id": None,
        "remote_data": None,
        "changed_at": None,
        "remote_deleted_at": None,
        "stages": [],
        "screening_questions": [],
        "job_postings": [],
        "hiring_team": [],
    }


def _application_stage() -> dict[str, Any]:
    return {"id": None, "remote_id": None, "name": None, **_system()}


def _job_stage() -> dict[str, Any]:
    return {
        "id": None,
        "remote_id": None,
        "job_id": None,
        "stage_id": None,
        "index": None,
        **_system(),
    }


def _hiring_team_member() -> dict[str, Any]:
    return {
        "id": None,
        "remote_id": None,
        "job_id": None,
        "user_id": None,
        "contact_id": None,
        "first_name": None,
        "last_name": None,
        "email": None,
        "roles": [],
        "job_roles": [],
        **_system(),
    }


def _candidate() -> dict[str, Any]:
    return {
        "id": None,
        "remote_id": None,
        "first_name": None,
        "last_name": None,
        "company": None,
        "title": None,
        "confidential": None,
        "source": None,
        "phone_numbers": [],
        "email_addresses": [],
        "social_media": [],
        "location": location(),
        "custom_fields": {},
        "integration_fields": [],
        "remote_url": None,
        "remote_created_at": None,
        "remote_updated_at": None,
        "remote_data": None,
        "changed_at": None,
        "remote_deleted_at": None,
        "applications": [],
        "tags": [],
    }


def _application() -> dict[str, Any]:
    return {
        "id": None,
        "remote_id": None,
        "outcome": None,
        "rejection_reason_name": None,
        "rejected_at": None,
        "current_stage_id": None,
        "job_id": None,
        "candidate_id": None,
        "screening_question_answers": [],
        "custom_fields": {},
        "integration_fields": [],
        "remote_url": None,
        "changed_at": None,
        "remote_deleted_at": None,
        "remote_created_at": None,
        "remote_updated_at": None,
        "remote_data": None,
        "candidate": None,
        "current_stage": None,
        "job": None,
        "interviews": [],
        "offers": [],
    }


#: The keys of a candidate nested in an application (Kombo's ``application.candidate``).
APPLICATION_CANDIDATE_KEYS = (
    "first_name",
    "last_name",
    "email_addresses",
    "phone_numbers",
    "social_media",
    "source",
)

_LOCATION_FILLABLE = tuple(f"location.{k}" for k in LOCATION_KEYS)

MODELS: dict[str, ModelInfo] = {
    m.name: m
    for m in (
        ModelInfo(
            "users",
            _user,
            ("first_name", "last_name", "email", "status"),
            description="Salesforce Users (recruiters, owners)",
        ),
        ModelInfo(
            "jobs",
            _job,
            (
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
                *_LOCATION_FILLABLE,
                "opened_at",
                "closed_at",
                "contact_id",
            ),
            description="jobs, with their stages and hiring team",
        ),
        ModelInfo(
            "candidates",
            _candidate,
            (
                "first_name",
                "last_name",
                "company",
                "title",
                "confidential",
                "source",
                *TYPED_LISTS,
                *_LOCATION_FILLABLE,
            ),
            description="Contacts, with their applications",
        ),
        ModelInfo(
            "application_stages",
            _application_stage,
            ("name",),
            description="every job's pipeline stages",
        ),
        ModelInfo(
            "applications",
            _application,
            ("candidate_id", "job_id", "current_stage_id", "rejection_reason_name", "rejected_at"),
            links=("candidate_id", "job_id", "current_stage_id"),
            options=frozenset({"outcome"}),
            description="applicants, with outcome, stage, job and candidate",
        ),
        ModelInfo(
            "job_stages",
            _job_stage,
            ("job_id",),
            links=("job_id",),
            options=frozenset({"order_by"}),
            description="which stage belongs to which job, at which index",
        ),
        ModelInfo(
            "hiring_team",
            _hiring_team_member,
            (),
            options=frozenset({"members"}),
            description="jobs' owners, leads and hiring managers with their roles",
        ),
    )
}


def catalog_problems(mapping: ReadMapping) -> list[tuple[Loc, str]]:
    """``(loc, message)`` for what only the model catalog can tell: unknown or missing models,
    keys a model does not have, lists given for single values, missing links."""
    out: list[tuple[Loc, str]] = []
    known = ", ".join(MODELS)
    for name in mapping.models:
        if name not in MODELS:
            close = difflib.get_close_matches(name, list(MODELS), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            out.append((("models", name), f"unknown model; {hint}known: {known}"))
    missing = [m for m in MODELS if m not in mapping.models]
    if missing:
        out.append(
            (
                ("models",),
                f"missing model(s): {', '.join(missing)}; every model needs "
                "its sObject (extends: default brings them all)",
            )
        )
    for name, spec in mapping.models.items():
        info = MODELS.get(name)
        if info is not None:
            out.extend(_model_problems(info, spec, ("models", name)))
    out.extend(_same_object(mapping, "hiring_team", "jobs"))
    out.extend(_same_object(mapping, "job_stages", "application_stages"))
    return out


def _model_problems(info: ModelInfo, spec: Any, base: Loc) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    for key, field_spec in spec.fields.items():
        loc = (*base, "fields", key)
        if key not in info.fillable:
            close = difflib.get_close_matches(key, list(info.fillable), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            allowed = ", ".join(info.fillable) or "none (the reader fills them all)"
            out.append((loc, f"{info.name} has no key '{key}' to fill; {hint}fillable: {allowed}"))
        elif key in TYPED_LISTS and field_spec.values is None:
            out.append(
                (loc, f"'{key}' is a list: give entries like - {{field: Phone, type: MOBILE}}")
            )
        elif key not in TYPED_LISTS and field_spec.values is not None:
            out.append((loc, f"'{key}' is a single value: give field, value or join"))
    for key in info.links:
        link = spec.fields.get(key)
        if link is None:
            out.append(
                ((*base, "fields"), f"'{key}' is required: the lookup field it is read from")
            )
        elif link.field is None or "." in link.field or link.map or link.convert:
            out.append(
                (
                    (*base, "fields", key),
                    f"must be a plain lookup field of {spec.sobject} (no path, map or convert)",
                )
            )
    if spec.custom_fields and not info.has_custom_fields:
        out.append(((*base, "custom_fields"), f"{info.name} has no custom_fields in Kombo's model"))
    for option in ("order_by", "members", "outcome"):
        if getattr(spec, option) and option not in info.options:
            out.append(((*base, option), f"only for {_owner(option)}"))
    if "members" in info.options and not spec.members:
        out.append(((*base, "members"), "list at least one lookup of the job (OwnerId, ...)"))
    return out


def _owner(option: str) -> str:
    return next(m.name for m in MODELS.values() if option in m.options)


def _same_object(mapping: ReadMapping, name: str, other: str) -> list[tuple[Loc, str]]:
    first, second = mapping.models.get(name), mapping.models.get(other)
    if first is None or second is None or first.sobject.lower() == second.sobject.lower():
        return []
    return [(("models", name, "sobject"), f"must be the sObject of {other} ({second.sobject})")]
