"""The operations: each one's forward and derivative rule, shared by `Tensor` and `Value`.

The functions here accept raw data (numpy arrays, floats) or graph nodes. On raw data they
compute; on nodes they record. Derivative rules are written with them, which is what makes every
rule differentiable again. Importing the family modules fills `registry.TABLE`, from which this
namespace, the `Tensor` and `Value` methods, ``microgradnet.<name>`` and ``nn.functional`` get
their entries.
"""

from typing import TYPE_CHECKING, Any

from . import arithmetic, cast, indexing, join, linalg, reduce, select, shape, unary
from .base import Op
from .indexing import getitem
from .linalg import weighted_sum
from .registry import TABLE, elementwise, export
from .shape import matrix_transpose, reverse_dims, shape_of, sum_to

_families = (arithmetic, cast, indexing, join, linalg, reduce, select, shape, unary)
globals().update({name: entry.fn for name, entry in TABLE.items()})

if TYPE_CHECKING:  # the declared operations are set above, from the table

    def __getattr__(name: str) -> Any: ...


__all__ = [
    "Op",
    "TABLE",
    "elementwise",
    "export",
    "getitem",
    "matrix_transpose",
    "reverse_dims",
    "shape_of",
    "sum_to",
    "weighted_sum",
    *TABLE,
]
