"""Which arrays a checkpoint holds: bools, integers and floats of at most 64 bits, unmasked.

Both formats and both directions (save and load) ask the same question, `refusal`, so a file
`save` writes is always one `load` reads back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_WHY = {
    "O": "Python objects, which only a pickle can store, and unpickling runs code",
    "U": "strings; keep text as plain Python strings instead",
    "S": "byte strings; keep text as plain Python strings instead",
    "c": "complex numbers, which microgradnet does not compute with",
    "V": "record fields or raw bytes; save each field as its own array",
    "M": "dates; save them as integers",
    "m": "time spans; save them as integers",
}


def refusal(dtype: np.dtype[Any]) -> str | None:
    """Why an array of ``dtype`` cannot be in a checkpoint, or None if it can.

    >>> refusal(np.dtype(np.float32)) is None, refusal(np.dtype(complex))[:36]
    (True, 'dtype complex128 (complex numbers, w')
    """
    if dtype.kind in "biuf" and dtype.itemsize <= 8 and not dtype.hasobject:
        return None
    why = _WHY.get(dtype.kind, "more than 64 bits per number, a size that varies between machines")
    return (
        f"dtype {dtype} ({why}); a checkpoint holds arrays of bools, integers and floats of at "
        "most 64 bits"
    )


def saveable(arr: Any, where: str) -> np.ndarray:
    """``arr`` (an array or numpy scalar) as a plain array, or a TypeError naming ``where``."""
    if isinstance(arr, np.ma.MaskedArray):
        raise TypeError(
            f"save: {where} is a masked array, whose mask a checkpoint would lose; save its "
            "data and mask as two arrays (arr.data, np.ma.getmaskarray(arr)) or arr.filled(value)"
        )
    plain: np.ndarray = np.asarray(arr)
    problem = refusal(plain.dtype)
    if problem is not None:
        raise TypeError(f"save: {where} has {problem}")
    return plain
