"""Parity with PyTorch for reductions, scans, statistics, norms, shapes, views and linear
algebra: the same values (indices included) and the same gradients on random float64 inputs, and
the semantic cases where PyTorch and numpy disagree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import microgradnet as mg
from microgradnet.autograd import grad
from microgradnet.nn import functional

torch = pytest.importorskip("torch")
tf = torch.nn.functional

INF = float("inf")


def distinct(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Random values with no ties and none near 0 (ties and kinks have their own tests)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    values = (rng.permutation(n) + 1.0) * rng.choice([-1.0, 1.0], n) / n + rng.normal(0, 1e-3, n)
    return values.reshape(shape)


def with_zeros(shape: tuple[int, ...], seed: int) -> np.ndarray:
    x = distinct(shape, seed)
    x.reshape(-1)[::3] = 0.0
    return x


def few_values(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Small integers, many of them repeated (for mode)."""
    return np.random.default_rng(seed).integers(-2, 3, shape).astype(np.float64)


# name: (microgradnet function, torch function, input shapes, input maker)
Fn = Callable[..., Any]
OPS: dict[str, tuple[Fn, Fn, list[tuple[int, ...]], Any]] = {
    "max_dim": (lambda x: x.max(1), lambda x: x.max(1), [(3, 4)], distinct),
    "min_dim_keep": (
        lambda x: x.min(0, keepdim=True),
        lambda x: x.min(0, keepdim=True),
        [(3, 4)],
        distinct,
    ),
    "max_all": (lambda x: x.max(), lambda x: x.max(), [(3, 4)], distinct),
    "max_other": (lambda x, y: x.max(y), lambda x, y: x.max(y), [(3, 4), (4,)], distinct),
    "amax": (lambda x: x.amax((0, 2)), lambda x: x.amax((0, 2)), [(2, 3, 4)], distinct),
    "amin": (lambda x: x.amin(-1, True), lambda x: x.amin(-1, True), [(2, 3)], distinct),
    "logsumexp": (lambda x: x.logsumexp(1), lambda x: x.logsumexp(1), [(3, 4)], distinct),
    "prod": (lambda x: x.prod(1), lambda x: x.prod(1), [(3, 4)], with_zeros),
    "prod_all": (lambda x: x.prod(), lambda x: x.prod(), [(2, 3)], distinct),
    "cumsum": (lambda x: x.cumsum(0), lambda x: x.cumsum(0), [(4, 3)], distinct),
    "cumprod": (lambda x: x.cumprod(1), lambda x: x.cumprod(1), [(3, 5)], with_zeros),
    "cummax": (lambda x: x.cummax(1), lambda x: x.cummax(1), [(3, 5)], distinct),
    "cummin": (lambda x: mg.cummin(x, 0), lambda x: torch.cummin(x, 0), [(5, 2)], distinct),
    "sort": (lambda x: x.sort(0), lambda x: x.sort(0), [(4, 3)], distinct),
    "sum_dtype": (
        lambda x: x.float().sum(1, dtype=mg.float64),
        lambda x: x.float().sum(1, dtype=torch.float64),
        [(3, 4)],
        distinct,
    ),
    "mean_dtype": (
        lambda x: x.float().mean(dtype=mg.float64),
        lambda x: x.float().mean(dtype=torch.float64),
        [(3, 4)],
        distinct,
    ),
    "prod_dtype": (
        lambda x: mg.prod(x.float(), 0, dtype=mg.float64),
        lambda x: torch.prod(x.float(), 0, dtype=torch.float64),
        [(3, 4)],
        distinct,
    ),
    "meshgrid_ij": (
        lambda *xs: mg.meshgrid(*xs, indexing="ij"),
        lambda *xs: torch.meshgrid(*xs, indexing="ij"),
        [(3,), (), (4,)],
        distinct,
    ),
    "meshgrid_xy": (
        lambda *xs: mg.meshgrid(list(xs), indexing="xy"),
        lambda *xs: torch.meshgrid(list(xs), indexing="xy"),
        [(3,), (2,), (4,)],
        distinct,
    ),
    "sort_descending": (
        lambda x: mg.sort(x, 1, descending=True),
        lambda x: torch.sort(x, 1, descending=True),
        [(3, 5)],
        distinct,
    ),
    "topk": (lambda x: x.topk(2), lambda x: x.topk(2), [(3, 5)], distinct),
    "topk_smallest": (
        lambda x: mg.topk(x, 3, 0, largest=False),
        lambda x: torch.topk(x, 3, 0, largest=False),
        [(4, 2)],
        distinct,
    ),
    "logcumsumexp": (lambda x: x.logcumsumexp(1), lambda x: x.logcumsumexp(1), [(3, 5)], distinct),
    "var": (lambda x: x.var(1), lambda x: x.var(1), [(3, 4)], distinct),
    "var_correction": (
        lambda x: x.var((0, 1), correction=0, keepdim=True),
        lambda x: x.var((0, 1), correction=0, keepdim=True),
        [(3, 4)],
        distinct,
    ),
    "std": (
        lambda x: x.std(0, unbiased=False),
        lambda x: x.std(0, unbiased=False),
        [(3, 4)],
        distinct,
    ),
    "var_mean": (lambda x: mg.var_mean(x, 1), lambda x: torch.var_mean(x, 1), [(3, 4)], distinct),
    "std_mean": (lambda x: mg.std_mean(x), lambda x: torch.std_mean(x), [(3, 4)], distinct),
    "median": (lambda x: x.median(), lambda x: x.median(), [(3, 4)], distinct),
    "median_dim": (lambda x: x.median(1), lambda x: x.median(1), [(3, 5)], distinct),
    "mode": (lambda x: mg.mode(x), lambda x: torch.mode(x), [(3, 7)], few_values),
    "mode_dim": (lambda x: x.mode(0, True), lambda x: x.mode(0, True), [(6, 2)], few_values),
    "norm": (lambda x: x.norm(), lambda x: x.norm(), [(3, 4)], distinct),
    "norm_p3_dim": (lambda x: x.norm(3, 1), lambda x: x.norm(3, 1), [(3, 4)], distinct),
    "norm_1": (lambda x: x.norm(1), lambda x: x.norm(1), [(3, 4)], distinct),
    "norm_inf_dim": (
        lambda x: x.norm(INF, 0, True),
        lambda x: x.norm(INF, 0, True),
        [(3, 4)],
        distinct,
    ),
    "linalg_norm": (
        lambda x: mg.linalg.norm(x),
        lambda x: torch.linalg.norm(x),
        [(2, 3, 4)],
        distinct,
    ),
    "linalg_norm_ord": (
        lambda x: mg.linalg.norm(x, -INF),
        lambda x: torch.linalg.norm(x, -INF),
        [(3, 4)],
        distinct,
    ),
    "matrix_norm": (
        lambda x: mg.linalg.matrix_norm(x, 1),
        lambda x: torch.linalg.matrix_norm(x, 1),
        [(2, 3, 4)],
        distinct,
    ),
    "vector_norm": (
        lambda x: mg.linalg.vector_norm(x, 0.5, (0, 2)),
        lambda x: torch.linalg.vector_norm(x, 0.5, (0, 2)),
        [(2, 3, 4)],
        distinct,
    ),
    "vector_norm_negative": (
        lambda x: mg.linalg.vector_norm(x, -1.5, (0, 2)),
        lambda x: torch.linalg.vector_norm(x, -1.5, (0, 2)),
        [(2, 3, 4)],
        distinct,
    ),
    "normalize": (functional.normalize, tf.normalize, [(3, 4)], distinct),
    "normalize_p": (
        lambda x: functional.normalize(x, 0, dim=0),
        lambda x: tf.normalize(x, 0, dim=0),
        [(3, 4)],
        distinct,
    ),
    "normalize_negative_p": (
        lambda x: functional.normalize(x, -1, 2),
        lambda x: tf.normalize(x, -1, 2),
        [(2, 3, 4)],
        distinct,
    ),
    "transpose": (lambda x: x.transpose(0, 1), lambda x: x.transpose(0, 1), [(2, 3, 4)], distinct),
    "permute": (lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1), [(2, 3, 4)], distinct),
    "movedim": (
        lambda x: x.movedim((0, 1), (2, 0)),
        lambda x: x.movedim((0, 1), (2, 0)),
        [(2, 3, 4)],
        distinct,
    ),
    "expand": (lambda x: x.expand(2, -1, 4), lambda x: x.expand(2, -1, 4), [(3, 1)], distinct),
    "expand_as": (
        lambda x, y: x.expand_as(y),
        lambda x, y: x.expand_as(y),
        [(3, 1), (2, 3, 4)],
        distinct,
    ),
    "repeat": (lambda x: x.repeat(2, 1, 3), lambda x: x.repeat(2, 1, 3), [(2, 3)], distinct),
    "tile": (lambda x: mg.tile(x, (2,)), lambda x: torch.tile(x, (2,)), [(2, 3)], distinct),
    "repeat_interleave": (
        lambda x: x.repeat_interleave(2, 0),
        lambda x: x.repeat_interleave(2, 0),
        [(2, 3)],
        distinct,
    ),
    "repeat_interleave_tensor": (
        lambda x: x.repeat_interleave(mg.tensor([2, 0, 1]), 1),
        lambda x: x.repeat_interleave(torch.tensor([2, 0, 1]), 1),
        [(2, 3)],
        distinct,
    ),
    "repeat_interleave_flat": (
        lambda x: mg.repeat_interleave(x, 2),
        lambda x: torch.repeat_interleave(x, 2),
        [(2, 3)],
        distinct,
    ),
    "flip": (lambda x: x.flip(0, 2), lambda x: x.flip(0, 2), [(2, 3, 4)], distinct),
    "roll": (
        lambda x: x.roll((1, -2), (0, 1)),
        lambda x: x.roll((1, -2), (0, 1)),
        [(3, 4)],
        distinct,
    ),
    "roll_flat": (lambda x: x.roll(5), lambda x: x.roll(5), [(3, 4)], distinct),
    "split": (lambda x: x.split(2, 1), lambda x: x.split(2, 1), [(3, 5)], distinct),
    "split_sizes": (
        lambda x: mg.split(x, [1, 4], 1),
        lambda x: torch.split(x, [1, 4], 1),
        [(3, 5)],
        distinct,
    ),
    "chunk": (lambda x: x.chunk(3, 1), lambda x: x.chunk(3, 1), [(3, 5)], distinct),
    "unbind": (lambda x: x.unbind(1), lambda x: x.unbind(1), [(3, 4)], distinct),
    "unflatten": (
        lambda x: x.unflatten(1, (2, -1)),
        lambda x: x.unflatten(1, (2, -1)),
        [(3, 6)],
        distinct,
    ),
    "narrow": (lambda x: x.narrow(1, -3, 2), lambda x: x.narrow(1, -3, 2), [(3, 5)], distinct),
    "unfold": (lambda x: x.unfold(1, 3, 2), lambda x: x.unfold(1, 3, 2), [(2, 7, 3)], distinct),
    "diagonal": (
        lambda x: x.diagonal(1, 0, 2),
        lambda x: x.diagonal(1, 0, 2),
        [(3, 2, 4)],
        distinct,
    ),
    "diag_vector": (lambda x: mg.diag(x, -1), lambda x: torch.diag(x, -1), [(3,)], distinct),
    "diag_matrix": (lambda x: x.diag(1), lambda x: x.diag(1), [(3, 4)], distinct),
    "tril": (lambda x: x.tril(-1), lambda x: x.tril(-1), [(2, 3, 4)], distinct),
    "triu": (lambda x: mg.triu(x, 1), lambda x: torch.triu(x, 1), [(4, 3)], distinct),
    "pad_constant": (
        lambda x: functional.pad(x, (1, 2, -1, 1), value=0.5),
        lambda x: tf.pad(x, (1, 2, -1, 1), value=0.5),
        [(2, 3, 4)],
        distinct,
    ),
    "pad_reflect": (
        lambda x: functional.pad(x, (2, 3, 1, 0), mode="reflect"),
        lambda x: tf.pad(x, (2, 3, 1, 0), mode="reflect"),
        [(2, 3, 4)],
        distinct,
    ),
    "pad_replicate": (
        lambda x: functional.pad(x, (2, 3, 1, 0), mode="replicate"),
        lambda x: tf.pad(x, (2, 3, 1, 0), mode="replicate"),
        [(2, 3, 4)],
        distinct,
    ),
    "pad_circular": (
        lambda x: functional.pad(x, (4, 3, 1, 2), mode="circular"),
        lambda x: tf.pad(x, (4, 3, 1, 2), mode="circular"),
        [(1, 2, 3, 4)],
        distinct,
    ),
    "pad_circular_cropped": (
        lambda x: functional.pad(x, (1, -2, -3, 2), mode="circular"),
        lambda x: tf.pad(x, (1, -2, -3, 2), mode="circular"),
        [(1, 2, 5, 4)],
        distinct,
    ),
    "einsum_batched": (
        lambda a, b: mg.einsum("...ij,...jk->...ik", a, b),
        lambda a, b: torch.einsum("...ij,...jk->...ik", a, b),
        [(2, 1, 3, 4), (5, 4, 2)],
        distinct,
    ),
    "einsum_trace": (
        lambda a: mg.einsum("ii", a),
        lambda a: torch.einsum("ii", a),
        [(3, 3)],
        distinct,
    ),
    "einsum_diag_sum": (
        lambda a, b: mg.einsum("iij,jk->ik", a, b),
        lambda a, b: torch.einsum("iij,jk->ik", a, b),
        [(3, 3, 2), (2, 4)],
        distinct,
    ),
    "einsum_implicit": (
        lambda a, b: mg.einsum("bj,ab", a, b),
        lambda a, b: torch.einsum("bj,ab", a, b),
        [(3, 2), (4, 3)],
        distinct,
    ),
    "dot": (mg.dot, torch.dot, [(4,), (4,)], distinct),
    "outer": (mg.outer, torch.outer, [(3,), (4,)], distinct),
    "mv": (mg.mv, torch.mv, [(3, 4), (4,)], distinct),
    "mm": (mg.mm, torch.mm, [(3, 4), (4, 2)], distinct),
    "bmm": (mg.bmm, torch.bmm, [(2, 3, 4), (2, 4, 2)], distinct),
    "matmul_vv": (mg.matmul, torch.matmul, [(4,), (4,)], distinct),
    "matmul_vm": (mg.matmul, torch.matmul, [(4,), (2, 4, 3)], distinct),
    "matmul_mv": (mg.matmul, torch.matmul, [(2, 3, 4), (4,)], distinct),
    "matmul_broadcast": (mg.matmul, torch.matmul, [(2, 1, 3, 4), (5, 4, 2)], distinct),
}


