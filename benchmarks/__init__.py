"""Benchmarks: this engine beside micrograd (PyPI) and PyTorch (CPU, float64, one thread),
measured in the same process run. Run them with ``make bench`` or ``python -m benchmarks``.

These are measurements, not tests: the test suite only runs each one once at a tiny size
(``--smoke``), to keep them working.
"""

import os

# One thread for NumPy's matrix products too, as for PyTorch's (set in __main__): set before
# NumPy is first imported, which reads these once.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
