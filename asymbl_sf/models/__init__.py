"""Payload models: the canonical unified models and one parser per dialect."""

from asymbl_sf.models.canonical import (
    Activity,
    Application,
    Attachment,
    Candidate,
    EmailAddress,
    GdprConsent,
    JobReference,
    Location,
    PhoneNumber,
    SalaryExpectation,
    ScreeningAnswer,
    SocialLink,
    Source,
)
from asymbl_sf.models.parse import DIALECTS, detect_dialect, parse_application, parse_candidate

__all__ = [
    "DIALECTS",
    "Activity",
    "Application",
    "Attachment",
    "Candidate",
    "EmailAddress",
    "GdprConsent",
    "JobReference",
    "Location",
    "PhoneNumber",
    "SalaryExpectation",
    "ScreeningAnswer",
    "SocialLink",
    "Source",
    "detect_dialect",
    "parse_application",
    "parse_candidate",
]
