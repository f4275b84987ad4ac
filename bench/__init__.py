"""Benchmarks that print their figures (bench/README.md)."""
