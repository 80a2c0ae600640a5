"""The Salesforce REST API version asymbl-sf speaks unless told otherwise.

Pinned rather than "latest" so a Salesforce release never changes behaviour under a user; below
65.0, where Salesforce retires the SOAP username-password login that one login mode still uses.
Override with ``SF_API_VERSION`` or ``connect(api_version=...)``.
"""

DEFAULT_API_VERSION = "62.0"
