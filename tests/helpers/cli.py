"""Running the ``asymbl-sf`` command in-process, with stdout and stderr kept apart."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from asymbl_sf.cli.app import app


def run_cli(*args: str, stdin: str | None = None) -> Result:
    """``asymbl-sf ARGS...`` with ``stdin`` as its standard input; the result has
    ``exit_code``, ``stdout`` and ``stderr``. Use with the ``clean_env`` fixture, so no org of
    the machine running the tests is reached."""
    return CliRunner().invoke(app, list(args), input=stdin)
