"""Tools of the failover.shared_ip repository: the demo, the benchmarks and the docs generator.

Run from the repository root with the project's venv, e.g. ``.venv/bin/python -m tools.demo``.
"""
