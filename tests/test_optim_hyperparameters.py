"""Optimizers' constructors made from their declared hyperparameters: signatures (PyTorch's order
and defaults), argument errors, range checks, and users' own optimizers written PyTorch's way."""

from __future__ import annotations

import inspect
import pydoc
from typing import Any

import pytest

import microgradnet as mg
from microgradnet.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from microgradnet.optim.optimizer import ParamsT, hyperparameter

REQUIRED = inspect.Parameter.empty

# Each optimizer's hyperparameters after ``params``, in order, with their defaults: PyTorch's.
SIGNATURES: dict[type[Optimizer], list[tuple[str, Any]]] = {
    SGD: [
        ("lr", 1e-3),
        ("momentum", 0.0),
        ("dampening", 0.0),
        ("weight_decay", 0.0),
        ("nesterov", False),
    ],
    Adam: [("lr", 1e-3), ("betas", (0.9, 0.999)), ("eps", 1e-8), ("weight_decay", 0.0)],
    AdamW: [("lr", 1e-3), ("betas", (0.9, 0.999)), ("eps", 1e-8), ("weight_decay", 1e-2)],
    Adagrad: [
        ("lr", 1e-2),
        ("lr_decay", 0.0),
        ("weight_decay", 0.0),
        ("initial_accumulator_value", 0.0),
        ("eps", 1e-10),
    ],
    RMSprop: [
        ("lr", 1e-2),
        ("alpha", 0.99),
        ("eps", 1e-8),
        ("weight_decay", 0.0),
        ("momentum", 0.0),
        ("centered", False),
    ],
}

# The hyperparameters PyTorch refuses when negative, for each optimizer.
NONNEGATIVE = {
    SGD: ["lr", "momentum", "weight_decay"],
    Adam: ["lr", "eps", "weight_decay"],
    AdamW: ["lr", "eps", "weight_decay"],
    Adagrad: ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"],
    RMSprop: ["lr", "alpha", "eps", "weight_decay", "momentum"],
}


def params_and_defaults(cls: Any) -> list[tuple[str, Any]]:
    return [(p.name, p.default) for p in inspect.signature(cls).parameters.values()]


@pytest.mark.parametrize("cls", SIGNATURES, ids=lambda c: c.__name__)
def test_signature_is_params_then_the_hyperparameters_in_pytorchs_order(cls) -> None:
    signature = inspect.signature(cls)
    assert params_and_defaults(cls) == [("params", REQUIRED), *SIGNATURES[cls]]
    assert {p.kind for p in signature.parameters.values()} == {
        inspect.Parameter.POSITIONAL_OR_KEYWORD
    }
    w = mg.tensor([1.0], requires_grad=True)
    assert cls([w]).defaults == dict(SIGNATURES[cls])


@pytest.mark.parametrize("cls", SIGNATURES, ids=lambda c: c.__name__)
def test_signature_matches_torchs_leading_parameters(cls) -> None:
    torch = pytest.importorskip("torch")
    ours = params_and_defaults(cls)
    theirs = params_and_defaults(getattr(torch.optim, cls.__name__))[: len(ours)]
    assert [name for name, _ in ours] == [name for name, _ in theirs]
    assert ours == theirs


def test_help_shows_the_hyperparameters() -> None:
    text = pydoc.render_doc(Adagrad, renderer=pydoc.plaintext)
    assert "Adagrad(params: 'ParamsT', lr: 'float' = 0.01, lr_decay: 'float' = 0.0" in text


def test_hyperparameters_may_be_given_by_position() -> None:
    w = mg.tensor([1.0], requires_grad=True)
    assert SGD([w], 0.1, 0.9).defaults == {
        "lr": 0.1,
        "momentum": 0.9,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
    }
    opt = RMSprop([w], 0.05, 0.9, 1e-6, 0.1, 0.5, True)
    assert list(opt.defaults.values()) == [0.05, 0.9, 1e-6, 0.1, 0.5, True]
    assert opt.param_groups[0]["params"] == [w]