def parts(out: Any) -> list[Any]:
    return list(out) if isinstance(out, tuple | list) else [out]


@pytest.mark.parametrize("name", sorted(OPS))
def test_values_and_gradients_match_pytorch(name: str) -> None:
    ours_fn, theirs_fn, shapes, make = OPS[name]
    arrays = [make(s, seed) for seed, s in enumerate(shapes)]
    xs = [mg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours, theirs = parts(ours_fn(*xs)), parts(theirs_fn(*ts))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert o.shape == tuple(t.shape)
        assert o.dtype == np.dtype(str(t.dtype).removeprefix("torch."))
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-10, atol=1e-12)
    rng = np.random.default_rng(7)
    floats = [(o, t) for o, t in zip(ours, theirs) if t.dtype == torch.float64]
    cotangents = [rng.normal(size=o.shape) for o, _ in floats]
    loss = sum((o * c).sum() for (o, _), c in zip(floats, cotangents))
    torch_loss = sum((t * torch.tensor(c)).sum() for (_, t), c in zip(floats, cotangents))
    ours_grads = grad(loss, xs, allow_unused=True)
    theirs_grads = torch.autograd.grad(torch_loss, ts, allow_unused=True)
    for x, g, tg in zip(xs, ours_grads, theirs_grads):
        got = np.zeros(x.shape) if g is None else g.data
        expected = np.zeros(x.shape) if tg is None else tg.numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_semantic_cases_of_the_issue() -> None:
    assert mg.tensor(np.zeros((2, 3))).transpose(0, 1).shape == (3, 2)
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    values, indices = mg.tensor(x).max(dim=1)
    expected = torch.tensor(x).max(dim=1)
    np.testing.assert_array_equal(values.data, expected.values.numpy())
    np.testing.assert_array_equal(indices.data, expected.indices.numpy())
    assert mg.tensor(x).max(dim=1).indices.dtype == np.int64


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda x: x.max(1).values, lambda x: x.max(1).values),
        (lambda x: x.amax(1), lambda x: x.amax(1)),
        (lambda x: x.max(), lambda x: x.max()),
        (lambda x: x.median(), lambda x: x.median()),
        (lambda x: x.cummax(1).values, lambda x: x.cummax(1).values),
        (lambda x: x.norm(INF, 1), lambda x: x.norm(INF, 1)),
        (lambda x: x.prod(1), lambda x: x.prod(1)),
        (lambda x: x.cumprod(1), lambda x: x.cumprod(1)),
        (lambda x: (x * 0).norm(dim=1), lambda x: (x * 0).norm(dim=1)),
        (lambda x: (x * 0).std(1), lambda x: (x * 0).std(1)),
    ],
)
def test_gradients_at_ties_zeros_and_kinks_match_pytorch(ours: Fn, theirs: Fn) -> None:
    data = np.array([[3.0, 1.0, 3.0, 0.0], [2.0, 0.0, 0.0, -2.0]])
    x = mg.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    ours(x).sum().backward()
    theirs(t).sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12, atol=0)


