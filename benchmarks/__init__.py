"""Benchmarks: this engine beside micrograd (PyPI) and PyTorch (CPU, float64, one thread),
measured in the same process run. Run them with ``make bench`` or ``python -m benchmarks``.

These are measurements, not tests: the test suite only runs each one once at a tiny size
(``--smoke``), to keep them working.
"""