@pytest.mark.parametrize("cls", SIGNATURES, ids=lambda c: c.__name__)
def test_bad_calls_are_type_errors_naming_the_optimizer(cls) -> None:
    w = mg.Value(1.0)
    name = cls.__name__
    with pytest.raises(TypeError, match=rf"^{name}: got an unexpected keyword argument 'lrr'$"):
        cls([w], lrr=0.1)
    with pytest.raises(TypeError, match=rf"^{name}: too many positional arguments$"):
        cls([w], *range(len(SIGNATURES[cls]) + 1))
    with pytest.raises(TypeError, match=rf"^{name}: missing a required argument: 'params'$"):
        cls()
    with pytest.raises(TypeError, match=rf"^{name}: multiple values for argument 'lr'$"):
        cls([w], 0.1, lr=0.2)


def test_a_hyperparameter_without_a_default_is_required() -> None:
    class Scaled(Optimizer):
        scale: float = hyperparameter(minimum=0.0)
        lr: float = hyperparameter(default=0.1)

    assert params_and_defaults(Scaled) == [("params", REQUIRED), ("scale", REQUIRED), ("lr", 0.1)]
    assert Scaled([mg.Value(1.0)], 2.0).defaults == {"scale": 2.0, "lr": 0.1}
    with pytest.raises(TypeError, match=r"^Scaled: missing a required argument: 'scale'$"):
        Scaled([mg.Value(1.0)])


@pytest.mark.parametrize(
    ("cls", "key"),
    [(cls, key) for cls, keys in NONNEGATIVE.items() for key in keys],
    ids=lambda x: getattr(x, "__name__", x),
)
@pytest.mark.parametrize("where", ["constructor", "group"])
def test_a_negative_hyperparameter_is_refused_by_name(cls, key, where) -> None:
    what = "learning rate" if key == "lr" else key
    message = rf"^{cls.__name__}: invalid {what} -0\.5$"
    w = mg.Value(1.0)
    if where == "constructor":
        with pytest.raises(ValueError, match=message):
            cls([w], **{key: -0.5})
    else:
        opt = cls([mg.Value(1.0)])
        with pytest.raises(ValueError, match=message):
            opt.add_param_group({"params": [w], key: -0.5})
        assert len(opt.param_groups) == 1
    cls([mg.Value(1.0)], **{key: 0.0})  # zero is allowed


def test_dampening_may_be_negative_as_in_pytorch() -> None:
    assert SGD([mg.Value(1.0)], lr=0.1, dampening=-0.5).defaults["dampening"] == -0.5


@pytest.mark.parametrize("cls", SIGNATURES, ids=lambda c: c.__name__)
def test_hyperparameters_are_not_attributes(cls) -> None:
    opt = cls([mg.Value(1.0)])
    for key, _ in SIGNATURES[cls]:
        with pytest.raises(AttributeError, match=f"no attribute '{key}'"):
            getattr(opt, key)
        assert not hasattr(cls, key)
    with pytest.raises(AttributeError):
        _ = opt.params


@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_betas_given_as_a_list_become_a_tuple(cls) -> None:
    opt = cls([mg.Value(1.0)], betas=[0.8, 0.99])
    assert opt.defaults["betas"] == (0.8, 0.99)
    assert type(opt.defaults["betas"]) is tuple
    assert type(opt.param_groups[0]["betas"]) is tuple


