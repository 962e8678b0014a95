"""Benchmarks: measured against a baseline in the same run (see ``benchmarks/load.py``)."""
