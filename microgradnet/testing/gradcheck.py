"""Finite-difference checks of analytic gradients: `numerical_grad`, `gradcheck`, `gradgradcheck`.

The analytic side is always a vector-Jacobian product, ``v @ J``, for a random cotangent ``v``:
exactly what backward computes. The numeric side differentiates ``<v, fn(...)>`` by central
differences, element by element, with a step scaled to each element.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..autograd import grad as autograd_grad
from ..engine import Node, enable_grad, gradients, no_grad

#: Inputs with at most this many elements get every element checked; larger ones a sample.
FULL_CHECK_SIZE = 64
#: How many elements of a large input are checked.
SAMPLE_SIZE = 32
#: How many random directions through all elements of a large input are checked.
PROJECTIONS = 2


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with finite differences, or is malformed.

    Parameters
    ----------
    message : str
        What failed, where, and by how much.
    index : int, optional
        The position of the input at fault among the checked function's inputs, when one is.

    Examples
    --------
    >>> GradcheckError("the gradient of input 1 is missing", index=1).index
    1
    """

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


class GradcheckWarning(UserWarning):
    """A check ran under conditions that weaken it (e.g. inputs that are not float64)."""


def _data(node: Node) -> np.ndarray:
    return np.asarray(node.data, dtype=np.float64)


def _set(node: Node, value: np.ndarray) -> None:
    """Replace a node's data without touching its version (finite differences only)."""
    node.data = float(value) if node.holds_float else value.astype(node.data.dtype, copy=False)


def _combine(out: Any, what: str) -> Node:
    """The function's output as one node; a list of Values (a Layer's output) is summed."""
    if isinstance(out, list | tuple) and out and all(isinstance(o, Node) for o in out):
        total = out[0]
        for o in out[1:]:
            total = total + o
        return total
    if not isinstance(out, Node):
        raise GradcheckError(f"{what}: the function must return a Tensor or Value, not {out!r}")
    return out


def _evaluate(fn: Callable[..., Any], what: str) -> Callable[..., np.ndarray]:
    """``fn(*inputs)`` as a float64 array, computed without recording."""

    def inner(*inputs: Any) -> np.ndarray:
        with no_grad():
            out = _combine(fn(*inputs), what)
        return np.asarray(out.data, dtype=np.float64)

    return inner


def _scalarize(fn: Callable[..., Any], v: np.ndarray, what: str) -> Callable[..., float]:
    """``<v, fn(*inputs)>`` as a Python float, computed without recording."""
    evaluate = _evaluate(fn, what)
    return lambda *inputs: float(np.sum(v * evaluate(*inputs)))


def _step(x: float, eps: float | None) -> float:
    return eps if eps is not None else float(np.cbrt(np.finfo(np.float64).eps)) * max(1.0, abs(x))


def _elements(size: int, rng: np.random.Generator) -> np.ndarray:
    if size <= FULL_CHECK_SIZE:
        return np.arange(size)
    return np.sort(rng.choice(size, SAMPLE_SIZE, replace=False))


def _central(
    f: Callable[..., Any],
    inputs: Sequence[Node],
    node: Node,
    base: np.ndarray,
    direction: np.ndarray,
    h: float,
) -> Any:
    """The central difference of ``f`` (a float or an array) along ``direction`` of ``node``,
    step ``h``."""
    _set(node, base + h * direction)
    f_plus = f(*inputs)
    _set(node, base - h * direction)
    f_minus = f(*inputs)
    return (f_plus - f_minus) / (2 * h)


def _numeric(
    f: Callable[..., Any],
    inputs: Sequence[Node],
    i: int,
    flat_index: np.ndarray,
    eps: float | None,
) -> np.ndarray:
    """Central differences of ``f`` with respect to chosen elements of input ``i``: one number
    per element for a scalar ``f``, one row per element for an array-valued one."""
    node = inputs[i]
    original = node.data
    base = _data(node)
    out = []
    try:
        for j in flat_index:
            unit = np.zeros(base.size)
            unit[j] = 1.0
            h = _step(float(base.reshape(-1)[j]), eps)
            out.append(_central(f, inputs, node, base, unit.reshape(base.shape), h))
    finally:
        node.data = original
    return np.array(out, dtype=np.float64)


def _directional(
    f: Callable[..., float], inputs: Sequence[Node], i: int, directions: np.ndarray,
    eps: float | None,
) -> np.ndarray:
    """Central differences of ``f`` along each row of ``directions`` (flat) of input ``i``."""
    node = inputs[i]
    original = node.data
    base = _data(node)
    h = _step(float(np.max(np.abs(base))), eps)
    try:
        return np.array([_central(f, inputs, node, base, d.reshape(base.shape), h)
                         for d in directions])
    finally:
        node.data = original