class Scaled(Optimizer):
    """A user's optimizer written PyTorch's way: its own ``__init__`` passes ``defaults``."""

    def __init__(self, params: ParamsT, lr: float = 0.1, scale: float = 2.0) -> None:
        super().__init__(params, {"lr": lr, "scale": scale})

    def _update(self, param: Any, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> Any:
        state["step"] = state.get("step", 0) + 1
        return param - group["lr"] * group["scale"] * grad


class ScaledAgain(Scaled):
    """Declares nothing and defines no ``__init__``: keeps `Scaled`'s."""


class ScaledTyped(Scaled, init=False):
    """The same, said to type checkers too."""


@pytest.mark.parametrize("cls", [Scaled, ScaledAgain, ScaledTyped])
def test_an_optimizer_written_pytorchs_way_keeps_its_constructor(cls) -> None:
    assert params_and_defaults(cls) == [("params", REQUIRED), ("lr", 0.1), ("scale", 2.0)]
    w = mg.Value(3.0)
    opt = cls([w], lr=0.5, scale=3.0)
    assert opt.defaults == {"lr": 0.5, "scale": 3.0}
    (w * w).backward()
    opt.step()
    assert w.data == 3.0 - 0.5 * 3.0 * 6.0
    assert opt.state[w] == {"step": 1}
    with pytest.raises(ValueError, match=rf"^{cls.__name__}: invalid learning rate -1"):
        cls([mg.Value(1.0)], lr=-1)


def test_init_false_declares_ranges_and_keeps_the_inherited_constructor() -> None:
    class Checked(Scaled, init=False):
        scale: float = hyperparameter(default=2.0, minimum=0.0)

    assert params_and_defaults(Checked) == params_and_defaults(Scaled)
    assert Checked([mg.Value(1.0)], scale=0.5).defaults == {"lr": 0.1, "scale": 0.5}
    with pytest.raises(ValueError, match=r"^Checked: invalid scale -1$"):
        Checked([mg.Value(1.0)], scale=-1)
    Scaled([mg.Value(1.0)], scale=-1)  # the parent declares no range


def test_a_subclass_that_defines_init_keeps_it() -> None:
    class HalfStep(Adam):
        def __init__(self, params: ParamsT) -> None:
            super().__init__(params, lr=0.5, betas=[0.5, 0.5])

    assert params_and_defaults(HalfStep) == [("params", REQUIRED)]
    opt = HalfStep([mg.Value(1.0)])
    assert opt.defaults == {"lr": 0.5, "betas": (0.5, 0.5), "eps": 1e-8, "weight_decay": 0.0}


def test_a_subclass_adds_hyperparameters_and_an_override_keeps_its_place() -> None:
    class Extra(AdamW):
        eps: float = hyperparameter(default=1e-6, minimum=1e-12)
        amsgrad: bool = hyperparameter(default=False)

    assert params_and_defaults(Extra)[1:] == [
        ("lr", 1e-3),
        ("betas", (0.9, 0.999)),
        ("eps", 1e-6),
        ("weight_decay", 1e-2),
        ("amsgrad", False),
    ]
    opt = Extra([mg.Value(1.0)], amsgrad=True)
    assert opt.defaults["amsgrad"] is True and opt.defaults["eps"] == 1e-6
    with pytest.raises(ValueError, match=r"^Extra: invalid eps 1e-13$"):
        Extra([mg.Value(1.0)], eps=1e-13)
    # The parents are left as they were.
    assert params_and_defaults(AdamW)[1:] == SIGNATURES[AdamW]
    assert AdamW([mg.Value(1.0)], eps=1e-13).defaults["eps"] == 1e-13


def test_a_subclass_without_hyperparameters_or_init_inherits_the_constructor() -> None:
    class Quiet(RMSprop):
        pass

    assert params_and_defaults(Quiet)[1:] == SIGNATURES[RMSprop]
    with pytest.raises(TypeError, match=r"^Quiet: got an unexpected keyword argument 'betas'$"):
        Quiet([mg.Value(1.0)], betas=(0.9, 0.9))


def test_a_required_hyperparameter_after_a_defaulted_one_is_refused() -> None:
    with pytest.raises(TypeError, match=r"^Backwards: non-default argument follows default"):

        class Backwards(Optimizer):
            lr: float = hyperparameter(default=0.1)
            scale: float = hyperparameter()
