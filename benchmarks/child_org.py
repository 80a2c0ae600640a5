"""A local org in a child process, reached through a pipe, for benchmarks.

Against a real org, the org's own work (parsing SOQL, validating and storing records) happens on
Salesforce's servers, not in the client's process. A benchmark that runs the emulator in the
client's process charges that work to the client: its wall time, CPU and memory. Here the org
lives in a child process, so what is measured in the parent is the client alone, as in
production. Requests sent concurrently (the import's ``--max-concurrency``) are answered
concurrently: each waits the org's latency in its own thread of the child, and the org's lock
serialises the rest, as on the in-process org.

    with ChildOrg(seed_contacts, 1_000, latency=0.05) as org:
        client = Asymbl(org.salesforce(), ledger=False)
        ...
        org.calls()  # {"total": 32, "POST composite": 27, ...}
"""

from __future__ import annotations

import itertools
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

import requests
from simple_salesforce import Salesforce

from asymbl_sf.localorg import LocalOrg
from asymbl_sf.localorg.http import HttpRequest, HttpResponse
from asymbl_sf.localorg.org import INSTANCE_URL, SESSION_ID, LocalOrgAdapter

#: Threads of the child answering requests at once (above any ``--max-concurrency`` we measure).
CHILD_THREADS = 16

#: A function preparing the child's fresh org (seeding it): module-level, so it can be pickled.
Setup = Callable[..., Any]


def _serve(conn: Connection, setup: Setup | None, args: tuple[Any, ...], latency: float) -> None:
    """The child: a fresh in-memory org answering the parent's requests on a thread pool."""
    org = LocalOrg()
    if setup is not None:
        setup(org, *args)
    org.calls.reset()
    org.latency = latency
    sending = threading.Lock()

    def answer(number: int, message: tuple[Any, ...]) -> None:
        response = org.handle(HttpRequest(*message))
        with sending:
            conn.send((number, (response.status, response.body, response.headers)))

    conn.send(("ready", None))
    with ThreadPoolExecutor(CHILD_THREADS) as pool:
        while (received := conn.recv()) is not None:
            number, message = received
            if number == "calls":
                with sending:
                    conn.send(("calls", {"total": org.calls.total, **org.calls.by_endpoint}))
            else:
                pool.submit(answer, number, message)


class ChildOrg:
    """Looks like a LocalOrg to :class:`LocalOrgAdapter`; the org is in a child process."""

    def __init__(self, setup: Setup | None = None, *args: Any, latency: float = 0.0) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, setup, args, latency), daemon=True
        )
        self._process.start()
        self._waiting: dict[Any, Future[Any]] = {}
        self._numbers = itertools.count()
        self._sending = threading.Lock()
        ready = self._conn.recv()
        if ready != ("ready", None):
            raise RuntimeError(f"the child org did not start: {ready!r}")
        self._receiver = threading.Thread(target=self._receive, daemon=True)
        self._receiver.start()

    def _receive(self) -> None:
        """Hands each answer from the child to the request waiting for it."""
        while True:
            try:
                number, answer = self._conn.recv()
            except (EOFError, OSError):
                return
            self._waiting.pop(number).set_result(answer)

    def _ask(self, number: Any, message: Any) -> Any:
        waiting: Future[Any] = Future()
        self._waiting[number] = waiting
        with self._sending:
            self._conn.send((number, message))
        return waiting.result()

    def handle(self, request: HttpRequest) -> HttpResponse:
        message = (request.method, request.url, request.headers, request.body)
        status, body, headers = self._ask(next(self._numbers), message)
        return HttpResponse(status, body, headers)

    def calls(self) -> dict[str, int]:
        """The calls the org answered since it was set up: ``total`` and per endpoint."""
        answer: dict[str, int] = self._ask("calls", None)
        return answer

    def salesforce(self) -> Salesforce:
        session = requests.Session()
        session.mount(INSTANCE_URL + "/", LocalOrgAdapter(self))  # type: ignore[arg-type]
        return Salesforce(instance_url=INSTANCE_URL, session_id=SESSION_ID, session=session)

    def close(self) -> None:
        try:
            with self._sending:
                self._conn.send(None)
        except OSError:
            pass
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()

    def __enter__(self) -> ChildOrg:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
