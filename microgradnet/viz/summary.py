"""`summary`: a model's layers, output shapes and parameter counts, as a table.

Like Keras's ``model.summary()`` and torchinfo: the model runs once on an example input (without
recording a graph), and each module's output is noted as it returns. Parameters are counted per
module (its own, not its children's); a parameter shared by two modules counts once in the
totals.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import no_grad
from .labels import short_repr


@dataclass
class Row:
    """One module of the table.

    Attributes
    ----------
    path : str
        The module's dotted path ('' for the model).
    kind : str
        The module's one-line repr (``Linear(in_features=3, ...)``).
    depth : int
        How many levels below the model it sits.
    output_shape : str
        The shape of what its forward returned (the last call's), or ``'-'`` if it did not run.
    trainable, frozen : int
        Numbers held by its own parameters that do and do not require grad.
    """

    path: str
    kind: str
    depth: int
    output_shape: str
    trainable: int
    frozen: int


class Summary:
    """The table made by `summary`; ``str()`` is the text, notebooks show HTML.

    Attributes
    ----------
    rows : list of Row
        One per module, parents before children.
    total, trainable, frozen : int
        Parameter numbers of the whole model (shared parameters once).
    param_bytes, output_bytes : int
        Memory of the parameters, and of every module's output on the example input.
    """

    def __init__(
        self, rows: list[Row], trainable: int, frozen: int, param_bytes: int, output_bytes: int
    ) -> None:
        self.rows = rows
        self.trainable = trainable
        self.frozen = frozen
        self.total = trainable + frozen
        self.param_bytes = param_bytes
        self.output_bytes = output_bytes

    def _cells(self) -> list[list[str]]:
        return [
            [
                "  " * r.depth + (f"({r.path}) " if r.path else "") + r.kind,
                str(r.depth),
                r.output_shape,
                f"{r.trainable:,}",
                f"{r.frozen:,}",
            ]
            for r in self.rows
        ]

    def _totals(self) -> list[str]:
        return [
            f"Total parameters: {self.total:,}",
            f"Trainable: {self.trainable:,}",
            f"Frozen: {self.frozen:,}",
            f"Parameter memory: {_size(self.param_bytes)}",
            f"Output memory (one forward pass): {_size(self.output_bytes)}",
        ]

    def __str__(self) -> str:
        head = ["Layer", "Depth", "Output shape", "Trainable", "Frozen"]
        cells = self._cells()
        widths = [max(len(row[k]) for row in [head, *cells]) for k in range(len(head))]
        aligned = [str.ljust, str.rjust, str.ljust, str.rjust, str.rjust]

        def line(row: list[str]) -> str:
            return "  ".join(a(c, w) for a, c, w in zip(aligned, row, widths)).rstrip()

        rule = "-" * len(line(head))
        return "\n".join([line(head), rule, *map(line, cells), rule, *self._totals()])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        """The table in HTML, for notebooks."""
        head = "".join(
            f"<th>{h}</th>" for h in ("Layer", "Depth", "Output shape", "Trainable", "Frozen")
        )
        body = "".join(
            "<tr>"
            + "".join(
                f'<td style="text-align: {"left" if k in (0, 2) else "right"}">'
                f"{html.escape(c.strip()) if k else html.escape(c)}</td>"
                for k, c in enumerate(row)
            )
            + "</tr>"
            for row in self._cells()
        )
        body = body.replace('<td style="text-align: left">  ', '<td style="text-align: left">')
        totals = "<br>".join(html.escape(t) for t in self._totals())
        return (
            '<table class="microgradnet-summary"><thead><tr>'
            f"{head}</tr></thead><tbody>{body}</tbody></table><p>{totals}</p>"
        )


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    raise AssertionError("unreachable")


def _numbers(p: Any) -> int:
    return 1 if getattr(p, "holds_float", False) else int(p.data.size)


def _nbytes(p: Any) -> int:
    return 8 if getattr(p, "holds_float", False) else int(p.data.nbytes)


def _shape_and_bytes(out: Any) -> tuple[str, int]:
    """The shape of a module's output (a tensor, a Value, or a list or tuple of them)."""
    if isinstance(out, list | tuple):
        parts = [_shape_and_bytes(o) for o in out]
        inner = ", ".join(s for s, _ in parts)
        shape = f"[{inner}]" if len(parts) <= 4 else f"{len(parts)} x {parts[0][0]}"
        return shape, sum(b for _, b in parts)
    if getattr(out, "holds_float", False):
        return "()", 8
    data = getattr(out, "data", out)
    if isinstance(data, np.ndarray):
        return str(tuple(data.shape)), int(data.nbytes)
    return type(out).__name__, 0


def summary(model: Any, example_input: Any) -> Summary:
    """A table of ``model``'s modules: depth, output shape on ``example_input``, parameters.

    The model runs once on ``example_input`` (without recording a graph, so nothing is kept for
    backward); each module's output is noted as its ``forward`` returns.

    Parameters
    ----------
    model : Module
        The model.
    example_input : Any
        What to call the model with (a tensor, a list of numbers for a `Value` MLP). A tuple is
        passed as several arguments.

    Returns
    -------
    Summary
        Printable as text; notebooks show it as HTML.

    Examples
    --------
    >>> from microgradnet import nn, tensor
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    >>> table = summary(model, tensor([[1.0, 2.0, 3.0]]))
    >>> table.total, [r.output_shape for r in table.rows]
    (21, ['(1, 1)', '(1, 4)', '(1, 4)', '(1, 1)'])
    """
    modules = list(model.named_modules())
    outputs: dict[int, Any] = {}
    patched = []
    for _, module in modules:
        original = module.forward

        def noting(*args: Any, _m: Any = module, _f: Any = original, **kwargs: Any) -> Any:
            result = _f(*args, **kwargs)
            outputs[id(_m)] = result
            return result

        # An instance attribute shadows the class's forward for this one call of the model.
        object.__setattr__(module, "forward", noting)
        patched.append(module)
    try:
        with no_grad():
            if isinstance(example_input, tuple):
                model(*example_input)
            else:
                model(example_input)
    finally:
        for module in patched:
            object.__delattr__(module, "forward")
    rows = []
    output_bytes = 0
    counted: set[int] = set()  # a container returns its last child's output: count it once
    for path, module in modules:
        own = [p for _, p in module.named_parameters(recurse=False)]
        trainable = sum(_numbers(p) for p in own if p.requires_grad)
        frozen = sum(_numbers(p) for p in own if not p.requires_grad)
        if id(module) in outputs:
            out = outputs[id(module)]
            shape, nbytes = _shape_and_bytes(out)
            if id(out) not in counted:
                counted.add(id(out))
                output_bytes += nbytes
        else:
            shape = "-"
        depth = 0 if not path else path.count(".") + 1
        rows.append(Row(path, short_repr(module), depth, shape, trainable, frozen))
    params = list(model.parameters())
    return Summary(
        rows,
        trainable=sum(_numbers(p) for p in params if p.requires_grad),
        frozen=sum(_numbers(p) for p in params if not p.requires_grad),
        param_bytes=sum(_nbytes(p) for p in params),
        output_bytes=output_bytes,
    )
