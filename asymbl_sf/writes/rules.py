"""What the write core needs from a mapping, read once and checked: :class:`WriteRules`.

The mapping decides which payload value goes into which field; the core also needs to know how
records are found again and how they point at each other: the Contact's match field and policies,
which applicant fields take the Contact, job, stage and recruiter, and which fields of a file and
of a Task take the Contact. Those are read from the mapping here, once, so a bad mapping fails
before any record is planned.
"""

from __future__ import annotations

from collections.abc import Mapping as Keyed
from dataclasses import dataclass

from asymbl_sf.dedupe import WhenFound, WhenMany, normalize_email
from asymbl_sf.errors import ConfigurationError
from asymbl_sf.mapping import FieldSpec, Mapping
from asymbl_sf.schema.names import (
    APPLICANT,
    APPLICANT_CONTACT,
    APPLICANT_JOB,
    APPLICANT_STAGE,
    CONTACT,
    CONTENT_VERSION,
    TASK,
)

#: The references an applicant field may take, besides the Contact.
APPLICANT_REFS = ("job", "stage", "user")
#: The references a Task field may take.
TASK_REFS = (CONTACT, "application", "user")


@dataclass(frozen=True)
class WriteRules:
    """How the mapping's records are matched and linked (see the module docstring)."""

    #: The Contact field a candidate is found again by (``Email``); None: never reused.
    match_field: str | None
    when_found: WhenFound
    when_many: WhenMany
    #: Applicant field → ``Contact``, ``job``, ``stage`` or ``user``.
    applicant_refs: dict[str, str]
    #: The applicant's lookups to its Contact, job and stage.
    contact_link: str
    job_link: str
    stage_link: str
    #: Field of ``bpats__Job__c`` a ``remote:<value>`` job is looked up by.
    job_remote_key: str
    #: ContentVersion field → ref (``Contact``): where a file is published.
    file_refs: dict[str, str]
    #: Task field → ``Contact``, ``application`` or ``user``.
    task_refs: dict[str, str]
    #: The Contact fields the mapping writes (read from an existing Contact when its policy
    #: compares them: ``fill_blanks`` or ``update``).
    contact_fields: tuple[str, ...] = ()
    #: The Contact's claim field (``match.claim``): holds the normalised match value of every
    #: Contact created, unique in the org. None: no claim.
    claim_field: str | None = None

    @property
    def match_is_email(self) -> bool:
        return (self.match_field or "").lower() == "email"

    def normalize(self, value: object) -> str | None:
        """A match value as compared: an email trimmed and lower-cased (Salesforce's ``=`` on
        email ignores case), any other value trimmed; empty → None."""
        if self.match_is_email:
            return normalize_email(value)
        text = str(value).strip() if value is not None else ""
        return text or None

    @classmethod
    def of(cls, mapping: Mapping) -> WriteRules:
        objects = mapping.objects_for("application")
        contact = objects.get(CONTACT)
        applicant = objects.get(APPLICANT)
        if contact is None or applicant is None:
            raise ConfigurationError(f"the mapping needs the objects {CONTACT} and {APPLICANT}")
        match = contact.match
        if match is not None and len(match.on) != 1:
            raise ConfigurationError(
                f"objects.{CONTACT}.match.on names {len(match.on)} fields; a candidate is found "
                "again by one field (e.g. match: {on: [Email]})"
            )
        refs = {name: spec.ref for name, spec in applicant.fields.items() if spec and spec.ref}
        unknown = {n: r for n, r in refs.items() if r != CONTACT and r not in APPLICANT_REFS}
        if unknown:
            name, ref = next(iter(unknown.items()))
            raise ConfigurationError(
                f"objects.{APPLICANT}.fields.{name} refers to {ref!r}, which is not filled when "
                f"writing (refs: {CONTACT}, {', '.join(APPLICANT_REFS)})"
            )

        def link(ref: str, default: str) -> str:
            return next((n for n, r in refs.items() if r == ref), default)

        files = objects.get(CONTENT_VERSION)
        tasks = mapping.objects_for("activity").get(TASK)
        return cls(
            match_field=match.on[0] if match is not None else None,
            when_found=match.when_found if match is not None else "reuse",
            when_many=match.when_many if match is not None else "oldest",
            applicant_refs=refs,
            contact_link=link(CONTACT, APPLICANT_CONTACT),
            job_link=link("job", APPLICANT_JOB),
            stage_link=link("stage", APPLICANT_STAGE),
            job_remote_key=_field_name(mapping.settings.job_remote_key),
            file_refs=_refs(files.fields if files else {}),
            task_refs=_refs(tasks.fields if tasks else {}),
            contact_fields=tuple(
                name
                for name, spec in contact.fields.items()
                if spec is not None and not spec.ref and name != "RecordTypeId"
            ),
            claim_field=match.claim if match is not None else None,
        )


def _refs(fields: Keyed[str, FieldSpec | None]) -> dict[str, str]:
    return {name: spec.ref for name, spec in fields.items() if spec is not None and spec.ref}


def _field_name(name: str) -> str:
    # The key comes from the mapping file, not from input; still, only a field name may pass.
    return name if name.replace("_", "").isalnum() else "Name"
