"""A PyTorch user's Tensor: the semantic cases of issue 11 against PyTorch, dtypes, casts,
``.grad`` as a Tensor, creation functions, and numpy functions that record the graph."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import Tensor
from microgradnet.ops import TABLE
from microgradnet.testing import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


# ------------------------------------------------------------------------- the cases


def test_python_data_gets_pytorchs_dtypes_except_the_default_float() -> None:
    for data in ([0, 2], [True, False], 3, True, [[1, 2]]):
        assert str(mg.tensor(data).dtype) == str(torch.tensor(data).dtype).replace("torch.", "")
    # The one deliberate difference: Python floats become float64 (PyTorch: float32).
    assert mg.tensor([1.5]).dtype == mg.get_default_dtype() == np.float64
    assert mg.tensor(2.0).dtype == np.float64


def test_dtype_names_are_pytorchs() -> None:
    names = "float16 float32 float64 half double float int8 int16 int32 int64 long short int"
    for name in (names + " uint8 bool").split():
        assert str(getattr(mg, name)) == str(getattr(torch, name)).removeprefix("torch."), name
    assert mg.tensor([1.5]).to(mg.float).dtype == np.float32
    assert mg.tensor([1.5]).type(mg.int).dtype == np.int32


def test_a_shape_is_not_a_requires_grad_flag_and_ints_take_no_gradient() -> None:
    with pytest.raises(TypeError, match="requires_grad must be a bool"):
        mg.Tensor(2, 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        mg.tensor([1, 2], requires_grad=True)


def test_size_numel_dim_view_and_shape_methods() -> None:
    a = np.arange(24.0).reshape(2, 3, 4)
    x, t = mg.tensor(a), torch.tensor(a)
    assert x.size() == tuple(t.size()) and isinstance(x.size(), tuple)
    assert [x.size(d) for d in (0, -1)] == [t.size(d) for d in (0, -1)]
    assert x.numel() == t.numel() and x.dim() == t.dim() and x.size().numel() == 24
    np.testing.assert_array_equal(x.view(4, -1).numpy(), t.view(4, -1).numpy())
    np.testing.assert_array_equal(x.view((6, 4)).numpy(), t.view((6, 4)).numpy())
    if "t" in TABLE:  # declared with the shape operations
        m = mg.tensor(a[0])
        np.testing.assert_array_equal(m.t().numpy(), torch.tensor(a[0]).t().numpy())
    with pytest.raises(IndexError, match="size: dim 3 is out of range"):
        x.size(3)


def test_python_numbers_from_one_element_tensors() -> None:
    assert float(mg.tensor([2.5])) == 2.5 and int(mg.tensor(7.9)) == 7
    assert bool(mg.tensor([0.0])) is False and [10, 20, 30][mg.tensor(2)] == 30
    assert mg.tensor([3]).item() == 3 and isinstance(mg.tensor([3]).item(), int)
    with pytest.raises(RuntimeError, match="bool: the truth value of a tensor of shape"):
        bool(mg.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="only integer tensors can be used as an index"):
        [1, 2][mg.tensor(1.0)]  # type: ignore[index]
    with pytest.raises(RuntimeError, match="float: only a tensor with one element"):
        float(mg.tensor([1.0, 2.0]))


@pytest.mark.parametrize("cast", ["float", "double", "half", "int", "long", "bool"])
def test_casts_match_pytorch(cast: str) -> None:
    a = np.array([1.7, -2.2, 0.0])
    ours, theirs = getattr(mg.tensor(a), cast)(), getattr(torch.tensor(a), cast)()
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_clone_backward_with_a_gradient_and_grad_as_a_tensor() -> None:
    a = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = np.array([[1.0, 2.0], [3.0, 4.0]])
    x, t = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (x.clone() * x).backward(gradient=g)
    (t.clone() * t).backward(gradient=torch.tensor(g))
    assert isinstance(x.grad, Tensor) and not x.grad.requires_grad
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    np.testing.assert_array_equal((x.grad * 2 + 1).numpy(), (t.grad * 2 + 1).numpy())
    if "norm" in TABLE:  # declared with the reductions
        assert x.grad.norm().item() == pytest.approx(t.grad.norm().item(), rel=1e-12)
    np.testing.assert_array_equal(np.asarray(x.grad), t.grad.numpy())
    x.grad.zero_()
    t.grad.zero_()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    assert repr(mg.tensor([2.0]).grad) == "None"


def test_grad_assignment_is_checked() -> None:
    w = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w.grad = np.ones(3)
    assert isinstance(w.grad, Tensor)
    g = mg.tensor([0.0, 1.0, 0.0])
    w.grad = g
    assert w.grad is g
    w.grad = None
    with pytest.raises(ValueError, match=r"grad: a gradient of shape \(1,\) and dtype float64"):
        w.grad = np.ones(1)
    with pytest.raises(ValueError, match="dtype float32 cannot be the gradient"):
        w.grad = np.ones(3, dtype=np.float32)
    with pytest.raises(TypeError, match="grad: expected a Tensor, an array or None"):
        w.grad = [1.0, 2.0, 3.0]


def test_optimizers_read_tensor_gradients() -> None:
    w = mg.tensor([1.0, -2.0], requires_grad=True)
    tw = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    opt, topt = mg.optim.SGD([w], lr=0.1, momentum=0.9), torch.optim.SGD([tw], lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad(set_to_none=False)
        topt.zero_grad(set_to_none=False)
        (w * w * w).sum().backward()
        (tw * tw * tw).sum().backward()
        opt.step()
        topt.step()
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-12)


# -------------------------------------------------------------------------------- creation


def test_creation_functions_match_pytorch() -> None:
    pairs = [
        (mg.zeros(2, 3), torch.zeros(2, 3, dtype=torch.float64)),
        (mg.ones((2,), dtype=mg.int64), torch.ones((2,), dtype=torch.int64)),
        (mg.full((2, 2), 7), torch.full((2, 2), 7)),
        (mg.full((2,), True), torch.full((2,), True)),
        (mg.arange(5), torch.arange(5)),
        (mg.arange(1, 2, 0.25), torch.arange(1, 2, 0.25, dtype=torch.float64)),
        (mg.arange(5, 0, -2), torch.arange(5, 0, -2)),
        (mg.linspace(-1, 1, 5), torch.linspace(-1, 1, 5, dtype=torch.float64)),
        (mg.eye(3), torch.eye(3, dtype=torch.float64)),
        (mg.eye(2, 4), torch.eye(2, 4, dtype=torch.float64)),
        (mg.zeros_like(mg.ones(2, dtype="float32")), torch.zeros(2)),
        (mg.full_like(mg.arange(3), 4), torch.full_like(torch.arange(3), 4)),
    ]
    for ours, theirs in pairs:
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert mg.empty(2, 0).shape == (2, 0) and mg.ones_like(mg.zeros(3)).tolist() == [1.0] * 3
    w = mg.randn(3, 2, requires_grad=True)
    assert w.requires_grad and w.is_leaf and w.shape == (3, 2)
    assert mg.zeros(2).new_ones(3).tolist() == [1.0] * 3
    assert mg.zeros(2, dtype=mg.float32).new_zeros((1, 2)).dtype == np.float32


def test_random_creation_is_seeded_and_in_range() -> None:
    def draws() -> list[Any]:
        mg.manual_seed(5)
        return [f().tolist() for f in (lambda: mg.rand(3), lambda: mg.randn(2),
                                       lambda: mg.randint(0, 4, (5,)),
                                       lambda: mg.normal(1.0, 0.5, (2,)),
                                       lambda: mg.randn_like(mg.zeros(2)))]  # fmt: skip

    assert draws() == draws()
    mg.manual_seed(0)
    u = mg.rand(1000)
    assert u.numpy().min() >= 0 and u.numpy().max() < 1
    assert set(mg.randint(3, (100,)).tolist()) <= {0, 1, 2}
    assert mg.randint_like(mg.zeros(4), 2, 3).tolist() == [2, 2, 2, 2]


def test_randint_takes_pytorchs_call_forms() -> None:
    forms = [
        ((3, (4, 5)), {}),
        ((3,), {"size": [4, 5]}),
        ((), {"high": 3, "size": (4, 5)}),
        ((), {"low": -2, "high": 3, "size": (4, 5), "dtype": "int32", "requires_grad": False}),
        ((-2, 3, (4, 5)), {}),
    ]
    for args, kwargs in forms:
        kw = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
        ours, theirs = mg.randint(*args, **kwargs), torch.randint(*args, **kw)
        assert ours.shape == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        low = kwargs.get("low", args[0] if len(args) == 3 else 0)
        high = kwargs.get("high", args[1] if len(args) == 3 else args[0] if args else None)
        assert low <= ours.numpy().min() and ours.numpy().max() < high


def test_from_numpy_shares_memory() -> None:
    a = np.zeros(3, dtype=np.float32)
    t = mg.from_numpy(a)
    t[0] = 1.0
    a[1] = 2.0
    assert t.dtype == np.float32 and t.tolist() == [1.0, 2.0, 0.0] and a[0] == 1.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mg.zeros(2, -1), "zeros: a size cannot be negative"),
        (lambda: mg.ones(2.5), "ones: a size must be ints"),
        (lambda: mg.arange(0, 1, 0), "arange: step must not be zero"),
        (lambda: mg.randint(3, 1, (2,)), "randint: high .1. must be greater than low .3."),
        (lambda: mg.zeros(2, dtype=object), "zeros: dtype object is not supported"),
        (lambda: mg.zeros(2, dtype="int64", requires_grad=True), "only floating-point"),
        (lambda: mg.from_numpy([1.0]), "from_numpy: expected a numpy array"),
        (lambda: mg.linspace(0, 1, -1), "linspace: steps must be a non-negative int"),
        (lambda: mg.linspace(0, 1, 3, dtype=mg.bool), "linspace: a bool dtype is not supported"),
    ],
)
def test_creation_errors(call: Callable[[], Any], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        call()


def test_creation_errors_are_runtime_errors_where_pytorchs_are() -> None:
    for call in (
        lambda m: m.linspace(0, 1, -1),
        lambda m: m.linspace(0, 1, 3, dtype=m.bool),
        lambda m: m.randint(3, 1, (2,)),
    ):
        with pytest.raises(RuntimeError):
            call(torch)
        with pytest.raises(RuntimeError):
            call(mg)


# ------------------------------------------------------------------------------ numpy interop

NUMPY_CALLS = {
    "exp": lambda x, y: np.exp(x),
    "sum": lambda x, y: np.sum(x * y, axis=0),
    "mean": lambda x, y: np.mean(x, axis=-1, keepdims=True) * y,
    "matmul": lambda x, y: np.matmul(x, np.transpose(y)),
    "concatenate": lambda x, y: np.concatenate([x, y, np.ones((1, 3))], axis=0),
    "where": lambda x, y: np.where(np.asarray(x) > 0, x, y),
    "maximum": lambda x, y: np.maximum(x, y),
    "reshape": lambda x, y: np.reshape(x, (3, 2)) @ np.reshape(y, (3, 2)).T,
    "stack_squeeze": lambda x, y: np.squeeze(np.stack([x, y], axis=1)),
    "operators": lambda x, y: np.ones(3) * x - np.float64(2.0) / y,
    "clip_abs_sqrt": lambda x, y: np.sqrt(np.abs(np.clip(x, -1.0, 1.0)) + 1.0) * y,
    "max_dot": lambda x, y: np.max(x, axis=1) + np.dot(y[0], x[1]),
    "flip_split": lambda x, y: np.split(np.flip(x, axis=1), 3, axis=1)[2] * y,
    "take_outer": lambda x, y: np.take(x, [0, 0, 2], axis=1) + np.outer(y[0], y[1])[:2],
}


@pytest.mark.parametrize("name", sorted(NUMPY_CALLS))
def test_numpy_functions_on_tensors_record_exact_gradients(name: str) -> None:
    fn = NUMPY_CALLS[name]
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.5, 2.0, (2, 3)) * rng.choice([-1, 1], (2, 3)), rng.uniform(0.5, 2, (2, 3))
    x, y = mg.tensor(a, requires_grad=True), mg.tensor(b, requires_grad=True)
    out = fn(x, y)
    assert isinstance(out, Tensor) and out.requires_grad
    np.testing.assert_allclose(out.numpy(), fn(a, b), rtol=1e-14)
    assert gradcheck(fn, [x, y]) and gradgradcheck(fn, [x, y])


def test_numpy_functions_without_a_rule() -> None:
    x = mg.tensor([3.0, 1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"numpy\.sort has no rule for Tensors that require grad"):
        np.sort(x)
    with pytest.raises(TypeError, match=r"numpy\.cbrt has no rule"):
        np.cbrt(x)
    with pytest.raises(TypeError, match="out= cannot hold a result that records the graph"):
        np.exp(x, out=np.zeros(3))
    sorted_ = np.sort(x.detach())  # nothing to record: runs on the data
    assert isinstance(sorted_, Tensor) and sorted_.tolist() == [1.0, 2.0, 3.0]
    assert np.argsort(x).tolist() == [1, 2, 0] and np.allclose(x, [3.0, 1.0, 2.0])
    assert np.shape(x) == (3,) and isinstance(np.isnan(x), Tensor)
    assert np.asarray(x) is x.data
    out = np.zeros(3)
    np.add(x.detach(), 1.0, out=out)
    assert out.tolist() == [4.0, 2.0, 3.0]
    assert np.exp(mg.tensor([0.0]), dtype=np.float32).dtype == np.float32


def test_numpy_scalars_take_the_tensors_dtype() -> None:
    x = mg.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    assert (np.float64(2.0) * x).dtype == np.float32 == np.add(x, np.float64(1.0)).dtype


# ------------------------------------------------------------------------- type promotion

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "fmod", "remainder"]
BINARY += ["floor_divide", "atan2", "copysign"]


@pytest.fixture(params=["float64", "float32"])
def default_float(request: pytest.FixtureRequest) -> Any:
    """Both libraries with the same default float dtype, restored afterwards."""
    before, before_torch = mg.get_default_dtype(), torch.get_default_dtype()
    mg.set_default_dtype(getattr(mg, request.param))
    torch.set_default_dtype(getattr(torch, request.param))
    yield request.param
    mg.set_default_dtype(before)
    torch.set_default_dtype(before_torch)


def _same_result(op: str, ours: list[Any], theirs: list[Any]) -> None:
    try:
        expected = getattr(torch, op)(*theirs)
    except (RuntimeError, TypeError):  # PyTorch refuses this mix (bool - bool, ...)
        return
    got = getattr(mg, op)(*ours)
    assert str(got.dtype) == str(expected.dtype).removeprefix("torch."), (op, ours, theirs)
    np.testing.assert_allclose(got.data.astype(np.float64), expected.double().numpy(), rtol=1e-3)


@pytest.mark.parametrize("op", BINARY)
def test_mixed_dtypes_promote_as_in_pytorch(op: str, default_float: str) -> None:
    # dims decide; a 0-d tensor only when its category (bool < integer < float) is higher; a
    # Python float with integers gives the default float dtype; true division gives floats
    for da in DTYPES:
        for db in DTYPES:
            for sa, sb in (((3,), (3,)), ((3,), ()), ((), (3,)), ((), ())):
                a = np.full(sa, 3, da)
                b = np.full(sb, 2, db)
                _same_result(op, [mg.tensor(a), mg.tensor(b)], [torch.tensor(a), torch.tensor(b)])


@pytest.mark.parametrize("op", BINARY)
def test_python_numbers_are_weak_in_promotion(op: str, default_float: str) -> None:
    for da in DTYPES:
        a = np.full(3, 3, da)
        for number in (True, 2, 2.5):
            _same_result(op, [mg.tensor(a), number], [torch.tensor(a), number])
            _same_result(op, [number, mg.tensor(a)], [number, torch.tensor(a)])


def test_integer_tensors_with_python_floats_follow_the_default_dtype() -> None:
    x = mg.tensor([1, 2, 3], dtype=mg.int32)
    assert (x + 0.5).dtype == (x / 2).dtype == (0.7**x).dtype == (x**0.5).dtype == np.float64
    mg.set_default_dtype(mg.float32)
    try:
        assert (x + 0.5).dtype == (x / 2).dtype == (0.7**x).dtype == (x**0.5).dtype == np.float32
        assert (mg.tensor(1) + 0.5).dtype == np.float32
    finally:
        mg.set_default_dtype(mg.float64)


# ------------------------------------------------------------------------- error classes

F = mg.nn.functional
TF = torch.nn.functional
ERRORS = {
    "flip_repeated_dim": lambda m, x: x.flip(0, 0),
    "permute_too_many_dims": lambda m, x: x.permute(0, 1, 2),
    "reshape_impossible": lambda m, x: x.reshape(-1, -1, 5),
    "roll_shifts_and_dims": lambda m, x: x.roll((1, 2), 0),
    "unfold_window_too_long": lambda m, x: x.unfold(0, 9, 1),
    "matmul_misaligned": lambda m, x: x @ x,
    "einsum_mismatch": lambda m, x: m.einsum("ij,ij->i", x, x.T),
    "diagonal_repeated_dim": lambda m, x: x.diagonal(0, 1, 1),
    "clamp_without_bounds": lambda m, x: x.clamp(),
    "int_to_negative_power": lambda m, x: x.long() ** -1,
    "conv_kernel_too_large": lambda m, x: m.nn.functional.conv2d(
        x.reshape(1, 1, 2, 3), x.reshape(1, 1, 3, 2)
    ),
    "cross_entropy_shapes": lambda m, x: m.nn.functional.cross_entropy(x, x[:, :1]),
    "attention_mask_and_causal": lambda m, x: m.nn.functional.scaled_dot_product_attention(
        x, x, x, attn_mask=x, is_causal=True
    ),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_input_raises_pytorchs_runtime_error_which_is_also_a_value_error(name: str) -> None:
    data = np.arange(1.0, 7.0).reshape(2, 3)
    with pytest.raises(RuntimeError):
        ERRORS[name](torch, torch.tensor(data))
    with pytest.raises(RuntimeError) as caught:
        ERRORS[name](mg, mg.tensor(data))
    assert isinstance(caught.value, ValueError)


def test_unsupported_options_and_dtypes_raise_pytorchs_not_implemented_error() -> None:
    x = np.ones((1, 2, 3))
    with pytest.raises(NotImplementedError):
        TF.pad(torch.tensor(x), (1, 1), mode="wrap")
    with pytest.raises(NotImplementedError) as caught:
        F.pad(mg.tensor(x), (1, 1), mode="wrap")
    assert isinstance(caught.value, ValueError)
    for op in (lambda m, t: t & 1, lambda m, t: m.bitwise_or(t, t), lambda m, t: t << 1):
        with pytest.raises(NotImplementedError):
            op(torch, torch.tensor(x))
        with pytest.raises(NotImplementedError) as caught_dtype:
            op(mg, mg.tensor(x))
        assert isinstance(caught_dtype.value, TypeError)
    with pytest.raises(TypeError):
        ~torch.tensor(x)
    with pytest.raises(TypeError):
        ~mg.tensor(x)
