"""Benchmarks: ``python -m bench.sync_load`` prints the sync engine's figures against a
baseline measured in the same run. Not tests: they time things, and print the numbers."""
