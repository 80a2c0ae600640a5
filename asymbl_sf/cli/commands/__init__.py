"""Commands beyond the write actions, one concept per module.

Each module defines ``register(app: typer.Typer, org_app: typer.Typer) -> None`` and adds its
commands there; :mod:`asymbl_sf.cli.app` registers every module of this package.
"""
