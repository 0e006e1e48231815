"""The text of a drawing: numbers, array summaries, and escaping for DOT labels.

Any name may reach a label (a parameter called ``a|b``, a label with quotes or a newline), so every
piece of text passes through `record_text` or `plain_text` before it is written into DOT.
"""

from __future__ import annotations

from typing import Any

import graphviz
import numpy as np

#: Tensors with at most this many elements show their values; larger ones a summary.
FEW_ELEMENTS = 6

# DOT strings: a backslash starts an escape and a double quote ends the string.
_PLAIN = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": ""}
# Record labels also give {, }, |, < and > a meaning (fields, ports); escape them too.
_RECORD = _PLAIN | {c: "\\" + c for c in "{}|<>"}
_PLAIN_TABLE = str.maketrans(_PLAIN)
_RECORD_TABLE = str.maketrans(_RECORD)


def plain_text(text: str) -> str:
    """``text`` as a DOT label of an ordinary node or a cluster: shown literally, newlines kept.

    Examples
    --------
    >>> print(plain_text('say "hi"\\nthen <go>'))
    say \\"hi\\"\\nthen <go>
    """
    escaped: str = graphviz.nohtml(text.translate(_PLAIN_TABLE))
    return escaped


def record_text(fields: list[str], vertical: bool) -> str:
    """A record label whose fields are ``fields``, each shown literally.

    ``vertical`` stacks the fields top to bottom; records flip with the rank direction, so that
    takes braces when ranks run top to bottom and none when they run left to right.

    Examples
    --------
    >>> print(record_text(["w|b", "data 1"], vertical=False))
    {w\\|b|data 1}
    """
    body = "|".join(f.translate(_RECORD_TABLE) for f in fields)
    record: str = graphviz.nohtml(body if vertical else "{" + body + "}")
    return record


def number(x: float) -> str:
    """A float in four significant digits (``0.0133``, ``-2``, ``1e-07``, ``nan``).

    Examples
    --------
    >>> number(0.013296), number(2.0), number(float("inf"))
    ('0.0133', '2', 'inf')
    """
    return f"{x:.4g}"


def summary(data: Any) -> str:
    """A Value's number, a small array's elements (flattened: the shape is shown beside them),
    or a large array's min, mean and max.

    Examples
    --------
    >>> summary(0.5)
    '0.5'
    >>> summary(np.array([[1.0, 2.0], [3.0, 4.0]]))
    '[1, 2, 3, 4]'
    >>> summary(np.arange(10.0))
    'min 0  mean 4.5  max 9'
    """
    if isinstance(data, float):
        return number(data)
    a = np.asarray(data)
    if a.size <= FEW_ELEMENTS:
        formatter: Any = {"float_kind": number}
        flat = a.reshape(-1) if a.ndim else a
        return np.array2string(flat, separator=", ", max_line_width=10**6, formatter=formatter)
    with np.errstate(all="ignore"):
        return f"min {number(a.min())}  mean {number(a.mean())}  max {number(a.max())}"


def short_repr(module: Any) -> str:
    """A module on one line: its class and its own arguments (``Linear(in_features=3, ...)``).

    Examples
    --------
    >>> from microgradnet import nn
    >>> short_repr(nn.Sigmoid())
    'Sigmoid()'
    """
    extra = module.extra_repr() if hasattr(module, "extra_repr") else ""
    return f"{type(module).__name__}({extra})"


def parameter_count(module: Any) -> int:
    """How many numbers a module's parameters hold (a shared parameter counts once).

    Examples
    --------
    >>> from microgradnet import nn
    >>> parameter_count(nn.Linear(3, 4))
    16
    """
    return sum(1 if p.holds_float else int(p.data.size) for p in module.parameters())
