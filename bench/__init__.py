"""Benchmarks, run on demand with `make bench`; never timed assertions in tests."""
