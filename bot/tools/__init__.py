"""Tooling, apart from the runtime: evaluation of the case sets (benchmarks live in scripts/)."""