def numerical_grad(
    fn: Callable[..., Any], *inputs: Node, grad_output: Any = None, eps: float | None = None
) -> list[Any]:
    """The gradient of ``sum(grad_output * fn(*inputs))`` for each input, by central differences.

    Parameters
    ----------
    fn : callable
        A function of `Tensor`s or `Value`s.
    *inputs : Tensor or Value
        Where to differentiate.
    grad_output : array-like, optional
        The cotangent; ones by default (the gradient of the sum of the output).
    eps : float, optional
        A fixed step; by default ``cbrt(machine eps) * max(1, |x|)`` for each element.

    Returns
    -------
    list
        One array per `Tensor` input (float for a `Value`).

    Examples
    --------
    >>> import microgradnet as mg
    >>> [g] = numerical_grad(lambda x: x ** 3, mg.tensor([1.0, 2.0]))
    >>> g.round(6)
    array([ 3., 12.])
    """
    with no_grad():
        out = _combine(fn(*inputs), "numerical_grad")
    v = np.ones(np.shape(out.data)) if grad_output is None else np.asarray(grad_output, float)
    f = _scalarize(fn, v, "numerical_grad")
    grads: list[Any] = []
    for i, node in enumerate(inputs):
        size = int(np.size(node.data))
        g = _numeric(f, inputs, i, np.arange(size), eps).reshape(np.shape(node.data))
        grads.append(float(g) if node.holds_float else g)
    return grads


def _describe(node: Node, i: int) -> str:
    dtype = "Value" if node.holds_float else str(node.data.dtype)
    return f"input {i} (shape {tuple(np.shape(node.data))}, {dtype})"


def _index(shape: tuple[int, ...], j: int) -> tuple[int, ...]:
    return tuple(int(w) for w in np.unravel_index(j, shape)) if shape else ()


def _at(node: Node, j: int) -> str:
    return f"at element {_index(np.shape(node.data), j)}"


def _judge(
    node: Node,
    i: int,
    analytic: np.ndarray,
    numeric: np.ndarray,
    tolerance: tuple[float, float],
    where: Callable[[int], str],
    missing: bool,
    what_of: str = "the gradient of",
) -> None:
    """Raise `GradcheckError` for the worst of the compared numbers that is out of tolerance."""
    atol, rtol = tolerance
    err = np.abs(analytic - numeric)
    allowed = atol + rtol * np.abs(numeric)
    bad = ~(err <= allowed)
    if not np.any(bad):
        return
    k = int(np.argmax(np.where(bad, err - allowed, -np.inf)))
    what = (
        "is missing (zero or None) but finite differences are not zero"
        if missing
        else "disagrees with finite differences"
    )
    rel = err[k] / max(abs(numeric[k]), np.finfo(float).tiny)
    raise GradcheckError(
        f"gradcheck: {what_of} {_describe(node, i)} {what} {where(k)}: analytic "
        f"{analytic[k]:.10g}, numeric {numeric[k]:.10g}, abs error {err[k]:.3g}, rel error "
        f"{rel:.3g}; tolerance atol={atol:g} + rtol={rtol:g} * |numeric| = {allowed[k]:.3g} "
        f"({int(bad.sum())} of {len(numeric)} checked fail)",
        i,
    )


def _warn_precision(nodes: Sequence[Node], checked: Sequence[int]) -> None:
    for i in checked:
        node = nodes[i]
        if not node.holds_float and node.data.dtype != np.float64:
            warnings.warn(
                f"gradcheck: {_describe(node, i)} is not float64; finite differences in lower "
                "precision are too coarse for the default tolerances",
                GradcheckWarning,
                stacklevel=3,
            )


