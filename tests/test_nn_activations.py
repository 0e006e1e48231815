"""Activations as PyTorch users call them: errors naming the function, `Value` methods, and the
`nn` modules' arguments and reprs. (Their derivative rules: tests/test_ops_activations.py.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import microgradnet as mg
from microgradnet import Value, nn
from microgradnet.nn import functional as F  # noqa: N812 - PyTorch users' spelling
from microgradnet.testing import gradgradcheck

# ---------------------------------------------------------------------------- errors


def test_bad_arguments_name_the_function() -> None:
    x = mg.tensor([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', not 'erf'"):
        F.gelu(x, approximate="erf")
    with pytest.raises(ValueError, match=r"glu: dimension -1 .*shape \(1, 3\).* length 3"):
        F.glu(x)
    with pytest.raises(ValueError, match="glu: a 0-d input"):
        F.glu(mg.tensor(1.0))
    with pytest.raises(ValueError, match="celu: alpha must not be 0"):
        F.celu(x, alpha=0.0)
    with pytest.raises(ValueError, match=r"hardtanh: min_val \(2.0\) must not exceed"):
        F.hardtanh(x, 2.0, 1.0)
    with pytest.raises(mg.ops.shape.DimError, match="glu: dim 2 is out of range"):
        F.glu(x, dim=2)


def test_softmin_without_dim_warns_and_picks_pytorchs_dim() -> None:
    x = mg.tensor([[1.0, 2.0], [3.0, 5.0]])
    with pytest.warns(UserWarning, match="softmin: implicit dimension choice"):
        y = F.softmin(x)
    np.testing.assert_allclose(y.data, F.softmin(x, dim=1).data, rtol=1e-15)


# ---------------------------------------------------------------------------- Values

VALUE_ACTIVATIONS = [
    "gelu", "silu", "elu", "selu", "celu", "leaky_relu", "relu6", "softplus", "mish",
    "hardtanh", "hardswish", "hardsigmoid", "logsigmoid", "tanhshrink",
]  # fmt: skip


@pytest.mark.parametrize("name", VALUE_ACTIVATIONS)
def test_value_methods_agree_with_tensors(name: str) -> None:
    for point in (-1.3, -0.4, 0.7, 2.1):
        v = Value(point)
        out = getattr(v, name)()
        out.backward()
        t = mg.tensor(point, requires_grad=True)
        getattr(F, name)(t).backward()
        assert out.data == pytest.approx(float(getattr(F, name)(mg.tensor(point)).data), rel=1e-14)
        assert v.grad == pytest.approx(float(t.grad), rel=1e-14)
    assert gradgradcheck(lambda u: getattr(u, name)(), [Value(0.7)])
    assert isinstance(getattr(F, name)(Value(0.7)), Value)


def test_activations_are_not_tensor_methods() -> None:
    # as in PyTorch: torch.Tensor has none of these
    for name in ("gelu", "silu", "elu", "leaky_relu", "softplus", "hardtanh", "glu", "softmin"):
        assert not hasattr(mg.Tensor, name), name


# ---------------------------------------------------------------------------- modules

MODULES: list[tuple[Callable[[], nn.Module], str, Callable[[Any], Any]]] = [
    (lambda: nn.GELU(), "GELU(approximate='none')", F.gelu),
    (lambda: nn.GELU("tanh"), "GELU(approximate='tanh')", lambda x: F.gelu(x, "tanh")),
    (lambda: nn.SiLU(), "SiLU()", F.silu),
    (lambda: nn.SiLU(inplace=True), "SiLU(inplace=True)", F.silu),
    (lambda: nn.ELU(), "ELU(alpha=1.0)", F.elu),
    (lambda: nn.ELU(0.5, True), "ELU(alpha=0.5, inplace=True)", lambda x: F.elu(x, 0.5)),
    (lambda: nn.SELU(), "SELU()", F.selu),
    (lambda: nn.CELU(2.0), "CELU(alpha=2.0)", lambda x: F.celu(x, 2.0)),
    (lambda: nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)", F.leaky_relu),
    (lambda: nn.ReLU(inplace=True), "ReLU(inplace=True)", F.relu),
    (lambda: nn.ReLU6(), "ReLU6()", F.relu6),
    (lambda: nn.Softplus(), "Softplus(beta=1.0, threshold=20.0)", F.softplus),
    (lambda: nn.Softplus(2, 10), "Softplus(beta=2, threshold=10)", lambda x: F.softplus(x, 2, 10)),
    (lambda: nn.Softsign(), "Softsign()", F.softsign),
    (lambda: nn.Mish(), "Mish()", F.mish),
    (lambda: nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)", F.hardtanh),
    (
        lambda: nn.Hardtanh(-2.0, 2.0, True),
        "Hardtanh(min_val=-2.0, max_val=2.0, inplace=True)",
        lambda x: F.hardtanh(x, -2.0, 2.0),
    ),
    (lambda: nn.Hardswish(), "Hardswish()", F.hardswish),
    (lambda: nn.Hardsigmoid(), "Hardsigmoid()", F.hardsigmoid),
    (lambda: nn.LogSigmoid(), "LogSigmoid()", F.logsigmoid),
    (lambda: nn.Tanhshrink(), "Tanhshrink()", F.tanhshrink),
    (lambda: nn.Softmin(dim=1), "Softmin(dim=1)", lambda x: F.softmin(x, 1)),
    (lambda: nn.GLU(), "GLU(dim=-1)", F.glu),
    (lambda: nn.GLU(0), "GLU(dim=0)", lambda x: F.glu(x, 0)),
    (lambda: nn.Sigmoid(), "Sigmoid()", F.sigmoid),
    (lambda: nn.Tanh(), "Tanh()", F.tanh),
]


@pytest.mark.parametrize("make, text, fn", MODULES, ids=[m[1] for m in MODULES])
def test_modules_show_their_arguments_and_call_the_function(
    make: Callable[[], nn.Module], text: str, fn: Callable[[Any], Any]
) -> None:
    module = make()
    assert repr(module) == text
    assert list(module.parameters()) == []
    x = mg.tensor(np.random.default_rng(0).normal(size=(2, 4)) * 3)
    before = x.data.copy()
    np.testing.assert_array_equal(module(x).data, fn(x).data)
    np.testing.assert_array_equal(x.data, before)  # inplace=True leaves the input as it was


def test_module_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="GELU: approximate must be"):
        nn.GELU("exact")
    with pytest.raises(ValueError, match="Hardtanh: min_val"):
        nn.Hardtanh(1.0, -1.0)
