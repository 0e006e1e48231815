"""``microgradnet.linalg``: PyTorch's ``torch.linalg`` norms, as functions of array-likes that
return `Tensor`s.

>>> import microgradnet as mg
>>> mg.linalg.norm(mg.tensor([[3.0, 0.0], [0.0, 4.0]]))
tensor(5.)
"""

from __future__ import annotations

from .ops.norms import linalg_norm, matrix_norm, vector_norm
from .tensor import tensor_function

norm = tensor_function(linalg_norm)
norm.__name__ = norm.__qualname__ = "norm"
vector_norm = tensor_function(vector_norm)
matrix_norm = tensor_function(matrix_norm)

__all__ = ["matrix_norm", "norm", "vector_norm"]