def _analytic(
    out: Node, nodes: Sequence[Node], checked: Sequence[int], v: np.ndarray, twice: bool
) -> list[np.ndarray]:
    """The vector-Jacobian product ``v @ J`` for each checked input, checked for structure.

    The first pass is recorded (``create_graph=True``): the engine then hands back each gradient
    exactly as the backward rules made it, so a wrong shape or dtype shows before the leaf's
    ``.grad`` would reshape or cast it. With ``twice``, a plain pass must give the same numbers.
    """
    if not out.requires_grad:
        return [np.zeros(np.shape(nodes[i].data)) for i in checked]
    targets = [nodes[i] for i in checked]
    recorded = gradients([out], [v], targets, retain_graph=True, create_graph=True)
    assert recorded is not None
    analytic = []
    for i, g in zip(checked, recorded):
        node = nodes[i]
        if g is None:
            analytic.append(np.zeros(np.shape(node.data)))
            continue
        shape = tuple(np.shape(g.data))
        if shape != tuple(np.shape(node.data)):
            raise GradcheckError(
                f"gradcheck: the gradient of {_describe(node, i)} has shape {shape}; a "
                "gradient has its input's shape (was a broadcast not summed back?)",
                i,
            )
        if not node.holds_float and g.data.dtype != node.data.dtype:
            raise GradcheckError(
                f"gradcheck: the gradient of {_describe(node, i)} has dtype {g.data.dtype}; a "
                "gradient has its input's dtype",
                i,
            )
        analytic.append(np.array(g.data, dtype=np.float64))
    if twice:
        plain = gradients([out], [v], targets, retain_graph=True)
        assert plain is not None
        for i, g, first in zip(checked, plain, analytic):
            second = np.zeros_like(first) if g is None else _data(g)
            if not np.array_equal(second, first, equal_nan=True):
                j = int(np.argmax(second.reshape(-1) != first.reshape(-1)))
                raise GradcheckError(
                    f"gradcheck: two backward passes disagree on the gradient of "
                    f"{_describe(nodes[i], i)} {_at(nodes[i], j)}: {first.reshape(-1)[j]:.17g} "
                    f"(recorded pass), then {second.reshape(-1)[j]:.17g} (plain pass); does "
                    "backward change state, or depend on create_graph?",
                    i,
                )
    return analytic


def _compare(
    f: Callable[..., float],
    nodes: Sequence[Node],
    i: int,
    analytic: np.ndarray,
    eps: float | None,
    tolerance: tuple[float, float],
    rng: np.random.Generator,
) -> None:
    """Compare one input's analytic gradient with central differences: element by element on
    all elements or a sample, then, for large inputs, along random directions through all."""
    node = nodes[i]
    a = analytic.reshape(-1)
    missing = not np.any(a)
    index = _elements(a.size, rng)
    numeric = _numeric(f, nodes, i, index, eps)
    _judge(node, i, a[index], numeric, tolerance, lambda k: _at(node, int(index[k])), missing)
    if a.size > FULL_CHECK_SIZE:
        directions = rng.standard_normal((PROJECTIONS, a.size))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        numeric = _directional(f, nodes, i, directions, eps)
        _judge(
            node, i, directions @ a, numeric, tolerance,
            lambda k: f"along random direction {k} (all {a.size} elements moved at once; the "
            f"{SAMPLE_SIZE} sampled elements passed)",
            missing,
        )


def _check_jacobian(
    fn: Callable[..., Any],
    out: Node,
    nodes: Sequence[Node],
    checked: Sequence[int],
    eps: float | None,
    tolerance: tuple[float, float],
) -> None:
    """Compare every entry of the Jacobian, one backward pass per output element, when the
    output and an input both have at most `FULL_CHECK_SIZE` elements (and the output more than
    one: for one element the vector-Jacobian product already is the whole Jacobian)."""
    out_shape = tuple(np.shape(out.data))
    size = int(np.prod(out_shape))
    small = [i for i in checked if np.size(nodes[i].data) <= FULL_CHECK_SIZE]
    if not out.requires_grad or not 1 < size <= FULL_CHECK_SIZE or not small:
        return
    targets = [nodes[i] for i in small]
    rows = []
    for j in range(size):
        seed = np.zeros(size)
        seed[j] = 1.0
        grads = gradients([out], [seed.reshape(out_shape)], targets, retain_graph=True)
        assert grads is not None
        rows.append([np.zeros(np.size(t.data)) if g is None else _data(g).reshape(-1)
                     for t, g in zip(targets, grads)])
    evaluate = _evaluate(fn, "gradcheck")
    for t, i in enumerate(small):
        node = nodes[i]
        analytic = np.stack([row[t] for row in rows], axis=1)  # (input elements, outputs)
        numeric = _numeric(lambda *a: evaluate(*a).reshape(-1), nodes, i,
                           np.arange(analytic.shape[0]), eps)

        def where(k: int, node: Node = node) -> str:
            element, output = divmod(k, size)
            return (f"at output element {_index(out_shape, output)} and input element "
                    f"{_index(np.shape(node.data), element)}")

        _judge(node, i, analytic.reshape(-1), numeric.reshape(-1), tolerance, where,
               not np.any(analytic), "the Jacobian of the output with respect to")