def test_float32_values_match_pytorch() -> None:
    a = distinct((3, 4), 0).astype(np.float32)
    for ours, theirs in [
        (lambda x: x.var(1), lambda x: x.var(1)),
        (lambda x: x.logsumexp(1), lambda x: x.logsumexp(1)),
        (lambda x: x.norm(), lambda x: x.norm()),
        (lambda x: x.cumprod(1), lambda x: x.cumprod(1)),
        (lambda x: mg.einsum("ij,kj->ik", x, x), lambda x: torch.einsum("ij,kj->ik", x, x)),
    ]:
        o, t = ours(mg.tensor(a)), theirs(torch.tensor(a))
        assert o.dtype == np.float32
        np.testing.assert_allclose(o.data, t.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("descending", [False, True])
def test_sort_keeps_ties_in_order_and_puts_nan_last_as_pytorch(descending: bool) -> None:
    for data in (
        [0, 1] * 9,
        [True, False, True, True, False],
        np.array([3, 1, 3, 200, 0], np.uint8),
        [2.0, np.nan, 1.0, np.nan, -np.inf, np.inf, 0.0, 2.0],
    ):
        ours = mg.tensor(data).sort(descending=descending, stable=True)
        theirs = torch.tensor(data).sort(descending=descending, stable=True)
        np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
        assert ours.indices.dtype == np.int64
        order = mg.argsort(mg.tensor(data), descending=descending)
        np.testing.assert_array_equal(order.data, theirs.indices.numpy())


def test_sort_and_topk_of_empty_and_0d_inputs_and_bad_k() -> None:
    for shape in [(0,), (0, 5), (1,), ()]:
        x = np.zeros(shape)
        ours, theirs = mg.tensor(x).sort(0), torch.tensor(x).sort(0)
        assert ours.values.shape == tuple(theirs.values.shape)
        np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
    assert mg.tensor(2.5).topk(1).values.item() == 2.5
    for k in (4, -1):
        with pytest.raises(RuntimeError, match="topk: k"):
            mg.tensor([1.0, 2.0, 3.0]).topk(k)


def test_a_norm_with_negative_p_is_0_with_a_zero_element_and_so_is_its_gradient() -> None:
    data = np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    x, t = mg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    ours, theirs = mg.linalg.vector_norm(x, -1, 1), torch.linalg.vector_norm(t, -1, 1)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12)


def test_running_sums_and_products_take_a_dtype() -> None:
    data = distinct((3, 4), 0).astype(np.float32)
    for name in ("cumsum", "cumprod"):
        ours = getattr(mg.tensor(data), name)(1, dtype=mg.float64)
        theirs = getattr(torch.tensor(data), name)(1, dtype=torch.float64)
        assert ours.dtype == np.float64
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)


def test_view_with_a_dtype_reads_the_bytes_as_pytorch() -> None:
    data = distinct((3, 4), 0).astype(np.float32)
    for name in ("int32", "int16", "uint8", "float64", "float32"):
        ours = mg.tensor(data, requires_grad=True).view(getattr(mg, name))
        theirs = torch.tensor(data, requires_grad=True).view(getattr(torch, name))
        assert ours.dtype == np.dtype(name) and not ours.requires_grad
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    for bad in (mg.tensor(data[:, :3]).view, mg.tensor(np.float32(1.0)).view):
        with pytest.raises(RuntimeError, match="does not hold a whole number"):
            bad(mg.float64)
