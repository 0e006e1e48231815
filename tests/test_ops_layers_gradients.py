"""The layer functions (convolution, pooling, normalization, resampling, embedding, attention)
against finite differences, at first and second order, in float64, on small drawn inputs; and
float32 inputs give float32 results and gradients.

Every stride, padding, dilation and groups combination of the convolutions is its own case;
hypothesis draws the values. Max pooling draws inputs without near-ties, so that the maximum of
each window is a differentiable choice.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgradnet as mg
from microgradnet.autograd import grad
from microgradnet.nn import functional
from microgradnet.testing import gradcheck, gradgradcheck
from microgradnet.testing.strategies import arrays

Draw = Callable[[st.DataObject], list[np.ndarray]]


@dataclass(frozen=True)
class Case:
    """``fn(*tensors)`` over the arrays that ``draw`` makes."""

    name: str
    fn: Callable[..., Any]
    draw: Draw = field(repr=False)

    def __str__(self) -> str:
        return self.name


def shaped(*shapes: tuple[int, ...], **spec: Any) -> Draw:
    def draw(data: st.DataObject) -> list[np.ndarray]:
        return [data.draw(arrays(s, **spec)) for s in shapes]

    return draw


def distinct(shape: tuple[int, ...]) -> Draw:
    """One array whose elements differ pairwise by at least 0.1 (no near-ties for max)."""

    def draw(data: st.DataObject) -> list[np.ndarray]:
        size = int(np.prod(shape))
        order = data.draw(st.permutations(range(size)))
        return [(np.array(order, dtype=np.float64) * 0.1 - size * 0.05).reshape(shape)]

    return draw


def conv_cases() -> list[Case]:
    cases = []
    for n, stride, padding, dilation, groups in itertools.product(
        (1, 2), (1, 2), (0, 1, "same"), (1, 2), (1, 2)
    ):
        if padding == "same" and stride != 1:
            continue
        size = (5,) * n
        fn = (functional.conv1d, functional.conv2d)[n - 1]
        tag = f"conv{n}d-s{stride}-p{padding}-d{dilation}-g{groups}"

        def conv(
            x: Any,
            w: Any,
            b: Any,
            fn: Any = fn,
            s: Any = stride,
            p: Any = padding,
            d: Any = dilation,
            g: Any = groups,
        ) -> Any:
            return fn(x, w, b, s, p, d, g)

        cases.append(Case(tag, conv, shaped((2, 4, *size), (4, 4 // groups, *(2,) * n), (4,))))
    for n, stride, padding, out_pad, dilation, groups in itertools.product(
        (1, 2), (1, 2), (0, 1), (0, 1), (1, 2), (1, 2)
    ):
        if out_pad >= max(stride, dilation):
            continue
        fn = (functional.conv_transpose1d, functional.conv_transpose2d)[n - 1]
        tag = f"conv_transpose{n}d-s{stride}-p{padding}-op{out_pad}-d{dilation}-g{groups}"

        def convt(
            x: Any,
            w: Any,
            b: Any,
            fn: Any = fn,
            s: Any = stride,
            p: Any = padding,
            op: Any = out_pad,
            d: Any = dilation,
            g: Any = groups,
        ) -> Any:
            return fn(x, w, b, s, p, op, g, d)

        cases.append(Case(tag, convt, shaped((2, 4, *(3,) * n), (4, 4 // groups, *(2,) * n), (4,))))
    cases.append(
        Case(
            "conv3d",
            lambda x, w: functional.conv3d(x, w, stride=(1, 2, 1), padding=1),
            shaped((1, 2, 3, 4, 3), (2, 2, 2, 2, 2)),
        )
    )
    cases.append(
        Case(
            "conv2d-unbatched",
            lambda x, w: functional.conv2d(x, w, padding=(0, 1)),
            shaped((2, 3, 3), (3, 2, 2, 2)),
        )
    )
    return cases


def pool_cases() -> list[Case]:
    cases = []
    for n, kernel, stride, padding, dilation, ceil in itertools.product(
        (1, 2), (2, 3), (1, 2), (0, 1), (1, 2), (False, True)
    ):
        shape = (1, 2, *(6,) * n)
        tag = f"k{kernel}-s{stride}-p{padding}-d{dilation}-ceil{int(ceil)}"
        mp = (functional.max_pool1d, functional.max_pool2d)[n - 1]
        cases.append(
            Case(
                f"max_pool{n}d-{tag}",
                lambda x, f=mp, k=kernel, s=stride, p=padding, d=dilation, c=ceil: f(
                    x, k, s, p, d, c
                ),
                distinct(shape),
            )
        )
        # windows that do not overlap: where they do, an element that is the maximum of two
        # is written back once but gets the gradient of both (PyTorch's rule, as scatter's)
        if dilation == 1 and not ceil and padding == 0 and stride >= kernel:
            up = (functional.max_unpool1d, functional.max_unpool2d)[n - 1]
            cases.append(
                Case(
                    f"max_unpool{n}d-{tag}",
                    lambda x, f=mp, u=up, k=kernel, s=stride: u(
                        *f(x, k, s, return_indices=True), k, s
                    ),
                    distinct(shape),
                )
            )
        if dilation == 1:
            ap = (functional.avg_pool1d, functional.avg_pool2d)[n - 1]
            for cip in (False, True):
                cases.append(
                    Case(
                        f"avg_pool{n}d-{tag}-cip{int(cip)}",
                        lambda x, f=ap, k=kernel, s=stride, p=padding, c=ceil, i=cip: f(
                            x, k, s, p, c, i
                        ),
                        shaped(shape),
                    )
                )
    for out in (1, 2, 3, (4, 2)):
        cases.append(
            Case(
                f"adaptive_avg_pool2d-{out}",
                lambda x, o=out: functional.adaptive_avg_pool2d(x, o),
                shaped((2, 2, 5, 4)),
            )
        )
        cases.append(
            Case(
                f"adaptive_max_pool2d-{out}",
                lambda x, o=out: functional.adaptive_max_pool2d(x, o),
                distinct((2, 2, 5, 4)),
            )
        )
    cases.append(
        Case(
            "adaptive_avg_pool1d", lambda x: functional.adaptive_avg_pool1d(x, 3), shaped((2, 2, 7))
        )
    )
    cases.append(
        Case(
            "adaptive_max_pool1d",
            lambda x: functional.adaptive_max_pool1d(x, 3),
            distinct((2, 2, 7)),
        )
    )
    return cases


def other_cases() -> list[Case]:
    causal = np.tril(np.ones((3, 4), dtype=bool), 1)
    additive = np.random.default_rng(0).normal(size=(3, 4))
    cases = [
        Case(
            "layer_norm",
            lambda x, w, b: functional.layer_norm(x, (3, 2), w, b),
            shaped((2, 3, 2), (3, 2), (3, 2)),
        ),
        Case("layer_norm-plain", lambda x: functional.layer_norm(x, 4), shaped((3, 4))),
        Case(
            "group_norm",
            lambda x, w, b: functional.group_norm(x, 2, w, b),
            shaped((2, 4, 3), (4,), (4,)),
        ),
        Case(
            "batch_norm-train",
            lambda x, w, b: functional.batch_norm(x, None, None, w, b, True),
            shaped((3, 2, 2), (2,), (2,)),
        ),
        Case(
            "batch_norm-eval",
            lambda x, w, b: functional.batch_norm(
                x, np.array([0.5, -1.0]), np.array([2.0, 0.5]), w, b
            ),
            shaped((3, 2, 2), (2,), (2,)),
        ),
        Case(
            "embedding",
            lambda w: functional.embedding(np.array([[0, 2, 2], [1, 0, 3]]), w),
            shaped((4, 3)),
        ),
        # The padding row takes no gradient by definition; masking its lookups out of the result
        # makes that the true derivative, so finite differences can check the other rows.
        Case(
            "embedding-padding",
            lambda w: (
                functional.embedding(np.array([0, 2, 2, 1]), w, padding_idx=2)
                * np.array([[1.0], [0.0], [0.0], [1.0]], dtype=w.dtype)
            ),
            shaped((4, 3)),
        ),
        Case(
            "sdpa", functional.scaled_dot_product_attention, shaped((2, 3, 4), (2, 4, 4), (2, 4, 2))
        ),
        Case(
            "sdpa-causal",
            lambda q, k, v: functional.scaled_dot_product_attention(q, k, v, is_causal=True),
            shaped((2, 3, 4), (2, 3, 4), (2, 3, 2)),
        ),
        Case(
            "sdpa-bool-mask",
            lambda q, k, v: functional.scaled_dot_product_attention(q, k, v, attn_mask=causal),
            shaped((1, 3, 2), (1, 4, 2), (1, 4, 2)),
        ),
        Case(
            "sdpa-float-mask",
            lambda q, k, v: functional.scaled_dot_product_attention(
                q, k, v, attn_mask=additive, scale=0.3
            ),
            shaped((3, 2), (4, 2), (4, 2)),
        ),
        Case("pixel_shuffle", lambda x: functional.pixel_shuffle(x, 2), shaped((1, 8, 2, 3))),
        Case("pixel_unshuffle", lambda x: functional.pixel_unshuffle(x, 2), shaped((1, 2, 4, 2))),
    ]
    for mode, align in (
        ("nearest", None),
        ("nearest-exact", None),
        ("bilinear", False),
        ("bilinear", True),
    ):
        for size, scale in (((5, 3), None), (None, 2.0), ((2, 2), None)):
            cases.append(
                Case(
                    f"interpolate-{mode}-align{align}-size{size}-scale{scale}",
                    lambda x, m=mode, a=align, s=size, f=scale: functional.interpolate(
                        x, s, f, m, a
                    ),
                    shaped((1, 2, 3, 4)),
                )
            )
    cases.append(
        Case(
            "interpolate-linear",
            lambda x: functional.interpolate(x, 5, mode="linear"),
            shaped((2, 1, 3)),
        )
    )
    return cases


CASES = conv_cases() + pool_cases() + other_cases()


def leaves(xs: list[np.ndarray], dtype: Any = np.float64) -> list[mg.Tensor]:
    return [mg.tensor(x.astype(dtype), requires_grad=True) for x in xs]


@pytest.mark.parametrize("case", CASES, ids=str)
@settings(max_examples=3)
@given(data=st.data())
def test_first_order(case: Case, data: st.DataObject) -> None:
    assert gradcheck(case.fn, leaves(case.draw(data)))


@pytest.mark.parametrize("case", CASES, ids=str)
@settings(max_examples=2)
@given(data=st.data())
def test_second_order(case: Case, data: st.DataObject) -> None:
    assert gradgradcheck(case.fn, leaves(case.draw(data)))


@pytest.mark.parametrize("case", CASES, ids=str)
@settings(max_examples=1)
@given(data=st.data())
def test_float32_stays_float32(case: Case, data: st.DataObject) -> None:
    ts = leaves(case.draw(data), np.float32)
    out = case.fn(*ts)
    assert out.dtype == np.float32
    firsts = grad(out.sum(), ts, create_graph=True)
    assert [g.dtype for g in firsts] == [np.float32] * len(ts)
    out.sum().backward()
    assert [x.grad.dtype for x in ts] == [np.float32] * len(ts)