def gradcheck(
    fn: Callable[..., Any],
    inputs: Node | Sequence[Node],
    *,
    eps: float | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    check_backward_twice: bool = True,
    seed: int = 0,
) -> bool:
    """Check the gradients of ``fn`` at ``inputs`` against central finite differences.

    The analytic vector-Jacobian product for a random cotangent is compared element by element
    with the numeric one: every element of inputs with at most `FULL_CHECK_SIZE` elements; for
    larger ones a random sample of `SAMPLE_SIZE` elements, then `PROJECTIONS` random directions
    that move all elements at once. When the output and an input are both that small, every
    entry of their Jacobian is compared too (one backward pass per output element), so an error
    the random cotangent happens to hide still shows. Inputs that require grad are checked; the
    others are held fixed. Structural faults fail with their own message: a gradient of the
    wrong shape or dtype, inputs modified by ``fn``, backward passes that disagree. Inputs that
    are not float64 raise a `GradcheckWarning`.

    Parameters
    ----------
    fn : callable
        A function of `Tensor`s or `Value`s returning a `Tensor` or `Value` (or a list of
        `Value`s, which is summed).
    inputs : Tensor, Value or sequence of them
        The point of the check, passed to ``fn`` in order.
    eps : float, optional
        A fixed finite-difference step (default: scaled to each element).
    atol, rtol : float
        A number passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.
    raise_exception : bool
        Raise `GradcheckError` on failure (default) instead of returning False.
    check_backward_twice : bool
        Also require a second, plain backward pass to give the same gradients as the first,
        recorded one, bit for bit.
    seed : int
        Seed of the random cotangent, the sampled elements and the directions.

    Returns
    -------
    bool
        True when every check passes.

    Raises
    ------
    GradcheckError
        With ``raise_exception``, naming the input, the element, both values, the errors and the
        tolerance.

    Examples
    --------
    >>> import microgradnet as mg
    >>> x = mg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    >>> gradcheck(lambda t: (t.tanh() * t).sum(), [x])
    True
    """
    nodes = [inputs] if isinstance(inputs, Node) else list(inputs)
    checked = [i for i, n in enumerate(nodes) if n.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    _warn_precision(nodes, checked)
    rng = np.random.default_rng(seed)
    try:
        before = [_data(n).copy() for n in nodes]
        with enable_grad():
            out = _combine(fn(*nodes), "gradcheck")
        for i, (n, b) in enumerate(zip(nodes, before)):
            if not np.array_equal(_data(n), b, equal_nan=True):
                raise GradcheckError(
                    f"gradcheck: the function modified {_describe(n, i)} in place; it must "
                    "leave its inputs as they were",
                    i,
                )
        v = rng.standard_normal(np.shape(out.data))
        analytic = _analytic(out, nodes, checked, v, check_backward_twice)
        f = _scalarize(fn, v, "gradcheck")
        for i, a in zip(checked, analytic):
            _compare(f, nodes, i, a, eps, (atol, rtol), rng)
        _check_jacobian(fn, out, nodes, checked, eps, (atol, rtol))
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Node | Sequence[Node],
    *,
    eps: float | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check second derivatives of ``fn``: the gradient of its recorded gradient.

    The first-order gradients are computed with ``create_graph=True`` for a random cotangent
    ``v`` and projected on random directions ``w``; the result, a function of the inputs, is
    then checked by `gradcheck`. This exercises every backward rule's own backward.

    Parameters
    ----------
    fn, inputs, eps, atol, rtol, raise_exception, seed
        As for `gradcheck`; the tolerances apply to the second derivatives.

    Returns
    -------
    bool
        True when the second derivatives pass.

    Raises
    ------
    GradcheckError
        With ``raise_exception``, as `gradcheck` does, the message starting ``gradgradcheck:``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> x = mg.tensor([0.5, -1.0], requires_grad=True)
    >>> gradgradcheck(lambda t: (t.sigmoid() * t).sum(), [x])
    True
    """
    nodes = [inputs] if isinstance(inputs, Node) else list(inputs)
    checked = [n for n in nodes if n.requires_grad]
    rng = np.random.default_rng(seed + 1)
    with no_grad():
        shape = np.shape(_combine(fn(*nodes), "gradgradcheck").data)
    v = rng.standard_normal(shape)
    ws = [rng.standard_normal(np.shape(n.data)) for n in checked]

    def projected_gradient(*args: Node) -> Node:
        with enable_grad():
            out = _combine(fn(*args), "gradgradcheck")
            grads = autograd_grad(
                out, [a for a in args if a.requires_grad], grad_outputs=v,
                create_graph=True, allow_unused=True,
            )
            total: Any = None
            for g, w in zip(grads, ws):
                if g is None:
                    continue
                term = (g * (float(w) if g.holds_float else w))
                term = term if g.holds_float else term.sum()
                total = term if total is None else total + term
        if total is None:
            return type(out)._wrap(0.0 if out.holds_float else np.float64(0.0))
        return total  # type: ignore[no-any-return]

    try:
        return gradcheck(
            projected_gradient, nodes, eps=eps, atol=atol, rtol=rtol, check_backward_twice=False,
            seed=seed,
        )
    except GradcheckError as err:
        if not raise_exception:
            return False
        raise GradcheckError(
            "gradgradcheck: second derivatives (the gradient of the recorded first-order "
            f"gradient): {str(err).removeprefix('gradcheck: ')}",
            err.index,
        ) from None
