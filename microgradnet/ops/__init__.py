"""The operations: each one's forward and derivative rule, shared by `Tensor` and `Value`.

The functions here accept raw data (numpy arrays, floats) or graph nodes. On raw data they
compute; on nodes they record. Derivative rules are written with them, which is what makes every
rule differentiable again.
"""

from .arithmetic import add, div, mul, neg, pow, sub
from .base import Op
from .linalg import matmul
from .reduce import mean, sum
from .shape import broadcast_to, matrix_transpose, reshape, shape_of, sum_to, transpose
from .unary import abs, exp, log, relu, sigmoid, sign, sqrt, tanh

__all__ = [
    "Op",
    "abs",
    "add",
    "broadcast_to",
    "div",
    "exp",
    "log",
    "matmul",
    "matrix_transpose",
    "mean",
    "mul",
    "neg",
    "pow",
    "relu",
    "reshape",
    "shape_of",
    "sigmoid",
    "sign",
    "sqrt",
    "sub",
    "sum",
    "sum_to",
    "tanh",
    "transpose",
]
