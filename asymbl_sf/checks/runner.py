"""``check``: a mapping against a live org, in two API calls.

The org-level checks come first because they decide what else is worth checking: a refused
session or an unsupported API version stops the run (every other call would fail the same way),
and a missing Asymbl package is one error instead of one per ``bpats__`` field.
"""

from __future__ import annotations

from asymbl_sf.errors import AuthenticationError, RequestLimitError
from asymbl_sf.mapping import Mapping
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.schema.names import JOB, NAMESPACE

from . import org_checks
from .field_checks import FieldChecker
from .report import CheckItem, CheckReport
from .required import unmapped_required
from .snapshot import OrgSnapshot, read_org
from .suggest import close_names, did_you_mean


def check_org(api: SalesforceApi, mapping: Mapping, *, org: str = "") -> CheckReport:
    """Compare ``mapping`` with the org ``api`` talks to; see :class:`CheckReport`."""
    report = CheckReport(org=org, mapping_files=mapping.files)
    start = api.usage.calls
    try:
        _run(api, mapping, report)
    except AuthenticationError as exc:
        report.add(org_checks.authentication(exc))
    except RequestLimitError as exc:
        report.add(org_checks.budget_spent(exc))
    report.api_calls = api.usage.calls - start
    report.api_remaining = api.usage.remaining
    return report


def _run(api: SalesforceApi, mapping: Mapping, report: CheckReport) -> None:
    record_types = [
        (key, spec.record_type)
        for key, _, _, spec in mapping.iter_fields()
        if spec.record_type is not None
    ]
    snapshot = read_org(
        api,
        [*mapping.objects, JOB],
        record_types=record_types,
        job_key=mapping.settings.job_remote_key,
    )
    version = org_checks.api_version(api.version, snapshot.versions)
    report.add(version)
    if version.severity == "error":
        return
    package, installed = org_checks.package(snapshot)
    report.add(package)
    if installed:
        report.add(org_checks.job_key(mapping, snapshot))
    report.items.extend(org_checks.record_types(mapping, snapshot))
    claimed = org_checks.claim(mapping, snapshot)
    if claimed is not None:
        report.add(claimed)
    for key, obj in mapping.objects.items():
        if not installed and key.lower().startswith(NAMESPACE):
            continue  # the package error covers it
        describe = snapshot.describe(key)
        if describe is None:
            report.add(_missing_object(mapping, key, snapshot))
            continue
        skip = None if installed else NAMESPACE
        report.items.extend(FieldChecker(mapping, key, obj, describe, skip_prefix=skip).run())
        report.items.extend(unmapped_required(mapping, key, obj, describe))
    report.add(org_checks.api_budget(api.usage.used, api.usage.limit))


def _missing_object(mapping: Mapping, key: str, snapshot: OrgSnapshot) -> CheckItem:
    error = snapshot.describe_errors.get(key.lower())
    if error is not None and error.error_code not in ("NOT_FOUND", "INVALID_TYPE"):
        return org_checks.describe_failed(key, error)
    names = close_names(key, ((n, None) for n in snapshot.object_names or []))
    where = mapping.position(("objects", key))
    return CheckItem(
        "error",
        "object.exists",
        f"no object `{key}` in this org",
        key,
        suggestion=did_you_mean(names) or "check the object's API name in Setup",
        source=where[0] if where else None,
        line=where[1] if where else None,
    )
