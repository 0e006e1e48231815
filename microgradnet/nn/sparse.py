"""`Embedding`: a lookup table of learned vectors."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import no_grad
from ..tensor import Tensor
from . import functional, init
from .module import Module, Parameter


class Embedding(Module):
    """Rows of ``weight`` ``(num_embeddings, embedding_dim)``, drawn from N(0, 1) as in PyTorch,
    looked up by integer indices; the row at ``padding_idx`` starts at zero and takes no
    gradient.

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> emb = nn.Embedding(10, 3, padding_idx=0)
    >>> emb(np.array([[1, 2], [0, 9]])).shape
    (2, 2, 3)
    >>> emb.weight.data[0]
    array([0., 0., 0.])
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx {padding_idx} is outside "
                    f"[-{num_embeddings}, {num_embeddings})"
                )
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        self.weight = Parameter(np.zeros((num_embeddings, embedding_dim)), dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight from N(0, 1) and zero the padding row."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, indices: Any) -> Tensor:
        """The rows at ``indices``: shape ``indices.shape + (embedding_dim,)``."""
        return functional.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else text + f", padding_idx={self.padding_idx}"
