"""asymbl-sf: write recruiting data (Kombo, Merge and Truto payloads) straight into Asymbl ATS.

import asymbl_sf
client = asymbl_sf.connect()                 # credentials from env / .env, else the local org
result = client.create_application("examples/kombo_application.json",
                                   job_id="remote:Registered Nurse")
"""

from importlib.metadata import PackageNotFoundError, version

from asymbl_sf.client import Asymbl
from asymbl_sf.connect import connect
from asymbl_sf.errors import (
    AsymblError,
    AuthenticationError,
    ConfigurationError,
    MappingError,
    PayloadError,
    Problem,
    RequestLimitError,
    SalesforceError,
    TransientError,
    WriteError,
)
from asymbl_sf.mapping import load_mapping, render

try:
    # One source of truth: the version pyproject.toml declares, as installed.
    __version__ = version("asymbl-sf")
except PackageNotFoundError:  # pragma: no cover - a source tree on sys.path, never installed
    __version__ = "0+unknown"

__all__ = [
    "Asymbl",
    "AsymblError",
    "AuthenticationError",
    "ConfigurationError",
    "MappingError",
    "PayloadError",
    "Problem",
    "RequestLimitError",
    "SalesforceError",
    "TransientError",
    "WriteError",
    "__version__",
    "connect",
    "load_mapping",
    "render",
]
