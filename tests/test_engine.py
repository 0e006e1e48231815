"""The engine's contract: order, accumulation, released graphs, memory, grad mode."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import Tensor, Value


def test_deep_value_chain_runs_backward_without_recursion() -> None:
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_deep_tensor_chain_runs_backward_without_recursion() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_node_used_many_times_gets_the_sum() -> None:
    x = mg.tensor(3.0, requires_grad=True)
    y = x * x + x * 2 + x
    y.backward()
    assert float(x.grad) == 2 * 3.0 + 2 + 1


def test_each_rule_runs_once_per_pass() -> None:
    calls = []

    class Counted(mg.Function):
        @staticmethod
        def forward(ctx: mg.autograd.FunctionCtx, x: Tensor) -> Tensor:
            return x * 2

        @staticmethod
        def backward(ctx: mg.autograd.FunctionCtx, g: Tensor) -> Tensor:
            calls.append(1)
            return g * 2

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = Counted.apply(x)
    (y * y + y).sum().backward()
    assert len(calls) == 1
    np.testing.assert_allclose(x.grad, 2 * (2 * 2 * np.array([1.0, 2.0]) + 1))


def test_second_backward_on_retained_graph_doubles_leaves_and_keeps_intermediates() -> None:
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    loss = (h * h).sum()
    loss.backward(retain_graph=True)
    first_x, first_h = x.grad.clone(), h.grad.clone()
    loss.backward()
    np.testing.assert_array_equal(x.grad, 2 * first_x)
    np.testing.assert_array_equal(h.grad, 2 * first_h)
    np.testing.assert_array_equal(first_h, 2 * np.array([3.0, -6.0]))


def test_second_backward_on_value_graph_is_exact() -> None:
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    d = c + a
    d.backward(retain_graph=True)
    grads = (a.grad, b.grad, c.grad)
    d.backward()
    assert (a.grad, b.grad, c.grad) == tuple(2 * g for g in grads)
    assert grads == (-2.0, 2.0, 1.0)


def test_backward_through_released_graph_names_retain_graph() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        loss.backward()


def test_graph_structure_survives_backward_for_drawing() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.sigmoid() * 2).sum()
    loss.backward()
    assert loss._ctx is not None and loss._ctx.name == "sum"
    mul = loss._ctx.parents[0]._ctx
    assert mul is not None and mul.name == "mul"
    assert mul.parents[0]._ctx is not None and mul.parents[0]._ctx.name == "sigmoid"
    assert mul.parents[0]._ctx.parents[0] is x


def test_graph_is_freed_by_reference_counting_alone() -> None:
    gc.disable()
    try:
        x = mg.tensor(np.ones(3), requires_grad=True)
        h = (x * 2).exp()
        probe = weakref.ref(h)
        loss = h.sum()
        loss.backward()
        del h, loss
        assert probe() is None
        v = Value(1.0)
        w = (v * 2).tanh()
        probe_v = weakref.ref(w)
        (w + 1).backward()
        del w
        assert probe_v() is None
    finally:
        gc.enable()


def _seed_step(w1: Tensor, w2: Tensor, x: Tensor, y: Tensor) -> None:
    loss = ((y - ((x @ w1).sigmoid() @ w2).sigmoid()) ** 2).sum()
    w1.grad = w2.grad = None
    loss.backward()
    with mg.no_grad():
        w1 -= w1.grad
        w2 -= w2.grad


def test_training_memory_stays_flat_without_the_cycle_collector() -> None:
    rng = np.random.default_rng(0)
    w1 = mg.tensor(rng.random((3, 4)), requires_grad=True)
    w2 = mg.tensor(rng.random((4, 1)), requires_grad=True)
    x = mg.tensor([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    y = mg.tensor([[0], [1], [1], [0]])
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        for _ in range(3000):  # numpy's caches and Python's free lists fill up first
            _seed_step(w1, w2, x, y)
        tracemalloc.reset_peak()
        for _ in range(100):
            _seed_step(w1, w2, x, y)
        _, peak_100 = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for _ in range(2000):
            _seed_step(w1, w2, x, y)
        _, peak_2000 = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.enable()
    assert peak_2000 <= peak_100 + 1024
    assert gc.collect() == 0


def test_gradients_accumulate_across_backward_calls() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 4).sum().backward()
    np.testing.assert_array_equal(x.grad, [7.0, 7.0])


def test_non_leaf_keeps_grad_only_when_asked() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h, k = x * 2, x * 3
    k.retain_grad()
    (h * k).sum().backward()
    assert h.grad is None
    np.testing.assert_array_equal(k.grad, (x * 2).data)
    assert x.is_leaf and not h.is_leaf


def test_float32_stays_float32_through_backward() -> None:
    x = mg.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    w = mg.tensor(np.ones((3, 1), dtype=np.float32), requires_grad=True)
    loss = ((x @ w).sigmoid() * 2.5 - 1).sum()
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_no_grad_enable_grad_and_decorator() -> None:
    x = mg.tensor([1.0], requires_grad=True)
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        assert not (x * 2).requires_grad
        with mg.enable_grad():
            assert (x * 2).requires_grad
    assert mg.is_grad_enabled()

    @mg.no_grad()
    def double(t: Tensor) -> Tensor:
        return t * 2

    assert not double(x).requires_grad
    with mg.set_grad_enabled(False):
        assert not (x + 1).requires_grad


def test_value_and_zero_dim_tensor_agree() -> None:
    def expr(a, b, c):  # type: ignore[no-untyped-def]
        mixed = (a * b + c.exp()) / (b - 3.0) + a**2
        return (mixed - (c * a).tanh() + (a.sigmoid() * b).relu()) ** 2

    raw = (0.7, -1.3, 0.4)
    vals = [Value(v) for v in raw]
    tens = [mg.tensor(v, requires_grad=True) for v in raw]
    out_v, out_t = expr(*vals), expr(*tens)
    out_v.backward()
    out_t.backward()
    assert out_v.data == pytest.approx(float(out_t), rel=1e-15)
    for v, t in zip(vals, tens):
        assert v.grad == pytest.approx(float(t.grad), rel=1e-13)


def test_value_keeps_every_grad_and_micrograd_surface() -> None:
    a = Value(2.0, label="a")
    b = a * 3
    c = b + 1
    c.backward()
    assert (a.grad, b.grad, c.grad) == (3.0, 1.0, 1.0)
    assert c._op == "+" and b in c._prev
    assert "label='a'" in repr(a)


def test_autograd_grad_second_order_and_hessian_vector_product() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=(3, 3))
    x = mg.tensor(rng.normal(size=3), requires_grad=True)
    f = ((x @ mg.tensor(a)) * x).sum() + x.exp().sum()  # x^T A x + sum(exp(x))
    (g,) = mg.autograd.grad(f, x, create_graph=True)
    np.testing.assert_allclose(g.data, (a + a.T) @ x.data + np.exp(x.data), rtol=1e-12)
    v = rng.normal(size=3)
    (hv,) = mg.autograd.grad(g, x, grad_outputs=v)
    np.testing.assert_allclose(hv.data, (a + a.T) @ v + np.exp(x.data) * v, rtol=1e-12)
    assert x.grad is None


def test_autograd_grad_unused_input() -> None:
    x = mg.tensor(1.0, requires_grad=True)
    z = mg.tensor(2.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        mg.autograd.grad(x * 2, [x, z])
    assert mg.autograd.grad(x * 2, [x, z], allow_unused=True)[1] is None


def test_function_transforms_nest() -> None:
    def f(x):  # type: ignore[no-untyped-def]
        return x**3 * 2 + x

    assert mg.func.grad(f)(2.0) == pytest.approx(25.0)
    assert mg.func.grad(mg.func.grad(f))(2.0) == pytest.approx(24.0)
    assert mg.func.grad(mg.func.grad(mg.func.grad(f)))(2.0) == pytest.approx(12.0)
    value, grad = mg.func.value_and_grad(lambda w: (w * w).sum())(np.array([1.0, 2.0]))
    assert value == 5.0
    np.testing.assert_array_equal(grad, [2.0, 4.0])
    g0, g1 = mg.func.grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(np.ones(2), np.full(2, 3.0))
    np.testing.assert_array_equal(g0, [3.0, 3.0])
    np.testing.assert_array_equal(g1, [1.0, 1.0])


def test_custom_function_is_differentiable_twice() -> None:
    class Cube(mg.Function):
        @staticmethod
        def forward(ctx: mg.autograd.FunctionCtx, x: Tensor) -> Tensor:
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx: mg.autograd.FunctionCtx, g: Tensor) -> Tensor:
            (x,) = ctx.saved_tensors
            return g * 3 * x**2

    x = mg.tensor([2.0, -1.0], requires_grad=True)
    (g,) = mg.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, [12.0, 3.0])
    (gg,) = mg.autograd.grad(g.sum(), x)
    np.testing.assert_array_equal(gg.data, [12.0, -6.0])


# ----------------------------------------------------------------------- bad input: clear errors


def test_matmul_shape_mismatch_names_op_and_shapes() -> None:
    a = mg.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        a @ mg.tensor(np.ones((4, 5)))


def test_broadcast_mismatch_names_op_and_shapes() -> None:
    a = mg.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"add.*\(2, 3\).*\(4,\)"):
        a + mg.tensor(np.ones(4))


def test_backward_grad_of_wrong_shape() -> None:
    y = mg.tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(ValueError, match=r"backward.*\(3, 2\).*\(2, 3\)"):
        y.backward(np.ones((3, 2)))


def test_backward_of_non_scalar_needs_grad() -> None:
    y = mg.tensor(np.ones(3), requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="grad must be given"):
        y.backward()


def test_integer_tensor_cannot_require_grad() -> None:
    with pytest.raises(TypeError, match="int64"):
        mg.tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="floating"):
        Tensor(np.arange(3)).requires_grad_()


def test_backward_on_tensor_without_grad() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        (mg.tensor([1.0]) * 2).sum().backward()


def test_in_place_change_of_saved_input_is_caught() -> None:
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    x = mg.tensor([3.0, 4.0])
    loss = (w * x).sum()
    x.add_(1.0)
    with pytest.raises(RuntimeError, match=r"mul backward: input 1.*modified in place"):
        loss.backward()


def test_in_place_change_of_saved_output_is_caught() -> None:
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    y = w.exp()
    loss = y.sum()
    with mg.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match="exp backward: its output"):
        loss.backward()


def test_in_place_on_tensor_requiring_grad_needs_no_grad() -> None:
    w = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w.add_(1.0)


def test_function_returning_wrong_number_or_shape_of_grads() -> None:
    class TwoGrads(mg.Function):
        @staticmethod
        def forward(ctx: mg.autograd.FunctionCtx, x: Tensor) -> Tensor:
            return x * 1

        @staticmethod
        def backward(ctx: mg.autograd.FunctionCtx, g: Tensor) -> tuple[Tensor, Tensor]:
            return g, g

    class BadShape(mg.Function):
        @staticmethod
        def forward(ctx: mg.autograd.FunctionCtx, x: Tensor) -> Tensor:
            return x.sum()

        @staticmethod
        def backward(ctx: mg.autograd.FunctionCtx, g: Tensor) -> Tensor:
            return g

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"TwoGrads.backward returned 2 gradients.*1 inputs"):
        TwoGrads.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match=r"BadShape.backward.*shape \(\).*\(2,\)"):
        BadShape.apply(x).backward()


def test_detect_anomaly_names_the_forward_op() -> None:
    x = mg.tensor([-1.0, 1.0], requires_grad=True)
    with mg.autograd.detect_anomaly(), pytest.raises(FloatingPointError, match="forward of log"):
        x.log()


def test_detect_anomaly_names_the_backward_op() -> None:
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    with mg.autograd.detect_anomaly():
        y = x.sqrt().sum()
        with pytest.raises(FloatingPointError, match="backward of sqrt"):
            y.backward()


def test_mixing_value_and_tensor_is_refused() -> None:
    with pytest.raises(TypeError, match="Value"):
        Value(1.0) * mg.tensor(1.0)


def test_detect_anomaly_names_the_backward_op_of_a_value_at_a_singular_point() -> None:
    # A Value's rule falls back to IEEE arithmetic at a singular point (1 / 1e-320 overflows);
    # anomaly mode still stops there instead of leaving an infinite gradient behind.
    x = mg.Value(1e-320)
    y = x.log()
    with mg.autograd.detect_anomaly(), pytest.raises(FloatingPointError, match="backward of log"):
        y.backward()


def test_topological_order_and_its_preorder() -> None:
    a = mg.tensor([2.0], requires_grad=True)
    b = mg.tensor([-3.0], requires_grad=True)
    c = mg.tensor([5.0])  # a constant: followed only with every=True
    p = a * b
    s = p + a
    t = s * c
    y = t.relu()

    # Compared by identity: == on Tensors is elementwise.
    def order(roots: list[Tensor], **kw: bool) -> list[int]:
        return [id(n) for n in mg.engine.topological_order(roots, **kw)]

    def ids(*nodes: Tensor) -> list[int]:
        return [id(n) for n in nodes]

    # Each node after its inputs, inputs in the order the op reads them.
    assert order([y]) == ids(a, b, p, s, t, y)
    assert order([y], every=True) == ids(a, b, p, s, c, t, y)
    # The same nodes in the order first reached: the root first, depth first.
    assert order([y], preorder=True) == ids(y, t, s, p, a, b)
    assert order([y], every=True, preorder=True) == ids(y, t, s, p, a, b, c)
