"""Indexing ops against PyTorch: values and gradients on random inputs, float64.

Covers ``Tensor.__getitem__`` (PyTorch's rule: an int is basic indexing) on many random index
combinations, and gather, scatter, scatter_add, scatter_reduce (every reduction, with and without
the input's own values, ties and zeros included), index_select, index_add, take_along_dim,
masked_fill, masked_select, nonzero, one_hot and where.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import microgradnet as mg
from microgradnet.nn import functional as F  # noqa: N812 - PyTorch's habit

torch = pytest.importorskip("torch")

RTOL = 1e-10


def both(
    fn_mg: Callable[..., Any],
    fn_torch: Callable[..., Any],
    *arrays: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """``fn`` on float64 leaves in both libraries: the same values and the same gradients for a
    random cotangent."""
    ours = [mg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn_mg(*ours), fn_torch(*theirs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=RTOL, atol=1e-12)
    v = rng.standard_normal(out.shape)
    (out * v).sum().backward()
    (ref * torch.tensor(v)).sum().backward()
    for a, b in zip(ours, theirs):
        expected = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-12)


def random_index(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """A mix of ints, slices, int lists and tuples, boolean masks, None and at most one
    Ellipsis."""
    parts: list[Any] = []
    d, ellipsis = 0, False
    while d < len(shape):
        n = shape[d]
        kind = rng.integers(0, 7)
        if kind == 0:
            parts.append(int(rng.integers(-n, n)))
            d += 1
        elif kind == 1:
            parts.append(slice(int(rng.integers(0, n)), None, int(rng.integers(1, 3))))
            d += 1
        elif kind == 2:
            parts.append([int(i) for i in rng.integers(-n, n, int(rng.integers(1, 3)))])
            d += 1
        elif kind == 3:
            parts.append(None)
        elif kind == 4 and not ellipsis:
            parts.append(Ellipsis)
            ellipsis = True
            d += int(rng.integers(0, len(shape) - d + 1))
        elif kind == 5:
            parts.append(rng.integers(0, 2, n).astype(bool))
            d += 1
        elif kind == 6:  # a tuple inside the index is a sequence, as a list is
            parts.append(tuple(int(i) for i in rng.integers(-n, n, int(rng.integers(1, 3)))))
            d += 1
        if rng.random() < 0.2:
            break
    return tuple(parts)


def as_torch_index(index: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(torch.tensor(p) if isinstance(p, list | np.ndarray) else p for p in index)


def test_getitem_follows_pytorch_on_random_index_combinations() -> None:
    rng = np.random.default_rng(0)
    compared = 0
    for _ in range(400):
        shape = tuple(int(n) for n in rng.integers(1, 5, rng.integers(1, 5)))
        x = rng.standard_normal(shape)
        index = random_index(rng, shape)
        try:
            ref = torch.tensor(x)[as_torch_index(index)]
        except (IndexError, RuntimeError):
            with pytest.raises(IndexError):
                mg.tensor(x)[index]
            continue
        both(lambda t, i=index: t[i], lambda t, i=index: t[as_torch_index(i)], x, rng=rng)
        assert mg.tensor(x)[index].shape == tuple(ref.shape)
        compared += 1
    assert compared > 300


def test_tuples_inside_an_index_are_index_arrays_and_broadcast_with_tensors() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 5, 6, 5, 3, 4))
    c = rng.integers(-5, 5, (1, 1, 4, 1, 1, 1))
    e = rng.integers(0, 2, (1, 1, 1, 1, 6, 1))
    a = rng.integers(-2, 2, (2, 1, 1, 1, 1, 1))
    for index in [
        lambda t: (1, (2, 1, 0), None, t(c), (2, 1, 0), t(e)),
        lambda t: (t(a), ((2,), (1,), (0,)), t(c), (2, 1, 0)),
        lambda t: ((((0,),),),),
        lambda t: ((1, 0), slice(None), t(c)),
    ]:
        both(lambda a, i=index: a[i(mg.tensor)], lambda a, i=index: a[i(torch.tensor)], x, rng=rng)


def test_the_issue_example_an_int_is_basic_indexing() -> None:
    x = mg.zeros(4, 3, 5)
    assert x[0, :, [1, 2]].shape == (3, 2)
    assert x[mg.tensor([0, 1]), 0].shape == (2, 5)
    mask = mg.tensor([True, False, True, False])
    assert x[mask].shape == (2, 3, 5)


def draw_index(rng: np.random.Generator, shape: tuple[int, ...], dim: int, n: int) -> np.ndarray:
    """Indices into dim ``dim`` (length ``n``) for an index of ``shape`` (repeats included)."""
    return rng.integers(0, n, shape)


def unique_index(rng: np.random.Generator, shape: tuple[int, ...], dim: int, n: int) -> np.ndarray:
    """Indices along ``dim`` that never repeat within a line (so scatter is deterministic)."""
    lines = np.moveaxis(np.zeros(shape, dtype=np.int64), dim, -1)
    out = np.array([rng.permutation(n)[: shape[dim]] for _ in range(lines[..., 0].size)])
    return np.moveaxis(out.reshape(lines.shape), -1, dim)


@pytest.mark.parametrize("seed", range(6))
def test_gather_and_scatter_add(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (3, 4, 2)
    dim = int(rng.integers(-3, 3))
    idx_shape = tuple(int(rng.integers(1, n + 1)) for n in shape)
    index = draw_index(rng, idx_shape, dim, shape[dim])
    ti = torch.tensor(index)
    # PyTorch's scatter_add backward fails for a src larger than the index: same shapes here.
    x, src = rng.standard_normal(shape), rng.standard_normal(idx_shape)
    both(lambda a: a.gather(dim, index), lambda a: a.gather(dim, ti), x, rng=rng)
    both(
        lambda a, s: a.scatter_add(dim, mg.tensor(index), s),
        lambda a, s: a.scatter_add(dim, ti, s),
        x, src, rng=rng,
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
def test_scatter_with_unique_indices_and_with_a_value(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape, dim = (4, 3), seed % 2
    idx_shape = (2, 2) if dim == 0 else (3, 2)
    index = unique_index(rng, idx_shape, dim, shape[dim])
    ti = torch.tensor(index)
    x, src = rng.standard_normal(shape), rng.standard_normal(idx_shape)
    both(lambda a, s: a.scatter(dim, index, s), lambda a, s: a.scatter(dim, ti, s), x, src, rng=rng)
    both(lambda a: a.scatter(dim, index, value=2.5), lambda a: a.scatter(dim, ti, 2.5), x, rng=rng)


def test_scatter_takes_a_number_as_its_value_and_checks_src_as_pytorch() -> None:
    x = np.arange(12.0).reshape(3, 4)
    index = np.array([[2, 0], [1, 1]])
    for reduce in (None, "add", "multiply"):
        kw = {} if reduce is None else {"reduce": reduce}
        ours = mg.tensor(x).scatter(1, mg.tensor(index), 3.5, **kw)
        theirs = torch.tensor(x).scatter(1, torch.tensor(index), 3.5, **kw)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    bad = [
        lambda m, a: a.scatter(1, m.tensor(index), a.float()[:2, :2]),  # another dtype
        lambda m, a: a.scatter_add(1, m.tensor(index), a[:2, :1]),  # src smaller than index
        lambda m, a: a.scatter_reduce(0, m.tensor(index), a.float(), "sum"),
    ]
    for call in bad:
        with pytest.raises(RuntimeError):
            call(torch, torch.tensor(x))
        with pytest.raises(RuntimeError):
            call(mg, mg.tensor(x))


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce: str, include_self: bool) -> None:
    rng = np.random.default_rng(1)
    for _ in range(3):
        index = rng.integers(0, 4, (6, 3))
        # Small integers: ties for amax/amin, and zeros for prod. Without the input's own
        # values, PyTorch still counts an input value equal to the result among the ties that
        # share the gradient (so the shares add up to less than the gradient): the input stays
        # off the lattice there, and that case has its own test.
        x = rng.integers(-2, 3, (4, 3)) + (0.0 if include_self else 0.5)
        src = rng.integers(-2, 3, (6, 3)).astype(float)
        ti = torch.tensor(index)
        both(
            lambda a, s, i=index: a.scatter_reduce(0, i, s, reduce, include_self=include_self),
            lambda a, s, i=ti: a.scatter_reduce(0, i, s, reduce, include_self=include_self),
            x, src, rng=rng,
        )  # fmt: skip


def test_index_select_index_add_and_take_along_dim() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4))
    idx = np.array([2, 0, 2])
    ti = torch.tensor(idx)
    both(lambda a: a.index_select(1, idx), lambda a: a.index_select(1, ti), x, rng=rng)
    src = rng.standard_normal((3, 3))
    both(
        lambda a, s: a.index_add(1, idx, s, alpha=2.0),
        lambda a, s: a.index_add(1, ti, s, alpha=2.0),
        x, src, rng=rng,
    )  # fmt: skip
    order = np.argsort(x, axis=1)
    both(
        lambda a: mg.take_along_dim(a, mg.tensor(order), 1),
        lambda a: torch.take_along_dim(a, torch.tensor(order), 1),
        x, rng=rng,
    )  # fmt: skip
    both(
        lambda a: mg.take_along_dim(a, np.array([[0], [3]])[:1], 1),
        lambda a: torch.take_along_dim(a, torch.tensor([[0]]), 1),
        x, rng=rng,
    )  # fmt: skip
    flat = np.array([5, 0, 5])
    both(
        lambda a: mg.take_along_dim(a, flat),
        lambda a: torch.take_along_dim(a, torch.tensor(flat)),
        x, rng=rng,
    )  # fmt: skip


def test_masked_fill_masked_select_and_where() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4))
    mask = rng.random(4) < 0.5
    tm = torch.tensor(mask)
    both(lambda a: a.masked_fill(mask, -1.0), lambda a: a.masked_fill(tm, -1.0), x, rng=rng)
    both(
        lambda a, v: a.masked_fill(mg.tensor(mask), v),
        lambda a, v: a.masked_fill(tm, v),
        x, np.array(0.5), rng=rng,
    )  # fmt: skip
    both(lambda a: a.masked_select(mask), lambda a: a.masked_select(tm), x, rng=rng)
    y = rng.standard_normal((1, 4))
    both(
        lambda a, b: mg.where(mg.tensor(mask), a, b),
        lambda a, b: torch.where(tm, a, b),
        x, y, rng=rng,
    )  # fmt: skip
    both(lambda a: mg.where(a > 0, a, 0.0), lambda a: torch.where(a > 0, a, 0.0), x, rng=rng)
    scalars = mg.where(mg.tensor(mask), 1.0, 0.0)
    assert scalars.dtype == np.float64
    np.testing.assert_array_equal(scalars.numpy(), mask.astype(float))


def test_nonzero_and_one_hot_are_int64_and_match() -> None:
    x = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    out = mg.tensor(x).nonzero()
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), torch.tensor(x).nonzero().numpy())
    for ours, theirs in zip(
        mg.tensor(x).nonzero(as_tuple=True), torch.tensor(x).nonzero(as_tuple=True)
    ):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    labels = np.array([[0, 3], [1, 1]])
    hot = F.one_hot(mg.tensor(labels), 5)
    assert hot.dtype == np.int64
    np.testing.assert_array_equal(
        hot.numpy(), torch.nn.functional.one_hot(torch.tensor(labels), 5).numpy()
    )
    np.testing.assert_array_equal(
        F.one_hot(mg.tensor(labels)).numpy(),
        torch.nn.functional.one_hot(torch.tensor(labels)).numpy(),
    )


def test_tensor_indices_of_int_and_bool_dtype() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 3))
    i = np.array([[3, 0], [1, 1]])
    m = x[:, 0] > 0
    both(lambda a: a[mg.tensor(i)], lambda a: a[torch.tensor(i)], x, rng=rng)
    both(lambda a: a[mg.tensor(m), 1:], lambda a: a[torch.tensor(m), 1:], x, rng=rng)
    j = i % 3
    both(lambda a: a[1, mg.tensor(j)], lambda a: a[1, torch.tensor(j)], x, rng=rng)
