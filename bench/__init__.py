"""Benchmarks: plain scripts, ``.venv/bin/python -m bench.<name> [--quick]`` (see bench/README.md)."""
