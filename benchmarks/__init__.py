"""Timing commands, one module per benchmark: `python -m benchmarks NAME`."""
