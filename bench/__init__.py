"""Benchmarks: plain scripts, ``.venv/bin/python -m bench.<name> [--quick]``.

See bench/README.md.
"""
