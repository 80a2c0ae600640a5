"""The CLI, killed by SIGKILL at one exact moment: right after the local org saved a write.

Run as ``python -c "from tests.reliability.kill_switch import main; main()" import ...`` with
``KILL_AFTER_WRITE_OF=<sObject>``: the first successful create of that sObject is carried out
and saved by the org on disk, then the process kills itself before the answer reaches the
client. That is the worst moment for "nothing twice": the org holds records no results file
names. Random kill points reach it only by luck; this reaches it every time.
"""

from __future__ import annotations

import os
import signal

from asymbl_sf.localorg.http import HttpRequest, HttpResponse
from asymbl_sf.localorg.org import LocalOrg

KILL_ENV = "KILL_AFTER_WRITE_OF"


def install(sobject: str) -> None:
    """Make every ``LocalOrg`` of this process die after saving the first create of ``sobject``."""
    original = LocalOrg.handle
    marker = f'"type": "{sobject}"'.encode()
    compact = f'"type":"{sobject}"'.encode()

    def handle(self: LocalOrg, request: HttpRequest) -> HttpResponse:
        response = original(self, request)  # answered and, for an org on disk, saved
        wrote = request.method == "POST" and (marker in request.body or compact in request.body)
        if wrote and response.status < 300:
            os.kill(os.getpid(), signal.SIGKILL)
        return response

    LocalOrg.handle = handle  # type: ignore[method-assign]


def main() -> None:
    """``asymbl-sf`` with the kill switch of ``$KILL_AFTER_WRITE_OF`` installed."""
    install(os.environ[KILL_ENV])
    from asymbl_sf.cli.app import main as cli

    cli()
