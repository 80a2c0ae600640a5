"""The Kombo-shaped answer of a write, made by the read mapping: :class:`Presenter`.

Kombo's documented responses are the contract for what a write answers, and ``read`` is the
contract for what the org holds; both come from one place, the read mapping
(``mappings/read.yaml``), so ``create_application(...)["data"]`` is exactly what
``read("applications")`` returns for that applicant, and ``create_candidate``'s is what
``read("candidates")`` returns for that Contact, key by key.

To answer without another API call, the presenter tells the write what to read: the fields its
lookups select (:meth:`selection`) and the queries its write reads back (:meth:`read_backs`), the
same select lists ``read`` uses.
"""

from __future__ import annotations

from typing import Any

from asymbl_sf.reading import ReadMapping
from asymbl_sf.reading.models import ApplicationsReader, CandidatesReader, ReadContext
from asymbl_sf.reading.nested import PageLookups, StageIndex
from asymbl_sf.reading.soql import query
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.salesforce.units import ReadBack, reference
from asymbl_sf.schema.ids import to_18
from asymbl_sf.schema.names import APPLICANT, STAGE, STAGE_FIELDS, STAGE_JOB, STAGE_ORDER

from .facts import Selection
from .queries import Lookup, Ref, quote_values

#: Names of the read-backs and lookups a single action adds.
APPLICATION, CANDIDATE, CANDIDATE_APPLICATIONS, CANDIDATE_STAGES = (
    "application",
    "candidate",
    "candidate_applications",
    "candidate_stages",
)


class Presenter:
    """Kombo-shaped answers from rows read with the read mapping's select lists."""

    def __init__(self, api: SalesforceApi, mapping: ReadMapping, instance_url: str) -> None:
        lookups = PageLookups(api)
        self.ctx = ReadContext(
            mapping, instance_url, lookups, StageIndex(lookups, mapping.model("job_stages"))
        )
        self.applications = ApplicationsReader(self.ctx)
        self.candidates = CandidatesReader(self.ctx)

    # -- what to read ---------------------------------------------------------------------------

    def selection(self, contact_fields: list[str]) -> Selection:
        """Lookups select what ``read`` selects (and the Contact fields the mapping writes, for
        ``fill_blanks``/``update``), so an unchanged record is answered from the lookup."""
        return Selection(
            contact_fields=[*self.candidates.select(), *contact_fields],
            applicant_fields=self.applications.select(),
        )

    def stages_lookup(self, contacts_key: str, id_field: str) -> Lookup:
        """The stages of every job the candidate has applications on (a candidate's answer
        shows each application's stage index); the candidate is what lookup ``contacts_key``
        finds, its id in ``id_field`` (the applicant's Contact link when empty)."""
        link = self.applications.contact_link
        job = self.applications.job_link
        field_name = id_field or link

        def build(found: dict[str, list[dict[str, Any]]] | None) -> list[str]:
            ids: list[str | Ref] = (
                [Ref(contacts_key, field_name)]
                if found is None
                else [
                    *sorted(
                        {
                            to_18(str(r[field_name]))
                            for r in found.get(contacts_key, [])
                            if r.get(field_name)
                        }
                    )
                ]
            )
            if not ids:
                return []
            return [
                f"SELECT {', '.join(STAGE_FIELDS)} FROM {STAGE} WHERE {STAGE_JOB} IN "
                f"(SELECT {job} FROM {APPLICANT} WHERE {link} IN {quote_values(ids)}) "
                f"ORDER BY {STAGE_JOB}, {STAGE_ORDER}"
            ]

        return Lookup(CANDIDATE_STAGES, build, needs=(contacts_key,), foldable=True)

    def read_backs(
        self,
        *,
        contact: str,
        applicant: str | None,
        candidate: bool,
        contact_written: bool,
        applicant_written: bool,
    ) -> list[ReadBack]:
        """Queries a write reads back: the applicant and the candidate as ``read`` shows them
        (``contact``/``applicant``: the unit's write keys when ``*_written``, else ids)."""
        contact_id = reference(contact) if contact_written else contact
        out: list[ReadBack] = []
        if applicant is not None:
            applicant_id = reference(applicant) if applicant_written else applicant
            out.append(
                ReadBack(
                    APPLICATION,
                    query(APPLICANT, self.applications.select(), [f"Id = '{applicant_id}'"], ()),
                )
            )
        if candidate:
            out.append(
                ReadBack(
                    CANDIDATE,
                    query(
                        self.candidates.sobject,
                        self.candidates.select(),
                        [f"Id = '{contact_id}'"],
                        (),
                    ),
                )
            )
            out.append(
                ReadBack(
                    CANDIDATE_APPLICATIONS,
                    query(
                        APPLICANT,
                        self.candidates.applications.select(),
                        [f"{self.applications.contact_link} = '{contact_id}'"],
                        ["CreatedDate ASC", "Id ASC"],
                    ),
                )
            )
            out.append(
                ReadBack(
                    CANDIDATE_STAGES,
                    (
                        f"SELECT {', '.join(STAGE_FIELDS)} FROM {STAGE} WHERE {STAGE_JOB} IN "
                        f"(SELECT {self.applications.job_link} FROM {APPLICANT} WHERE "
                        f"{self.applications.contact_link} = '{contact_id}') "
                        f"ORDER BY {STAGE_JOB}, {STAGE_ORDER}"
                    ),
                )
            )
        return out

    # -- answers --------------------------------------------------------------------------------

    def learn_stages(self, stages: list[dict[str, Any]]) -> None:
        """Remember the order of the stages of the jobs they belong to (rows in job order)."""
        by_job: dict[str, list[str]] = {}
        for stage in stages:
            job = stage.get(STAGE_JOB)
            if job:
                by_job.setdefault(to_18(str(job)), []).append(to_18(str(stage["Id"])))
        for job_id, stage_ids in by_job.items():
            self.ctx.stages.learn(job_id, stage_ids)

    def application(self, row: dict[str, Any]) -> dict[str, Any]:
        """What ``read("applications")`` returns for the applicant ``row``."""
        self.applications.prepare([row])
        return next(self.applications.convert(row))

    def candidate(self, row: dict[str, Any], applications: list[dict[str, Any]]) -> dict[str, Any]:
        """What ``read("candidates")`` returns for the Contact ``row`` with ``applications``."""
        return self.candidates.present(row, applications)
