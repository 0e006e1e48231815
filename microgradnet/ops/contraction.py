"""``einsum``: sums of products named by subscripts, with ``...`` and broadcasting.

The equation is first written out in full: ``...`` becomes letters of its own, the implicit
output is made explicit, and a dim of length 1 that broadcasts against a longer one is squeezed
from its operand (its gradient then sums over the broadcast, as the einsum below does). The op
sees only such plain equations.

The gradient of one operand is another einsum: the output's gradient times the other operands,
summed down to the operand's letters. Two cases need more than that: a letter only that operand
has and the output lacks was summed away, so its gradient is repeated along it; a letter repeated
in the operand (``'ii->i'``, a diagonal) gets its gradient on that diagonal and 0 elsewhere.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import Op
from .errors import OpError
from .registry import export
from .select import where
from .shape import broadcast_to, reshape, shape_of


class Einsum(Op, params=("terms", "out")):
    """``np.einsum`` of a plain equation: one term per input, an explicit output, no ``...``."""

    name = "einsum"
    terms: tuple[str, ...]
    out: str

    def forward(self, *xs: np.ndarray) -> np.ndarray:
        equation = f"{','.join(self.terms)}->{self.out}"
        return np.einsum(equation, *xs, optimize=len(xs) > 2)  # type: ignore[no-any-return]

    def backward(self, g: Any) -> tuple[Any, ...]:
        xs = self.inputs
        return tuple(
            self._grad(i, g, xs) if p.requires_grad else None for i, p in enumerate(self.parents)
        )

    def _grad(self, i: int, g: Any, xs: tuple[Any, ...]) -> Any:
        term = self.terms[i]
        shape = self.parents[i].shape
        size = dict(zip(term, shape))
        letters = "".join(dict.fromkeys(term))  # each letter once, in order
        elsewhere = set(self.out).union(*(t for j, t in enumerate(self.terms) if j != i))
        kept = "".join(c for c in letters if c in elsewhere)
        others = [x for j, x in enumerate(xs) if j != i]
        other_terms = tuple(t for j, t in enumerate(self.terms) if j != i)
        grad = Einsum((self.out, *other_terms), kept)(g, *others)
        if kept != letters:  # letters summed inside this operand alone: repeat the gradient
            grad = reshape(grad, tuple(size[c] if c in kept else 1 for c in letters))
            grad = broadcast_to(grad, tuple(size[c] for c in letters))
        if letters == term:
            return grad
        # A repeated letter: the gradient lies on the diagonal of its positions.
        # ``letters`` follow their first positions in ``term``: put 1s at the repeats.
        spots = reshape(
            grad, tuple(n if term.index(c) == k else 1 for k, (c, n) in enumerate(zip(term, shape)))
        )
        grid = np.indices(shape, sparse=True)
        on_diagonal = np.ones(shape, bool)
        for k, c in enumerate(term):
            on_diagonal &= grid[k] == grid[term.index(c)]
        return where(on_diagonal, spots, np.zeros((), np.result_type(grad)))

    def extra_repr(self) -> str:
        return f"{','.join(self.terms)}->{self.out}"


def _plain(equation: str, shapes: Sequence[tuple[int, ...]]) -> tuple[list[str], str, list[Any]]:
    """The equation written out for ``shapes``: its terms, its output, and for each operand the
    shape it must be reshaped to (None when it stays) after squeezing broadcast dims."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise OpError(
            f"einsum: the equation {equation!r} has {len(terms)} operands, but "
            f"{len(shapes)} were given"
        )
    used = set(eq) - set(".,->")
    if not used <= set(string.ascii_letters):
        bad = sorted(used - set(string.ascii_letters))
        raise OpError(f"einsum: subscripts must be letters, not {bad} (equation {equation!r})")
    spare = [c for c in string.ascii_letters if c not in used]
    n_ell = []
    for t, s in zip(terms, shapes):
        named = len(t) - 3 if "..." in t else len(t)
        if t.count(".") not in (0, 3) or (len(s) < named if "..." in t else len(s) != named):
            raise OpError(
                f"einsum: the subscripts {t!r} do not fit an operand of shape {s} "
                f"(equation {equation!r})"
            )
        n_ell.append(len(s) - named)
    ell = "".join(spare[: max(n_ell, default=0)])
    terms = [t.replace("...", ell[len(ell) - e :] if e else "") for t, e in zip(terms, n_ell)]
    if arrow:
        if out.count(".") not in (0, 3):
            raise OpError(f"einsum: the output {out!r} has a broken ellipsis")
        out = out.replace("...", ell)
    else:
        counts = "".join(terms)
        out = ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1 and c not in ell))
    sizes: dict[str, int] = {}
    for t, s in zip(terms, shapes):
        for c, n in zip(t, s):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise OpError(
                    f"einsum: subscript {c!r} has lengths {sizes[c]} and {n} (equation "
                    f"{equation!r}, shapes {list(shapes)})"
                )
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    if len(set(out)) != len(out) or not set(out) <= sizes.keys():
        raise OpError(f"einsum: the output {out!r} repeats a letter or names one no input has")
    reshapes: list[Any] = []
    for k, (t, s) in enumerate(zip(terms, shapes)):
        keep = [n != 1 or sizes[c] == 1 for c, n in zip(t, s)]
        terms[k] = "".join(c for c, ok in zip(t, keep) if ok)
        reshapes.append(None if all(keep) else tuple(n for n, ok in zip(s, keep) if ok))
    return terms, out, reshapes


@export(method=False)
def einsum(equation: str, *operands: Any) -> Any:
    """The sum of products that ``equation`` names, as ``torch.einsum``: ``'ij,jk->ik'`` is a
    matrix product, ``'ii->'`` a trace, ``'...ij->...ji'`` a batched transpose; without ``->``
    the output holds the letters seen once, in alphabetical order. Dims of length 1 broadcast.
    The operands may also be given as one list.

    Examples
    --------
    >>> a, b = np.arange(6.0).reshape(2, 3), np.ones((3, 2))
    >>> einsum("ij,jk->ik", a, b)
    array([[ 3.,  3.],
           [12., 12.]])
    >>> float(einsum("ii", np.eye(3))), einsum("...i->...", a)
    (3.0, array([ 3., 12.]))
    """
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the first argument must be the equation, not {type(equation)}")
    xs = [np.asarray(x) if isinstance(x, list | tuple | float | int) else x for x in operands]
    terms, out, reshapes = _plain(equation, [shape_of(x) for x in xs])
    xs = [x if r is None else reshape(x, r) for x, r in zip(xs, reshapes)]
    return Einsum(tuple(terms), out)(*xs)
