"""The strategies draw what they promise, and random graphs check the engine as a whole:
gradients match finite differences at first and second order, `Value` and `Tensor` builds of one
scalar graph agree, and a second backward pass through a retained graph doubles the gradients."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from microgradnet import Tensor, Value
from microgradnet.autograd import grad
from microgradnet.testing import gradcheck, gradgradcheck
from microgradnet.testing.strategies import (
    MARGIN,
    Graph,
    arrays,
    broadcastable_shapes,
    floats,
    graphs,
    shapes,
    tensors,
    values,
)

# Pushed exactly to the margin, a number may land one rounding below it.
AT_LEAST_MARGIN = MARGIN * (1 - 1e-12)


@given(floats(domain=(0.1, 3.0), away_from=(1.0, 2.0)))
def test_floats_honour_domain_and_away_from(x: float) -> None:
    assert 0.1 <= x <= 3.0
    assert min(abs(x - 1.0), abs(x - 2.0)) >= AT_LEAST_MARGIN


@given(arrays((3, 4), domain=(-1.0, 0.5), away_from=(0.0,), unique=True))
def test_arrays_honour_shape_domain_away_from_and_unique(a: np.ndarray) -> None:
    assert a.shape == (3, 4) and a.dtype == np.float64
    assert np.all((a >= -1.0) & (a <= 0.5)) and np.all(np.isfinite(a))
    assert np.all(np.abs(a) >= AT_LEAST_MARGIN)
    assert len(np.unique(a)) == a.size


@given(arrays(shapes(min_dims=1, max_dims=2, max_side=3), dtype=np.float32))
def test_arrays_draw_shapes_and_keep_the_dtype(a: np.ndarray) -> None:
    assert 1 <= a.ndim <= 2 and max(a.shape) <= 3 and a.dtype == np.float32


@given(tensors(shape=(2,), domain=(2.0, 3.0)), values(domain=(-0.5, 0.5), away_from=(0.0,)))
def test_tensors_and_values(t: Tensor, v: Value) -> None:
    assert isinstance(t, Tensor) and t.requires_grad and t.is_leaf and t.shape == (2,)
    assert np.all((t.data >= 2.0) & (t.data <= 3.0))
    assert isinstance(v, Value) and -0.5 <= v.data <= 0.5 and abs(v.data) >= AT_LEAST_MARGIN


@given(tensors(shape=(), requires_grad=False))
def test_tensors_without_grad(t: Tensor) -> None:
    assert not t.requires_grad and t.shape == ()


@given(shapes(min_dims=1, max_dims=3, min_side=2, max_side=3))
def test_shapes_respect_their_bounds(shape: tuple[int, ...]) -> None:
    assert 1 <= len(shape) <= 3 and all(2 <= s <= 3 for s in shape)


@given(st.integers(1, 4).flatmap(lambda n: st.tuples(st.just(n), broadcastable_shapes(n))))
def test_broadcastable_shapes_broadcast(case: tuple[int, tuple[tuple[int, ...], ...]]) -> None:
    n, drawn = case
    assert len(drawn) == n
    out = np.broadcast_shapes(*drawn)
    assert all(len(s) <= len(out) <= 3 for s in drawn)


# ------------------------------------------------------------------------- graphs, the engine


@given(graphs())
def test_the_output_of_a_graph_depends_on_every_input_and_step(graph: Graph) -> None:
    leaves = graph.tensors()
    assert all(g is not None for g in grad(graph.build(*leaves), leaves, allow_unused=True))
    n = len(graph.arrays)
    used = {k for _, operands in graph.program for k in operands}
    assert used == set(range(n + len(graph.program) - 1))
    np.testing.assert_array_equal(leaves[0].data, graph.arrays[0])  # copies, not the arrays


@given(graphs())
def test_graph_gradients_match_finite_differences(graph: Graph) -> None:
    assert gradcheck(graph.build, graph.tensors())


@given(graphs(max_inputs=2, max_ops=4))
def test_graph_second_derivatives_match_finite_differences(graph: Graph) -> None:
    assert gradgradcheck(graph.build, graph.tensors())


@given(graphs(scalar=True))
def test_value_and_tensor_builds_agree(graph: Graph) -> None:
    vs, ts = graph.values(), graph.tensors()
    out_v, out_t = graph.build(*vs), graph.build(*ts)
    assert isinstance(out_v, Value) and isinstance(out_t, Tensor)
    assert math.isclose(out_v.data, float(out_t.data), rel_tol=1e-12, abs_tol=1e-300)
    out_v.backward()
    out_t.backward()
    for v, t in zip(vs, ts):
        assert math.isclose(v.grad, float(t.grad), rel_tol=1e-12, abs_tol=1e-12), repr(graph)


@given(graphs())
def test_a_second_backward_through_a_retained_graph_doubles_leaf_gradients(graph: Graph) -> None:
    leaves = graph.tensors()
    out = graph.build(*leaves)
    out.backward(retain_graph=True)
    first = [leaf.grad.clone() for leaf in leaves]
    out.backward()
    for leaf, g in zip(leaves, first):
        np.testing.assert_array_equal(leaf.grad, 2 * g)


def test_graph_repr_names_the_expression() -> None:
    graph = Graph((np.zeros(2), np.zeros(())), (("mul", (0, 1)), ("tanh", (2,))))
    assert repr(graph) == "Graph(tanh(mul(x0, x1)); x0: (2,), x1: ())"
    np.testing.assert_allclose(graph.build(*graph.tensors()).data, 0.0)
