"""Helpers shared by the test folders (fixtures shared by all are in ``tests/conftest.py``)."""
