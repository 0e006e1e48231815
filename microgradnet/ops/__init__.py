"""The operations: each one's forward and derivative rule, shared by `Tensor` and `Value`.

The functions here accept raw data (numpy arrays, floats) or graph nodes. On raw data they
compute; on nodes they record. Derivative rules are written with them, which is what makes every
rule differentiable again.
"""

from .arithmetic import add, div, mul, neg, pow, sub
from .base import Op
from .indexing import getitem
from .join import concatenate, stack
from .linalg import matmul, weighted_sum
from .reduce import log_softmax, max, mean, min, softmax, sum
from .select import clip, maximum, minimum, where
from .shape import (
    broadcast_to,
    expand_dims,
    flatten,
    matrix_transpose,
    reshape,
    shape_of,
    squeeze,
    sum_to,
    transpose,
)
from .unary import abs, exp, log, relu, sigmoid, sign, sqrt, tanh

__all__ = [
    "Op",
    "abs",
    "add",
    "broadcast_to",
    "clip",
    "concatenate",
    "div",
    "exp",
    "expand_dims",
    "flatten",
    "getitem",
    "log",
    "log_softmax",
    "matmul",
    "matrix_transpose",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "neg",
    "pow",
    "relu",
    "reshape",
    "shape_of",
    "sigmoid",
    "sign",
    "softmax",
    "sqrt",
    "squeeze",
    "stack",
    "sub",
    "sum",
    "sum_to",
    "tanh",
    "transpose",
    "weighted_sum",
    "where",
]
