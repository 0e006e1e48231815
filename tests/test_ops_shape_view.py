"""Shape and view operations: gradients at first and second order against finite differences
(float64, random shapes and arguments), float32 kept, and their behaviour on edge cases and bad
arguments."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st
from test_ops_gradients import gradient_tests, one_input

import microgradnet as mg
from microgradnet.nn import functional
from microgradnet.testing.strategies import shapes

SOME_DIMS = shapes(min_dims=1)
MATRICES = shapes(min_dims=2)


def a_dim(data: st.DataObject, shape: tuple[int, ...]) -> int:
    return data.draw(st.integers(-len(shape), len(shape) - 1))


def dims_subset(data: st.DataObject, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(data.draw(st.lists(st.integers(0, len(shape) - 1), unique=True)))


def draw_movedim(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    src = dims_subset(data, shape)
    dst = data.draw(st.permutations(range(len(shape))))[: len(src)]
    return {"source": src, "destination": tuple(dst)}


def draw_expand(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    lead = data.draw(st.lists(st.integers(1, 3), max_size=2))
    rest = [
        data.draw(st.sampled_from([-1, 3])) if n == 1 else data.draw(st.sampled_from([-1, n]))
        for n in shape
    ]
    return {"sizes": (*lead, *rest)}


def draw_counts(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    extra = data.draw(st.integers(0, 1))
    return {"counts": tuple(data.draw(st.integers(1, 2)) for _ in range(len(shape) + extra))}


def draw_interleave(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    dim = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    n = int(np.prod(shape)) if dim is None else shape[dim]
    per_element = data.draw(st.booleans())
    repeats = (
        np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
        if per_element
        else data.draw(st.integers(1, 3))
    )
    return {"repeats": repeats, "dim": dim}


def draw_roll(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    dims = dims_subset(data, shape)
    shifts = tuple(data.draw(st.integers(-5, 5)) for _ in dims)
    if not dims:
        return {"shifts": data.draw(st.integers(-5, 5)), "dims": None}
    return {"shifts": shifts, "dims": dims}


def draw_narrow(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    dim = a_dim(data, shape)
    n = shape[dim]
    start = data.draw(st.integers(0, n))
    return {"dim": dim, "start": start, "length": data.draw(st.integers(0, n - start))}


def draw_split(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    dim = a_dim(data, shape)
    n = shape[dim]
    if data.draw(st.booleans()):
        return {"sections": data.draw(st.integers(1, n + 1)), "dim": dim}
    cut = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    bounds = [0, *cut, n]
    return {"sections": [b - a for a, b in itertools.pairwise(bounds)], "dim": dim}


def draw_unfold(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    dim = a_dim(data, shape)
    size = data.draw(st.integers(0, shape[dim]))
    return {"dimension": dim, "size": size, "step": data.draw(st.integers(1, 3))}


def draw_diagonal(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    d1, d2 = data.draw(st.permutations(range(len(shape))))[:2]
    return {"offset": data.draw(st.integers(-3, 3)), "dim1": d1, "dim2": d2}


def draw_pad(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    mode = data.draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    widths: list[int] = []
    for n in reversed(shape[-data.draw(st.integers(1, min(3, len(shape)))) :]):
        # circular wraps around what its crops leave: at most n - 2 * (n // 4) after them
        top = {"constant": 3, "reflect": n - 1, "replicate": 3, "circular": n - 2 * (n // 4)}[mode]
        low = {"constant": -(n // 2), "circular": -(n // 4)}.get(mode, 0)
        widths += [data.draw(st.integers(low, top)) for _ in range(2)]
    value = data.draw(st.floats(-2, 2)) if mode == "constant" else None
    return {"pad": tuple(widths), "mode": mode, "value": value}


def offset(data: st.DataObject, shape: tuple[int, ...]) -> dict[str, Any]:
    return {"diagonal": data.draw(st.integers(-3, 3))}


CASES = [
    one_input("movedim", lambda x, **p: x.movedim(**p), draw_movedim, shape=SOME_DIMS),
    one_input("expand", lambda x, sizes: x.expand(*sizes), draw_expand),
    one_input("expand_as", lambda x: x.expand_as(np.zeros((2, *x.shape))), lambda d, s: {}),
    one_input(
        "unflatten",
        lambda x, n: x.unflatten(0, (n, -1)),
        lambda d, s: {"n": d.draw(st.sampled_from([1, s[0]]))},
        shape=SOME_DIMS,
    ),
    one_input(
        "flip",
        lambda x, dims: x.flip(dims),
        lambda d, s: {"dims": dims_subset(d, s)},
        shape=SOME_DIMS,
    ),
    one_input("roll", lambda x, **p: x.roll(**p), draw_roll, shape=SOME_DIMS),
    one_input("repeat", lambda x, counts: x.repeat(*counts), draw_counts),
    one_input("tile", lambda x, counts: mg.tile(x, counts[1:]), draw_counts),
    one_input(
        "repeat_interleave",
        lambda x, **p: x.repeat_interleave(**p),
        draw_interleave,
        shape=SOME_DIMS,
    ),
    one_input("narrow", lambda x, **p: x.narrow(**p), draw_narrow, shape=SOME_DIMS),
    one_input(
        "split",
        lambda x, sections, dim: mg.cat(
            [p * (i + 1) for i, p in enumerate(x.split(sections, dim))], dim
        ),
        draw_split,
        shape=SOME_DIMS,
    ),
    one_input(
        "chunk",
        lambda x, chunks, dim: x.chunk(chunks, dim)[-1],
        lambda d, s: {"chunks": d.draw(st.integers(1, 4)), "dim": a_dim(d, s)},
        shape=SOME_DIMS,
    ),
    one_input(
        "unbind",
        lambda x, dim: mg.stack(x.unbind(dim)[::-1], dim),
        lambda d, s: {"dim": a_dim(d, s)},
        shape=SOME_DIMS,
    ),
    one_input("unfold", lambda x, **p: x.unfold(**p), draw_unfold, shape=SOME_DIMS),
    one_input("diagonal", lambda x, **p: x.diagonal(**p), draw_diagonal, shape=MATRICES),
    one_input(
        "diag_of_vector",
        lambda x, **p: mg.diag(x, **p),
        offset,
        shape=shapes(min_dims=1, max_dims=1),
    ),
    one_input(
        "diag_of_matrix", lambda x, **p: x.diag(**p), offset, shape=shapes(min_dims=2, max_dims=2)
    ),
    one_input("tril", lambda x, **p: x.tril(**p), offset, shape=MATRICES),
    one_input("triu", lambda x, **p: mg.triu(x, **p), offset, shape=MATRICES),
    one_input("pad", lambda x, **p: functional.pad(x, **p), draw_pad, shape=SOME_DIMS),
]


test_first_order, test_second_order, test_float32_stays_float32 = gradient_tests(CASES)


# ------------------------------------------------------------------------------- behaviour


def test_transpose_swaps_two_dims_and_permute_takes_an_order() -> None:
    x = mg.tensor(np.zeros((2, 3, 4)))
    assert x.transpose(0, 1).shape == (3, 2, 4)
    assert x.permute(2, 0, 1).shape == x.permute((2, 0, 1)).shape == (4, 2, 3)
    assert x.movedim(-1, 0).shape == mg.moveaxis(x, -1, 0).shape == (4, 2, 3)


def test_pad_follows_pytorchs_order_and_modes() -> None:
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(
        functional.pad(x, (1, 0), value=-1.0).data, [[-1, 1, 2, 3], [-1, 4, 5, 6]]
    )
    np.testing.assert_array_equal(
        functional.pad(x, (0, 0, 1, 0), mode="replicate").data, [[1, 2, 3], [1, 2, 3], [4, 5, 6]]
    )
    np.testing.assert_array_equal(
        functional.pad(x, (2, 2), mode="reflect").data[0], [3, 2, 1, 2, 3, 2, 1]
    )
    np.testing.assert_array_equal(
        functional.pad(x, (3, 1), mode="circular").data[0], [1, 2, 3, 1, 2, 3, 1]
    )
    np.testing.assert_array_equal(functional.pad(x, (-1, 0)).data, [[2, 3], [5, 6]])
    assert not hasattr(mg, "pad")  # as in PyTorch: torch.nn.functional.pad, no torch.pad


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda x: functional.pad(x, (3, 0), mode="reflect"),
            r"pad: reflect padding \(3, 0\) of dim 1",
        ),
        (lambda x: functional.pad(x, (1,)), r"pad: \(1,\) must hold a \(before, after\) pair"),
        (lambda x: functional.pad(x, (-2, -2)), r"pad: widths \(-2, -2\) would crop dim 1"),
        (lambda x: functional.pad(x, (1, 1), mode="wrap"), "pad: mode must be 'constant'"),
        (lambda x: x.expand(3, 3), r"expand: a tensor of shape \(2, 3\) cannot be expanded"),
        (lambda x: x.repeat(2), r"repeat: 1 repeat counts \(2,\) for an input of 2 dims"),
        (lambda x: x.split([1, 2]), r"split: lengths \[1, 2\] do not add up to the length 2"),
        (lambda x: x.narrow(1, 2, 2), "narrow: start 2 and length 2 do not fit dim 1"),
        (lambda x: x.unfold(1, 4, 1), "unfold: windows of size 4 every 1 do not fit dim 1"),
        (lambda x: x.unflatten(1, (2, 2)), r"unflatten: dim 1 of shape \(2, 3\) cannot be split"),
        (lambda x: x.movedim((0, 1), 0), r"movedim: 2 source dims \(0, 1\) for 1 destinations"),
        (lambda x: x.repeat_interleave(mg.tensor([1, 2])), "repeat_interleave: 2 repeat counts"),
        (lambda x: x.flip(2), "flip: dim 2 is out of range"),
        (lambda x: x[0].tril(), r"tril: needs at least 2 dims, not an input of shape \(3,\)"),
    ],
)
def test_bad_arguments_are_named(call: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError, IndexError), match=message):
        call(mg.tensor(np.zeros((2, 3))))


def test_pieces_cover_the_input_and_empty_pieces_work() -> None:
    x = mg.tensor(np.arange(10.0).reshape(2, 5), requires_grad=True)
    assert [p.shape for p in x.chunk(3, 1)] == [(2, 2), (2, 2), (2, 1)]
    assert [p.shape for p in x.split(2, dim=1)] == [(2, 2), (2, 2), (2, 1)]
    assert [p.shape for p in x.split([0, 5], 1)] == [(2, 0), (2, 5)]
    assert x.unfold(1, 0, 2).shape == (2, 3, 0)
    assert x.narrow(1, -2, 2).tolist() == [[3.0, 4.0], [8.0, 9.0]]
    sum(p.sum() * i for i, p in enumerate(x.unbind(1))).backward()
    np.testing.assert_array_equal(x.grad, [[0, 1, 2, 3, 4]] * 2)


def test_integer_tensors_keep_their_dtype() -> None:
    x = mg.tensor([[1, 2], [3, 4]])
    for y in (
        x.tril(),
        x.triu(1),
        x.diag(),
        x.flip(0),
        x.roll(1),
        x.repeat(1, 2),
        functional.pad(x, (1, 1)),
        x.diagonal(),
        mg.diag(mg.tensor([1, 2])),
    ):
        assert y.dtype == np.int64, y
