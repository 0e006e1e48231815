"""`microgradnet.compile`: record a whole step once, then run it as a flat list of numpy calls.

The first call with a given signature runs eagerly and records every computation it makes
(`tracer`, into a `tape`). The second lowers the record into a program (`lowering`, which runs
the record once more on arrays that note every numpy call, `capture`; `program`, which writes
those calls out as one Python function with constant folding, buffers reused with ``out=`` and
in-place updates), runs it, and checks it and a replay of the record bit for bit against the
eager call. From the third call on, calls run the program: no graph, no nodes, no topological
sort, the same numpy calls in the same order; or, where a tape cannot be lowered, replay the
record step by step. Guards (`guards`) decide when a record applies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

from .compiled import CompiledFunction, CompileWarning
from .tracer import CompileError


@overload
def compile(  # noqa: A001 - PyTorch's name
    fn: Callable[..., Any], *, fullgraph: bool = False, cache_size: int = 8
) -> CompiledFunction: ...


@overload
def compile(  # noqa: A001
    fn: None = None, *, fullgraph: bool = False, cache_size: int = 8
) -> Callable[[Callable[..., Any]], CompiledFunction]: ...


def compile(  # noqa: A001
    fn: Callable[..., Any] | None = None, *, fullgraph: bool = False, cache_size: int = 8
) -> Any:
    """Compile ``fn`` (a training step, an inference function) into a replay of its numpy calls.

    The first call with a given signature (the shapes, dtypes, memory layouts and
    ``requires_grad`` of its `Tensor` arguments, the values of its number arguments, the identity
    of other arguments, and grad mode) runs eagerly and is traced: every forward of an
    operation, every derivative rule, sum of gradients and gradient added into ``.grad``, each
    ``optimizer.step()`` and ``zero_grad()``, and in-place updates. The second call lowers the
    trace into a program of numpy calls (one generated function, its intermediate arrays
    allocated once), and checks it bit for bit against the eager call; later calls run it, with
    the numbers an optimizer reads (``param_groups``: a learning-rate schedule) read again at
    each step. What cannot be lowered is replayed from the trace step by step (`explain` says
    which).

    A call is traced again when a guard changes: the Python numbers the function can see by
    name (its globals, its closure, the attributes of its ``self`` and of object arguments),
    ``train()``/``eval()`` of the modules among them, the shapes of the parameters and captured
    tensors it reads. Code that turns traced values into Python or numpy data (``.item()``,
    ``float(t)``, ``bool(t)``, ``.numpy()``, ``.tolist()``, ``.data``, ``.grad``) cannot be
    replayed: the call runs eagerly from then on, with one `CompileWarning` naming the line, or
    raises `CompileError` when ``fullgraph``.

    What a replay does not repeat: Python side effects of the function (printing, appending to
    a list, ``self.loss = loss``, ``scheduler.step()`` inside it), and gradients of intermediate
    results (``retain_grad``). Tensors it returns are new tensors around this call's results,
    without a graph. A call made while another call of the same program runs (from another
    thread) runs eagerly.

    Parameters
    ----------
    fn : callable
        The function; omit it to use ``compile(fullgraph=True)`` as a decorator.
    fullgraph : bool
        Raise `CompileError` instead of running eagerly when the function cannot be replayed.
    cache_size : int
        How many traces (signatures and guard changes) to keep; beyond that, calls run eagerly.

    Examples
    --------
    >>> import microgradnet as mg
    >>> w = mg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = mg.optim.SGD([w], lr=0.1)
    >>> @mg.compile
    ... def step(x):
    ...     opt.zero_grad()
    ...     loss = ((x * w).sum() - 1.0) ** 2
    ...     loss.backward()
    ...     opt.step()
    ...     return loss
    >>> x = mg.tensor([1.0, 1.0])
    >>> [round(float(step(x).data), 4) for _ in range(3)]
    [4.0, 1.44, 0.5184]
    >>> step.stats
    {'traced': 1, 'checked': 1, 'replayed': 1, 'eager': 0}
    """
    if fn is None:
        return lambda f: CompiledFunction(f, fullgraph, cache_size)
    return CompiledFunction(fn, fullgraph, cache_size)


__all__ = ["CompileError", "CompileWarning", "CompiledFunction", "compile"]
