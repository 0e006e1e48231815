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
        total: Node = out[0]
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


def _unit(shape: tuple[int, ...], j: int) -> np.ndarray:
    unit = np.zeros(int(np.prod(shape)))
    unit[j] = 1.0
    return unit.reshape(shape)


def _differences(
    f: Callable[..., Any],
    inputs: Sequence[Node],
    i: int,
    directions: Sequence[np.ndarray],
    steps: Sequence[float],
    one_sided: bool = False,
) -> Any:
    """The finite differences of ``f`` (a float or an array) along each of ``directions`` of
    input ``i``, each with its step: central ones, and with ``one_sided`` also the forward and
    the backward ones (which differ where ``f`` has a kink). The input is restored after."""
    node = inputs[i]
    original = node.data
    base = _data(node)
    central, forward, backward = [], [], []
    try:
        for d, h in zip(directions, steps):
            _set(node, base + h * d)
            f_plus = f(*inputs)
            _set(node, base - h * d)
            f_minus = f(*inputs)
            central.append((f_plus - f_minus) / (2 * h))
            if one_sided:
                _set(node, base)
                f_0 = f(*inputs)
                forward.append((f_plus - f_0) / h)
                backward.append((f_0 - f_minus) / h)
    finally:
        node.data = original
    if one_sided:
        return np.array(central), np.array(forward), np.array(backward)
    return np.array(central, dtype=np.float64)


