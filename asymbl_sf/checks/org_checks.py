"""Checks of the org itself: API version, the Asymbl package, record types, the job key, the
daily API budget. Each returns :class:`CheckItem` s; none calls the org (see ``snapshot``)."""

from __future__ import annotations

from asymbl_sf.errors import AuthenticationError, RequestLimitError, SalesforceError
from asymbl_sf.mapping import Mapping
from asymbl_sf.schema.names import JOB, NAMESPACE

from .report import CheckItem, Severity
from .snapshot import OrgSnapshot
from .suggest import close_names, did_you_mean

#: The package's objects every write needs.
CORE_OBJECTS = ("bpats__Job__c", "bpats__ATS_Stage__c", "bpats__ATS_Applicant__c")
#: Share of the daily budget below which ``check`` warns.
LOW_BUDGET_SHARE = 0.10


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def api_version(configured: str, supported: list[str]) -> CheckItem:
    """Is the API version asymbl-sf speaks one the org serves?"""
    if not supported:
        return CheckItem(
            "warning",
            "org.api_version",
            f"the org did not list its API versions; using v{configured}",
        )
    latest = max(supported, key=_version_key)
    if configured in supported:
        return CheckItem(
            "ok",
            "org.api_version",
            f"API version {configured} is supported (the org's latest is {latest})",
        )
    return CheckItem(
        "error",
        "org.api_version",
        f"this org does not serve API version {configured} (it serves "
        f"{min(supported, key=_version_key)} to {latest})",
        suggestion=f"set SF_API_VERSION={latest} (or connect(api_version='{latest}'))",
    )


def authentication(error: AuthenticationError) -> CheckItem:
    """A refused session: nothing else can be checked."""
    return CheckItem(
        "error",
        "org.authentication",
        f"Salesforce refused the session ({error.error_code})",
        suggestion=f"log in again: {error.message}",
    )


def budget_spent(error: RequestLimitError) -> CheckItem:
    return CheckItem(
        "error",
        "org.api_budget",
        f"the org's daily API budget is spent ({error.error_code}): every call, "
        "writes included, is refused",
        suggestion="wait until calls free up (Salesforce counts a rolling 24 hours), "
        "or ask Salesforce for a higher limit",
    )


def api_budget(used: int | None, limit: int | None) -> CheckItem:
    """Warn when little of the daily API budget is left."""
    if used is None or limit is None:
        return CheckItem(
            "warning",
            "org.api_budget",
            "the org did not report its daily API usage (no Sforce-Limit-Info)",
        )
    remaining = max(limit - used, 0)
    if remaining == 0:
        return CheckItem(
            "error",
            "org.api_budget",
            f"the daily API budget is spent ({used:,} of {limit:,} calls used)",
            suggestion="wait until calls free up, or ask Salesforce for a higher limit",
        )
    if remaining < limit * LOW_BUDGET_SHARE:
        return CheckItem(
            "warning",
            "org.api_budget",
            f"only {remaining:,} of {limit:,} daily API calls are left; writes fail "
            "with REQUEST_LIMIT_EXCEEDED once they are spent",
            suggestion="run large imports later, or with Bulk API 2.0 (one job "
            "costs a handful of calls for thousands of records)",
        )
    return CheckItem("ok", "org.api_budget", f"{remaining:,} of {limit:,} daily API calls left")


def package(snapshot: OrgSnapshot) -> tuple[CheckItem, bool]:
    """Is Asymbl ATS installed? Returns the item and whether its objects are there."""
    names = snapshot.object_names
    if names is None:
        return CheckItem(
            "warning", "org.package", "could not read the org's object list (global describe)"
        ), True
    lower = {n.lower() for n in names}
    ours = [n for n in names if n.lower().startswith(NAMESPACE)]
    missing = [o for o in CORE_OBJECTS if o.lower() not in lower]
    if not ours:
        return CheckItem(
            "error",
            "org.package",
            "the Asymbl ATS package (namespace bpats__) is not installed in this org, or this "
            "user cannot see its objects",
            suggestion="install Asymbl ATS, or give the user a permission set with access to "
            "its objects; every bpats__ field of the mapping is skipped until then",
        ), False
    if missing:
        return CheckItem(
            "error",
            "org.package",
            f"the Asymbl ATS package is incomplete for this user: no {', '.join(missing)}",
            suggestion="give the user access to these objects (permission set), or update the "
            "package",
        ), False
    return CheckItem(
        "ok", "org.package", f"Asymbl ATS is installed ({len(ours)} bpats__ objects visible)"
    ), True


def record_types(mapping: Mapping, snapshot: OrgSnapshot) -> list[CheckItem]:
    """Each ``record_type`` the mapping names: present and available, or what happens instead."""
    items = []
    for key, _obj, name, spec in mapping.iter_fields():
        if spec.record_type is None:
            continue
        describe = snapshot.describe(key)
        if describe is None:
            continue  # the object itself is reported missing
        wanted = spec.record_type
        infos = [
            i
            for i in describe.recordTypeInfos
            if str(i.get("developerName", "")).lower() == wanted.lower()
        ]
        where = mapping.position(("objects", key, "fields", name))
        source, line = (where[0], where[1]) if where else (None, None)
        if any(i.get("available", True) and i.get("active", True) for i in infos):
            items.append(
                CheckItem(
                    "ok",
                    "org.record_type",
                    f"{describe.name} record type `{wanted}` is there",
                    key,
                    name,
                    source=source,
                    line=line,
                )
            )
            continue
        rows = [
            r
            for r in snapshot.record_types or []
            if str(r.get("SobjectType", "")).lower() == key.lower()
            and str(r.get("DeveloperName", "")).lower() == wanted.lower()
        ]
        if rows and not rows[0].get("IsActive"):
            why = f"{describe.name} record type `{wanted}` exists but is inactive"
            fix = "activate it in Setup"
        elif rows or infos:
            why = f"{describe.name} record type `{wanted}` is not available to this user"
            fix = "assign it to the user's profile or permission set"
        else:
            others = [
                str(i.get("developerName")) for i in describe.recordTypeInfos if not i.get("master")
            ]
            why = f"this org has no {describe.name} record type `{wanted}`"
            fix = did_you_mean(close_names(wanted, ((o, None) for o in others))) or (
                f"create it in Setup, or remove {name} from the mapping"
            )
        items.append(
            CheckItem(
                "warning",
                "org.record_type",
                f"{why}: the mapping leaves {name} empty, so new {describe.name} records get the "
                "user's default record type",
                key,
                name,
                suggestion=fix,
                source=source,
                line=line,
            )
        )
    return items


