"""Benchmarks: imports at scale against the local org, and transform throughput.

Run them as scripts (``python benchmarks/import_bench.py --help``); docs/performance.md has the
figures and the commands that reproduce them.
"""
