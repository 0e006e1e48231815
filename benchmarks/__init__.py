"""Benchmarks of microgradnet against hand-written numpy (and PyTorch when it is installed).

Run them with ``make bench`` or ``python -m benchmarks.run --help``.
"""
