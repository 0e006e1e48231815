"""`check_gradients`: a hypothesis property that checks a function's gradients on drawn inputs."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..engine import Node
from .gradcheck import GradcheckError, gradcheck, gradgradcheck


def _parameters(fn: Any) -> list[tuple[str, Node]]:
    """The named parameters of a `Module` (anything with ``named_parameters()`` or
    ``parameters()``, named by position then), else none."""
    named = getattr(fn, "named_parameters", None)
    if callable(named):
        return list(named())
    params = getattr(fn, "parameters", None)
    return [(str(k), p) for k, p in enumerate(params())] if callable(params) else []


def _unpack(drawn: tuple[Any, ...]) -> tuple[list[Node], Callable[[Sequence[Node]], list[Any]]]:
    """The nodes among the drawn arguments, and how to rebuild the arguments from them.

    A node is checked; a list or tuple of nodes (the input of a `Value` network) is checked
    element by element and passed on as a list or tuple again; anything else is a constant.
    """
    nodes: list[Node] = []
    layout: list[tuple[str, Any]] = []
    for arg in drawn:
        if isinstance(arg, Node):
            nodes.append(arg)
            layout.append(("node", None))
        elif isinstance(arg, list | tuple) and arg and all(isinstance(a, Node) for a in arg):
            nodes.extend(arg)
            layout.append(("sequence", arg))
        else:
            layout.append(("constant", arg))

    def rebuild(args: Sequence[Node]) -> list[Any]:
        it = iter(args)
        out: list[Any] = []
        for kind, arg in layout:
            if kind == "node":
                out.append(next(it))
            elif kind == "sequence":
                out.append(type(arg)(next(it) for _ in arg))
            else:
                out.append(arg)
        return out

    return nodes, rebuild


def _run(
    fn: Callable[..., Any],
    strategies: tuple[Any, ...],
    max_examples: int | None,
    order: int,
    tolerances: dict[str, Any],
) -> None:
    params = _parameters(fn)
    active = settings()
    examples = active.max_examples if max_examples is None else max_examples

    def check(drawn: tuple[Any, ...]) -> None:
        nodes, rebuild = _unpack(drawn)

        def with_parameters(*args: Node) -> Any:
            return fn(*rebuild(args[: len(nodes)]))

        inputs = [*nodes, *(p for _, p in params)]
        try:
            gradcheck(with_parameters, inputs, **tolerances)
            if order >= 2:
                gradgradcheck(with_parameters, inputs, **tolerances)
        except GradcheckError as err:
            if err.index is None or err.index < len(nodes):
                raise
            name = params[err.index - len(nodes)][0]
            raise GradcheckError(
                f"{err} [input {err.index} is the parameter {name!r} of {type(fn).__name__}]",
                err.index,
            ) from None

    # Hypothesis reports the failing example under the checked function's name (a lambda's is
    # no identifier); its "explain" phase would only list lines of gradcheck.
    name = getattr(fn, "__name__", type(fn).__name__)
    if name.isidentifier():
        check.__name__ = check.__qualname__ = name
    run = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[phase for phase in active.phases if phase is not Phase.explain],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )(given(st.tuples(*strategies))(check))
    run()


def check_gradients(
    fn: Any = None,
    *strategies: SearchStrategy[Any],
    max_examples: int | None = None,
    order: int = 1,
    **tolerances: Any,
) -> Any:
    """Check ``fn``'s gradients against finite differences on inputs drawn by hypothesis.

    Each strategy draws one argument of ``fn`` (see `microgradnet.testing.strategies`): a
    `Tensor` or `Value`, a list of them (the input of a `Value` network, checked element by
    element), or a constant. For every example `gradcheck` runs (and `gradgradcheck` when
    ``order=2``); a failing example is shrunk by hypothesis to a small one, and the error names
    the input and the element. The checked inputs are numbered in order: the drawn nodes, then,
    when ``fn`` is a `Module`, its parameters, which are checked too.

    Two ways to call it::

        check_gradients(my_fn, tensors(shape=(3,)))        # inside a test: runs now

        @check_gradients(tensors(shape=(3,)), order=2)      # as a decorator: the decorated
        def test_my_fn(x):                                  # function is what gets checked,
            return MyOp.apply(x)                            # and becomes the test

    Parameters
    ----------
    fn : callable or Module
        The function of `Tensor`s or `Value`s to check.
    *strategies : hypothesis strategies
        One per argument of ``fn``.
    max_examples : int, optional
        How many examples hypothesis draws; by default the active hypothesis profile's number
        (``settings().max_examples``).
    order : int
        1 checks gradients; 2 also checks second derivatives.
    **tolerances
        Passed to `gradcheck` (``atol``, ``rtol``, ``eps``).

    Examples
    --------
    >>> from microgradnet import nn
    >>> from microgradnet.testing import strategies
    >>> check_gradients(nn.Linear(3, 2), strategies.tensors(shape=(4, 3)), max_examples=5)
    """
    if isinstance(fn, SearchStrategy):
        strategies = (fn, *strategies)

        def decorate(test_fn: Callable[..., Any]) -> Callable[[], None]:
            @functools.wraps(test_fn)
            def test() -> None:
                _run(test_fn, strategies, max_examples, order, tolerances)

            # pytest must not take the checked function's arguments for fixtures.
            del test.__wrapped__
            return test

        return decorate
    if fn is None or not callable(fn):
        raise TypeError("check_gradients: give the function to check, then its strategies")
    if not strategies:
        raise TypeError("check_gradients: give one strategy per argument of the function")
    _run(fn, strategies, max_examples, order, tolerances)
    return None
