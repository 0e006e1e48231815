"""`Dropout`: randomly zero elements while training."""

from __future__ import annotations

from ..tensor import Tensor
from . import functional
from .module import Module
from .wrapping import per_dimension


class Dropout(Module):
    """Inverted dropout: while ``training``, zero each element with probability ``p`` and scale
    the others by ``1 / (1 - p)``; in eval mode, pass the input through. Uses the project's
    generator (`microgradnet.manual_seed`).

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> drop = nn.Dropout(0.5).eval()
    >>> drop(mg.tensor([1.0, 2.0]))
    tensor([1., 2.])
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability p must be in [0, 1], not {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with dropout applied when training."""
        return functional.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class _FeatureDropout(Dropout):
    """Dropout of whole channels; ``n`` spatial dimensions."""

    n = 1

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with whole channels zeroed when training."""
        out: Tensor = getattr(functional, f"dropout{self.n}d")(x, self.p, self.training)
        return out


_EXAMPLE = """

    Examples
    --------
    >>> import microgradnet as mg
    >>> from microgradnet import nn
    >>> y = nn.Dropout2d(0.5)(mg.ones(4, 8, 3, 3))
    >>> bool((y.std(dim=(2, 3)) == 0).all())  # each channel all kept or all zeroed
    True
    """
_SHAPES = {1: "(B, C, L)", 2: "(B, C, H, W)", 3: "(B, C, D, H, W)"}

Dropout1d, Dropout2d, Dropout3d = per_dimension(
    _FeatureDropout,
    "Dropout{n}d",
    [
        f"Zero whole channels of ``{shape}`` with probability ``p`` while training."
        + (_EXAMPLE if n == 2 else "")
        for n, shape in _SHAPES.items()
    ],
)
