"""Benchmarks: `make bench` (python -m bench) prints figures; nothing here is a test."""
