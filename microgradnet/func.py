"""Function transforms in the style of JAX and ``torch.func``: `grad`, `value_and_grad`, `vjp`,
`jacrev`, `hessian`.

Numbers and arrays go in, numbers and arrays come out, and the transforms nest
(``grad(grad(f))`` is the second derivative). Where the output does not depend on an input, its
derivative is zero, at every order. All are thin layers over `microgradnet.autograd.grad`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd import grad as autograd_grad
from .engine import Node, enable_grad
from .tensor import Tensor

__all__ = ["grad", "hessian", "jacrev", "value_and_grad", "vjp"]


def _leaves(args: Sequence[Any], nums: Sequence[int]) -> tuple[list[Any], list[Node], bool]:
    """``args`` with those at ``nums`` made leaves that require grad, the leaves, and whether an
    outer transform differentiates through this one (an argument already requires grad)."""
    args_l = list(args)
    leaves: list[Node] = []
    nested = False
    for i in nums:
        a = args_l[i]
        if isinstance(a, Node) and a.requires_grad:
            nested = True
            leaf = a
        elif isinstance(a, Node):
            leaf = type(a)._wrap(a.data)
            leaf.requires_grad = True
        else:
            leaf = Tensor(np.asarray(a, dtype=np.result_type(a, np.float64)), requires_grad=True)
        args_l[i] = leaf
        leaves.append(leaf)
    return args_l, leaves, nested


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__name__", "fn")


def _returned(g: Node | None, leaf: Node, original: Any, nested: bool) -> Any:
    """A gradient as the caller passed its argument: a node when nested or given a node, else a
    float for a number, else an array; zeros where no gradient reached the leaf."""
    if g is None:
        g = type(leaf)._wrap(leaf._raw_grad(np.zeros(leaf.shape)))
    if nested or isinstance(original, Node):
        return g
    if isinstance(original, float | int) and np.ndim(g.data) == 0:
        return float(g.data)
    return g.data


def vjp(fn: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """``fn(*primals)`` and a function that maps a cotangent of the output to one per input.

    Examples
    --------
    >>> import numpy as np
    >>> import microgradnet as mg
    >>> out, pullback = mg.func.vjp(lambda x: x * x, np.array([1.0, 2.0]))
    >>> pullback(np.array([1.0, 10.0]))
    (array([ 2., 40.]),)
    """
    args, leaves, nested = _leaves(primals, range(len(primals)))
    with enable_grad():  # a transform needs the graph of fn, whatever the caller's mode
        out = fn(*args)
    if not isinstance(out, Node):
        raise TypeError(f"vjp: {_name(fn)} must return a Tensor or Value, not {type(out).__name__}")

    def pullback(cotangent: Any) -> tuple[Any, ...]:
        if out.requires_grad:
            found = autograd_grad(
                out, leaves, cotangent, retain_graph=True, create_graph=nested, allow_unused=True
            )
        else:
            found = (None,) * len(leaves)
        return tuple(_returned(g, x, p, nested) for g, x, p in zip(found, leaves, primals))

    return (out if nested else out.data), pullback


def value_and_grad(fn: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Turn ``fn`` (to a single number) into a function returning ``(fn(*args), gradient)``.

    Examples
    --------
    >>> import microgradnet as mg
    >>> f = lambda x: (x ** 3).sum()
    >>> mg.func.value_and_grad(f)(2.0)
    (8.0, 12.0)
    """
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def wrapped(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        args_l, leaves, nested = _leaves(args, nums)
        with enable_grad():
            out = fn(*args_l, **kwargs)
        if not isinstance(out, Node) or int(np.size(out.data)) != 1:
            raise TypeError(
                f"grad: {_name(fn)} must return a single-element Tensor or Value, got "
                f"{type(out).__name__} of shape {np.shape(getattr(out, 'data', out))}"
            )
        if out.requires_grad:
            found = autograd_grad(out, leaves, create_graph=nested, allow_unused=True)
        else:
            found = (None,) * len(leaves)  # out does not depend on any argument
        grads = tuple(_returned(g, x, args[i], nested) for g, x, i in zip(found, leaves, nums))
        value = out if nested else float(np.asarray(out.data).reshape(()))
        return value, grads[0] if isinstance(argnums, int) else grads

    wrapped.__name__ = f"value_and_grad({_name(fn)})"
    return wrapped


def grad(fn: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Turn ``fn`` (to a single number) into a function returning its gradient; nest it for
    higher derivatives.

    Examples
    --------
    >>> import microgradnet as mg
    >>> d2 = mg.func.grad(mg.func.grad(lambda x: x ** 3))
    >>> d2(2.0)
    12.0
    >>> mg.func.grad(mg.func.grad(lambda x: 3 * x))(1.0)
    0.0
    """
    vg = value_and_grad(fn, argnums)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    wrapped.__name__ = f"grad({_name(fn)})"
    return wrapped


def jacrev(fn: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """Turn ``fn`` into a function returning its Jacobian with respect to argument ``argnums``,
    of shape ``output.shape + input.shape``, one reverse pass per output element.

    Examples
    --------
    >>> import numpy as np
    >>> import microgradnet as mg
    >>> mg.func.jacrev(lambda x: x ** 2)(np.array([1.0, 3.0]))
    array([[2., 0.],
           [0., 6.]])
    """

    def wrapped(*args: Any) -> Any:
        out, pullback = vjp(lambda *a: fn(*a), *args)
        data = out.data if isinstance(out, Node) else np.asarray(out)
        rows = []
        for k in range(data.size):
            seed = np.zeros(data.size, dtype=data.dtype)
            seed[k] = 1.0
            rows.append(pullback(seed.reshape(data.shape))[argnums])
        if not rows:
            return np.zeros(data.shape + np.shape(args[argnums]))
        if any(isinstance(r, Node) for r in rows):
            from .ops import reshape, stack

            return reshape(stack(rows), data.shape + rows[0].shape)
        return np.stack([np.asarray(r) for r in rows]).reshape(data.shape + np.shape(rows[0]))

    wrapped.__name__ = f"jacrev({_name(fn)})"
    return wrapped


def hessian(fn: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """Turn ``fn`` (to a single number) into a function returning its matrix of second
    derivatives with respect to argument ``argnums``.

    Examples
    --------
    >>> import numpy as np
    >>> import microgradnet as mg
    >>> mg.func.hessian(lambda x: (x[0] ** 2) * x[1])(np.array([1.0, 2.0]))
    array([[4., 2.],
           [2., 0.]])
    """
    return jacrev(grad(fn, argnums), argnums)
