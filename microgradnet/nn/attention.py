"""`MultiheadAttention` with PyTorch's parameters (``in_proj_weight``, ``in_proj_bias``,
``out_proj``) and semantics (``batch_first``, boolean masks that mark what may NOT be attended)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import ops
from ..engine import Node
from ..tensor import Tensor
from . import functional, init
from .linear import Linear
from .module import Module, Parameter, _check_divisible


def _as_additive(mask: Any, dtype: Any, what: str) -> np.ndarray | None:
    """A mask as numbers added to the scores: a boolean True (masked) becomes -inf."""
    if mask is None:
        return None
    m = np.asarray(mask.data if isinstance(mask, Node) else mask)
    if m.dtype == np.bool_:
        return np.where(m, -np.inf, 0.0).astype(dtype)
    if not np.issubdtype(m.dtype, np.floating):
        raise TypeError(f"MultiheadAttention: {what} must be boolean or floating, not {m.dtype}")
    return m.astype(dtype)


class MultiheadAttention(Module):
    """Attention of ``num_heads`` heads: project query, key and value, attend per head
    (`functional.scaled_dot_product_attention`'s maths), concatenate and project out.

    Parameters
    ----------
    embed_dim, num_heads : int
        The model width and the heads (``embed_dim`` must divide by ``num_heads``).
    dropout : float
        Dropout on the attention weights while training.
    bias : bool
        Whether the projections have biases.
    kdim, vdim : int, optional
        Widths of key and value when they differ from ``embed_dim`` (then the projections are
        ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight`` instead of ``in_proj_weight``).
    batch_first : bool
        Inputs are ``(B, L, E)`` rather than ``(L, B, E)``.
    dtype : numpy dtype
        Of all the projections' weights and biases (float64 unless given).

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> mha = nn.MultiheadAttention(8, 2, batch_first=True)
    >>> x = mg.tensor(np.ones((3, 5, 8)))
    >>> out, weights = mha(x, x, x)
    >>> out.shape, weights.shape
    ((3, 5, 8), (3, 5, 5))
    >>> [name for name, _ in mha.named_parameters()]
    ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        _check_divisible("MultiheadAttention", "embed_dim", embed_dim, "num_heads", num_heads)
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self.head_dim = embed_dim // num_heads
        self.batch_first = batch_first
        self._same_dims = self.kdim == embed_dim and self.vdim == embed_dim
        e = embed_dim
        if self._same_dims:
            self.in_proj_weight = Parameter(np.zeros((3 * e, e)), dtype=dtype)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = Parameter(np.zeros((e, e)), dtype=dtype)
            self.k_proj_weight = Parameter(np.zeros((e, self.kdim)), dtype=dtype)
            self.v_proj_weight = Parameter(np.zeros((e, self.vdim)), dtype=dtype)
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * e), dtype=dtype)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(e, e, bias=bias, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's scheme: Xavier-uniform projections, zero biases (``out_proj``'s weight keeps
        `Linear`'s initialisation)."""
        if self._same_dims:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)  # type: ignore[arg-type]

    def _projections(self) -> tuple[Any, Any, Any]:
        e = self.embed_dim
        if self._same_dims:
            w = self.in_proj_weight
            return w[:e], w[e : 2 * e], w[2 * e :]
        return self.q_proj_weight, self.k_proj_weight, self.v_proj_weight

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from ``query`` to ``key``/``value``; returns the output and, with
        ``need_weights``, the attention weights (averaged over heads unless told otherwise).

        ``attn_mask`` ``(L, S)`` or ``(B * heads, L, S)`` and ``key_padding_mask`` ``(B, S)`` are
        boolean (True: may NOT attend) or added to the scores; ``is_causal`` without a mask
        builds the causal one.
        """
        name = "MultiheadAttention"
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
        elif self.batch_first:
            query, key, value = (ops.permute(t, (1, 0, 2)) for t in (query, key, value))
        length, batch, e = query.shape
        source = key.shape[0]
        if e != self.embed_dim or key.shape[1] != batch or value.shape[:2] != key.shape[:2]:
            raise ValueError(
                f"{name}: query {query.shape}, key {key.shape} and value "
                f"{value.shape} (as (L, B, E)) do not fit embed_dim={self.embed_dim}"
            )
        wq, wk, wv = self._projections()
        bq = bk = bv = None
        if self.in_proj_bias is not None:
            b = self.in_proj_bias
            bq, bk, bv = b[:e], b[e : 2 * e], b[2 * e :]
        h, d = self.num_heads, self.head_dim

        def heads(t: Tensor, n: int) -> Tensor:  # (n, B, E) -> (B, heads, n, d)
            return ops.permute(t.reshape(n, batch, h, d), (1, 2, 0, 3))  # type: ignore[no-any-return]

        q = heads(functional.linear(query, wq, bq), length)
        k = heads(functional.linear(key, wk, bk), source)
        v = heads(functional.linear(value, wv, bv), source)
        dtype = q.dtype
        if is_causal and attn_mask is None:
            attn_mask = ~np.tril(np.ones((length, source), dtype=bool))
        mask = _as_additive(attn_mask, dtype, "attn_mask")
        if mask is not None:
            mask = mask.reshape(batch, h, length, source) if mask.ndim == 3 else mask
        pad = _as_additive(key_padding_mask, dtype, "key_padding_mask")
        if pad is not None:
            if pad.shape != (batch, source):
                raise ValueError(
                    f"{name}: key_padding_mask of shape {pad.shape} must be ({batch}, {source})"
                )
            pad = pad[:, None, None, :]
            mask = pad if mask is None else mask + pad
        scores = (q @ ops.matrix_transpose(k)) * (1.0 / math.sqrt(d))
        if mask is not None:
            scores = scores + mask
        weights = ops.softmax(scores, -1)
        if self.training and self.dropout > 0.0:
            weights = functional.dropout(weights, self.dropout)
        out = ops.permute(weights @ v, (2, 0, 1, 3)).reshape(length, batch, e)
        out = self.out_proj(out)
        if unbatched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = ops.permute(out, (1, 0, 2))
        if not need_weights:
            return out, None
        w = weights.mean(axis=1) if average_attn_weights else weights
        return out, (w.squeeze(0) if unbatched else w)

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
