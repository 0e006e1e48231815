"""The errors the operations raise for bad input, each under both PyTorch's class and Python's.

PyTorch raises `RuntimeError` where an input does not fit an operation (shapes that do not
match, an argument out of range) and `NotImplementedError` (also a `RuntimeError`) for a dtype an
operation does not take; Python and numpy raise `ValueError` and `TypeError` for the same. These
classes are both, so code written for either catches them. (A dim out of range is
`shape.DimError`, an `IndexError` as in PyTorch.)
"""

from __future__ import annotations


class OpError(ValueError, RuntimeError):
    """An input an operation cannot take: shapes that do not fit, an argument out of range."""


class DtypeError(TypeError, NotImplementedError):
    """An input of a dtype the operation does not take (bit operations on floats)."""


class UnsupportedError(ValueError, NotImplementedError):
    """An option the operation does not provide (an unknown padding mode)."""