def job_key(mapping: Mapping, snapshot: OrgSnapshot) -> CheckItem:
    """``settings.job_remote_key``: a field of bpats__Job__c that can be filtered on."""
    key = mapping.settings.job_remote_key
    where = mapping.position(("settings", "job_remote_key"))
    source, line = (where[0], where[1]) if where else (None, None)

    def item(severity: Severity, message: str, suggestion: str | None = None) -> CheckItem:
        return CheckItem(
            severity,
            "org.job_key",
            message,
            JOB,
            key,
            suggestion=suggestion,
            source=source,
            line=line,
        )

    describe = snapshot.describe(JOB)
    if describe is None:
        return item("error", f"cannot look jobs up by {key}: the org has no {JOB}")
    field = describe.field(key)
    if field is None:
        names = close_names(key, ((f.name, f.label) for f in describe.fields))
        return item(
            "error",
            f"settings.job_remote_key: no field `{key}` on {JOB}, so every remote: job id fails",
            did_you_mean(names) or "use Name, or a unique external-id field of the job",
        )
    refused = snapshot.job_key_error
    if not field.filterable or refused is not None:
        # The describe already says why when the field cannot be filtered; otherwise quote the
        # last line of Salesforce's answer (the first lines repeat the query).
        said = (
            f" (Salesforce said {refused.error_code}: {refused.message.splitlines()[-1]})"
            if refused is not None and field.filterable
            else ""
        )
        return item(
            "error",
            f"settings.job_remote_key: {JOB}.{field.name} ({field.type}) "
            f"cannot be filtered on, so remote: job ids cannot be looked up{said}",
            "use Name, or a unique external-id text field of the job",
        )
    unique = field.unique or field.externalId or field.autoNumber
    note = (
        ""
        if unique
        else (
            " (not unique: a remote: id that matches several jobs is "
            "refused; a unique external-id field avoids that)"
        )
    )
    return item("ok", f"remote: job ids are looked up by {JOB}.{field.name}{note}")


#: Field types a claim may have: it holds an email (or another match value) as text.
_CLAIM_TYPES = ("string", "email")


def claim(mapping: Mapping, snapshot: OrgSnapshot) -> CheckItem | None:
    """``objects.Contact.match.claim``: a text field of Contact, External ID and unique (so the
    org refuses a second Contact with the same value), not case-sensitive (the value is stored
    lower-cased, but a case-sensitive field would let ``Jane@`` in beside ``jane@`` from another
    writer), and writable on create. None when the mapping has no claim."""
    contact_spec = mapping.objects.get("Contact")
    match = contact_spec.match if contact_spec is not None else None
    if match is None or match.claim is None:
        return None
    name = match.claim
    where = mapping.position(("objects", "Contact", "match", "claim"))
    source, line = (where[0], where[1]) if where else (None, None)

    def item(severity: Severity, message: str, suggestion: str | None = None) -> CheckItem:
        return CheckItem(
            severity, "match.claim", message, "Contact", name, suggestion=suggestion,
            source=source, line=line,
        )  # fmt: skip

    describe = snapshot.describe("Contact")
    if describe is None:
        return None  # the missing object is reported on its own
    field = describe.field(name)
    if field is None:
        names = close_names(name, ((f.name, f.label) for f in describe.fields))
        return item(
            "error",
            f"match.claim: no field `{name}` on Contact",
            did_you_mean(names)
            or "create a Text(255) field on Contact marked External ID and Unique "
            "(case-insensitive), and name it here",
        )
    wrong = []
    if field.type not in _CLAIM_TYPES:
        wrong.append(f"its type is {field.type}, not text")
    if not field.externalId:
        wrong.append("it is not an External ID")
    if not field.unique:
        wrong.append("it is not Unique, so Salesforce would not refuse a second Contact")
    if field.caseSensitive:
        wrong.append("it is case-sensitive")
    if not field.createable:
        wrong.append("this user cannot set it on create")
    if wrong:
        return item(
            "error",
            f"match.claim: Contact.{field.name} cannot hold the claim: " + "; ".join(wrong),
            "make it a Text(255) field marked External ID and Unique (case-insensitive), "
            "writable by this user",
        )
    return item(
        "ok",
        f"new Contacts claim their email in Contact.{field.name} (External ID, unique): runs "
        "on other machines cannot create the same candidate twice",
    )


def describe_failed(sobject: str, error: SalesforceError) -> CheckItem:
    return CheckItem(
        "error",
        "object.describe",
        f"could not read {sobject} ({error.error_code}: {error.message})",
        sobject,
        suggestion="check the user's access to the object",
    )