def _element_steps(node: Node, index: np.ndarray, eps: float | None) -> list[float]:
    flat = _data(node).reshape(-1)
    return [_step(float(flat[j]), eps) for j in index]


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
        shape = tuple(np.shape(node.data))
        index = np.arange(int(np.prod(shape)))
        directions = [_unit(shape, int(j)) for j in index]
        g = _differences(f, inputs, i, directions, _element_steps(node, index, eps)).reshape(shape)
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
    one_sided: Callable[[int], tuple[float, float]] | None = None,
) -> None:
    """Raise `GradcheckError` for the worst of the compared numbers that is out of tolerance.

    ``one_sided(k)`` gives the forward and backward differences at the worst number: where they
    disagree the function has a kink there, and the report says so instead of reading as a wrong
    backward rule."""
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
    kink = ""
    if one_sided is not None:
        ahead, behind = one_sided(k)
        if not abs(ahead - behind) <= atol + rtol * max(abs(ahead), abs(behind)):
            kink = (
                f". The function has a kink there: its one-sided differences are {ahead:.6g} "
                f"(ahead) and {behind:.6g} (behind), so no derivative exists at this point and "
                "the backward rule may well be right; check points away from it (the "
                "strategies' away_from=...)"
            )
    raise GradcheckError(
        f"gradcheck: {what_of} {_describe(node, i)} {what} {where(k)}: analytic "
        f"{analytic[k]:.10g}, numeric {numeric[k]:.10g}, abs error {err[k]:.3g}, rel error "
        f"{rel:.3g}; tolerance atol={atol:g} + rtol={rtol:g} * |numeric| = {allowed[k]:.3g} "
        f"({int(bad.sum())} of {len(numeric)} checked fail){kink}",
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


def _one_sided(
    f: Callable[..., Any],
    nodes: Sequence[Node],
    i: int,
    direction: np.ndarray,
    h: float,
    pick: Callable[[Any], float],
) -> tuple[float, float]:
    _, ahead, behind = _differences(f, nodes, i, [direction], [h], one_sided=True)
    return pick(ahead[0]), pick(behind[0])


def _check_sampled(
    f: Callable[..., float],
    nodes: Sequence[Node],
    i: int,
    analytic: np.ndarray,
    eps: float | None,
    tolerance: tuple[float, float],
    rng: np.random.Generator,
) -> None:
    """For a large input or output: the analytic vector-Jacobian product for one random
    cotangent against central differences, on all elements of a small input or a sample of a
    large one, then, for a large input, along random directions that move all its elements."""
    node = nodes[i]
    shape = tuple(np.shape(node.data))
    a = analytic.reshape(-1)
    missing = not np.any(a)
    index = _elements(a.size, rng)
    units = [_unit(shape, int(j)) for j in index]
    steps = _element_steps(node, index, eps)
    numeric = _differences(f, nodes, i, units, steps)
    _judge(
        node,
        i,
        a[index],
        numeric,
        tolerance,
        lambda k: _at(node, int(index[k])),
        missing,
        one_sided=lambda k: _one_sided(f, nodes, i, units[k], steps[k], float),
    )
    if a.size > FULL_CHECK_SIZE:
        rows = rng.standard_normal((PROJECTIONS, a.size))
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        directions = [r.reshape(shape) for r in rows]
        h = _step(float(np.max(np.abs(_data(node)))), eps)
        numeric = _differences(f, nodes, i, directions, [h] * len(directions))
        _judge(
            node,
            i,
            rows @ a,
            numeric,
            tolerance,
            lambda k: (
                f"along random direction {k} (all {a.size} elements moved at once; the "
                f"{SAMPLE_SIZE} sampled elements passed)"
            ),
            missing,
            one_sided=lambda k: _one_sided(f, nodes, i, directions[k], h, float),
        )


def _jacobian_rows(out: Node, targets: Sequence[Node]) -> list[np.ndarray]:
    """Every row of the Jacobian of ``out`` for each of ``targets``, one backward pass per
    output element: for each target an array of shape (its elements, output elements)."""
    out_shape = tuple(np.shape(out.data))
    size = int(np.prod(out_shape))
    if size == 0:  # an empty output: a Jacobian without columns
        return [np.zeros((np.size(t.data), 0)) for t in targets]
    rows = []
    for j in range(size):
        grads = gradients([out], [_unit(out_shape, j)], targets, retain_graph=True)
        rows.append(
            [
                np.zeros(np.size(t.data)) if g is None else _data(g).reshape(-1)
                for t, g in zip(targets, grads)
            ]
        )
    return [np.stack([row[t] for row in rows], axis=1) for t in range(len(targets))]


def _check_jacobian(
    fn: Callable[..., Any],
    out: Node,
    nodes: Sequence[Node],
    small: Sequence[int],
    eps: float | None,
    tolerance: tuple[float, float],
) -> None:
    """For a small input and output: every entry of their Jacobian against central
    differences, so that no error can hide behind a lucky cotangent."""
    out_shape = tuple(np.shape(out.data))
    size = int(np.prod(out_shape))
    evaluate = _evaluate(fn, "gradcheck")

    def flat(*a: Node) -> np.ndarray:
        return evaluate(*a).reshape(-1)

    for i, analytic in zip(small, _jacobian_rows(out, [nodes[i] for i in small])):
        node = nodes[i]
        shape = tuple(np.shape(node.data))
        index = np.arange(analytic.shape[0])
        units = [_unit(shape, int(j)) for j in index]
        steps = _element_steps(node, index, eps)
        numeric = _differences(flat, nodes, i, units, steps)  # (input elements, outputs)

        def where(k: int, node: Node = node) -> str:
            element, output = divmod(k, size)
            of_output = f" (of output element {_index(out_shape, output)})" if size > 1 else ""
            return _at(node, element) + of_output

        def one_sided(k: int, i: int = i, units: Any = units, steps: Any = steps) -> Any:
            element, output = divmod(k, size)
            return _one_sided(
                flat, nodes, i, units[element], steps[element], lambda row: float(row[output])
            )

        _judge(
            node,
            i,
            analytic.reshape(-1),
            numeric.reshape(-1),
            tolerance,
            where,
            not np.any(analytic),
            one_sided=one_sided,
        )


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

    One strategy per size. When the output and an input both have at most `FULL_CHECK_SIZE`
    elements, every entry of their Jacobian is compared with central differences (one backward
    pass per output element). Otherwise the vector-Jacobian product for a random cotangent is:
    element by element on a small input, on a random sample of `SAMPLE_SIZE` elements of a
    large one, then along `PROJECTIONS` random directions that move all its elements at once.
    Where a comparison fails at a kink (the one-sided differences disagree), the report says so.
    Inputs that require grad are checked; the others are held fixed. Structural faults fail
    with their own message: a gradient of the wrong shape or dtype, inputs modified by ``fn``,
    backward passes that disagree. Inputs that are not float64 raise a `GradcheckWarning`.

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
        small_out = out.requires_grad and np.size(out.data) <= FULL_CHECK_SIZE
        small = [i for i in checked if small_out and np.size(nodes[i].data) <= FULL_CHECK_SIZE]
        for i, a in zip(checked, analytic):
            if i not in small:
                _check_sampled(f, nodes, i, a, eps, (atol, rtol), rng)
        if small:
            _check_jacobian(fn, out, nodes, small, eps, (atol, rtol))
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Node | Sequence[Node],
    grad_outputs: Any = None,
    *,
    eps: float | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check second derivatives of ``fn``: the gradient of its recorded gradient.

    The first-order gradients are computed with ``create_graph=True`` for a random cotangent
    ``v`` and projected on random directions ``w``; the result, a function of the inputs and of
    ``v``, is then checked by `gradcheck` with respect to both (as PyTorch's does). This
    exercises every backward rule's own backward, including those that only the cotangent
    reaches.

    Parameters
    ----------
    fn, inputs, eps, atol, rtol, raise_exception, seed
        As for `gradcheck`; the tolerances apply to the second derivatives.
    grad_outputs : array-like, optional
        The cotangent of the first-order pass (PyTorch's name); a random one by default.

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
        first = _combine(fn(*nodes), "gradgradcheck")
    shape = np.shape(first.data)
    v = rng.standard_normal(shape) if grad_outputs is None else np.asarray(grad_outputs, float)
    if v.shape != shape:
        raise ValueError(f"gradgradcheck: grad_outputs of shape {v.shape} for an output of {shape}")
    ws = [rng.standard_normal(np.shape(n.data)) for n in checked]
    # The cotangent is an input too, as in PyTorch: the first-order gradient is linear in it, and
    # its derivative there runs the rules of the backward's own operations (a scatter's, a
    # pooling's adjoint) that the derivatives with respect to the inputs alone never reach.
    cotangent = type(first)._wrap(float(v) if first.holds_float else v)
    cotangent.requires_grad = True

    def projected_gradient(*args: Node) -> Node:
        *xs, cot = args
        with enable_grad():
            out = _combine(fn(*xs), "gradgradcheck")
            grads = autograd_grad(
                out,
                [a for a in xs if a.requires_grad],
                grad_outputs=cot,
                create_graph=True,
                allow_unused=True,
            )
            total: Any = None
            for g, w in zip(grads, ws):
                if g is None:
                    continue
                term = g * (float(w) if g.holds_float else w)
                term = term if g.holds_float else term.sum()
                total = term if total is None else total + term
        if total is None:
            return type(out)._wrap(0.0 if out.holds_float else np.float64(0.0))
        return total  # type: ignore[no-any-return]

    try:
        return gradcheck(
            projected_gradient,
            [*nodes, cotangent],
            eps=eps,
            atol=atol,
            rtol=rtol,
            check_backward_twice=False,
            seed=seed,
        )
    except GradcheckError as err:
        if not raise_exception:
            return False
        message = str(err).removeprefix("gradcheck: ")
        if err.index == len(nodes):
            message = message.replace(f"input {len(nodes)} ", "the cotangent (grad_outputs) ", 1)
        raise GradcheckError(
            "gradgradcheck: second derivatives (the gradient of the recorded first-order "
            f"gradient): {message}",
            err.index,
        ) from None
