"""`to_torch` and `from_torch`: a module and its PyTorch twin, with the same weights.

Every layer of `microgradnet.nn` has PyTorch's class name, constructor arguments, attribute names
and state dict keys, so one table serves both directions: for each class name, the constructor
arguments read from a module's attributes (`ARGS`). A layer is rebuilt from its arguments in its
parameters' dtype and gets the state dict (parameters and buffers) copied across; containers
convert their children and keep their names; a module used twice stays shared.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import nn
from .extras import require

Args = Callable[[Any], dict[str, Any]]


def _attrs(*names: str, bias: str | None = None) -> Args:
    """Read ``names`` from a module; ``bias`` names the parameter whose presence is ``bias``."""

    def read(m: Any) -> dict[str, Any]:
        args = {n: getattr(m, n) for n in names}
        if bias is not None:
            args["bias"] = getattr(m, bias) is not None
        return args

    return read


def _avg_pool1d(m: Any) -> dict[str, Any]:
    if getattr(m, "divisor_override", None) is not None:
        raise ValueError("AvgPool1d: PyTorch's AvgPool1d has no divisor_override")
    return _attrs("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")(m)


_CONV = (
    "in_channels",
    "out_channels",
    "kernel_size",
    "stride",
    "padding",
    "dilation",
    "groups",
    "padding_mode",
)
_MAX_POOL = _attrs("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")
_BATCH_NORM = _attrs("num_features", "eps", "momentum", "affine", "track_running_stats")

#: Each convertible layer by class name, with its constructor arguments.
ARGS: dict[str, Args] = {
    **{name: _attrs() for name in ("Identity", "ReLU", "Sigmoid", "Tanh")},
    "LeakyReLU": _attrs("negative_slope"),
    "Softmax": _attrs("dim"),
    "LogSoftmax": _attrs("dim"),
    "Linear": _attrs("in_features", "out_features", bias="bias"),
    "Flatten": _attrs("start_dim", "end_dim"),
    "Unflatten": _attrs("dim", "unflattened_size"),
    **{name: _attrs("p") for name in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d")},
    **{f"Conv{n}d": _attrs(*_CONV, bias="bias") for n in (1, 2, 3)},
    **{f"ConvTranspose{n}d": _attrs(*_CONV, "output_padding", bias="bias") for n in (1, 2, 3)},
    "MaxPool1d": _MAX_POOL,
    "MaxPool2d": _MAX_POOL,
    "AvgPool1d": _avg_pool1d,
    "AvgPool2d": _attrs(
        "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"
    ),
    "AdaptiveAvgPool1d": _attrs("output_size"),
    "AdaptiveAvgPool2d": _attrs("output_size"),
    "AdaptiveMaxPool1d": _attrs("output_size", "return_indices"),
    "AdaptiveMaxPool2d": _attrs("output_size", "return_indices"),
    **{f"BatchNorm{n}d": _BATCH_NORM for n in (1, 2, 3)},
    "LayerNorm": _attrs("normalized_shape", "eps", "elementwise_affine", bias="bias"),
    "GroupNorm": _attrs("num_groups", "num_channels", "eps", "affine"),
    "Embedding": _attrs("num_embeddings", "embedding_dim", "padding_idx"),
    "MultiheadAttention": _attrs(
        "embed_dim", "num_heads", "dropout", "kdim", "vdim", "batch_first", bias="in_proj_bias"
    ),
    "Upsample": _attrs("size", "scale_factor", "mode", "align_corners"),
    "PixelShuffle": _attrs("upscale_factor"),
    "PixelUnshuffle": _attrs("downscale_factor"),
}

#: PyTorch options microgradnet's layers do not have: a module that sets one is refused.
_TORCH_ONLY: dict[str, Callable[[Any], str | None]] = {
    "Embedding": lambda m: (
        "max_norm"
        if m.max_norm is not None
        else "scale_grad_by_freq"
        if m.scale_grad_by_freq
        else "sparse"
        if m.sparse
        else None
    ),
    "MultiheadAttention": lambda m: (
        "add_bias_kv" if m.bias_k is not None else "add_zero_attn" if m.add_zero_attn else None
    ),
    "Upsample": lambda m: "recompute_scale_factor" if m.recompute_scale_factor else None,
    "Softmax": lambda m: "dim=None" if m.dim is None else None,
    "LogSoftmax": lambda m: "dim=None" if m.dim is None else None,
}

_CONTAINERS = ("Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict")
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _unsupported(where: str, m: Any) -> TypeError:
    kind = f"{type(m).__module__}.{type(m).__qualname__}"
    return TypeError(
        f"{where}: {kind} has no counterpart; convertible are the containers "
        f"({', '.join(_CONTAINERS)}) and the layers {', '.join(sorted(ARGS))}. A model class "
        "of your own converts by converting its layers and writing its forward again"
    )


def _float_dtype(where: str, state: dict[str, np.ndarray]) -> np.dtype | None:
    """The one floating dtype of a state dict's floating arrays (None when it has none)."""
    dtypes = {a.dtype for a in state.values() if np.issubdtype(a.dtype, np.floating)}
    if not dtypes:
        return None
    if len(dtypes) > 1 or next(iter(dtypes)) not in _FLOATS:
        raise TypeError(
            f"{where}: parameters of dtypes {sorted(map(str, dtypes))}; one of float32 and "
            "float64 is supported per layer"
        )
    return next(iter(dtypes))


# --------------------------------------------------------------------------------- to PyTorch


def to_torch(module: nn.Module) -> Any:
    """The `torch.nn.Module` equivalent to ``module``: the same classes, arguments, names,
    weights, buffers, dtypes and train/eval mode.

    Parameters
    ----------
    module : nn.Module
        A layer of `microgradnet.nn` or a container of them (`nn.Sequential`, `nn.ModuleList`,
        `nn.ModuleDict`, `nn.ParameterList`, `nn.ParameterDict`).

    Returns
    -------
    torch.nn.Module
        A new module; its tensors are copies, so training one leaves the other as it was.

    Raises
    ------
    TypeError
        For a module type without a PyTorch counterpart (your own model classes, the `Value`
        modules `nn.Neuron`, `nn.Layer`, `nn.MLP`), naming it.
    ModuleNotFoundError
        Without PyTorch (the extra ``parity``).

    Examples
    --------
    >>> from microgradnet import nn
    >>> from microgradnet.interop import to_torch
    >>> to_torch(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))[0].weight.dtype  # doctest: +SKIP
    torch.float64
    """
    torch = require("torch", "microgradnet.interop.to_torch")
    return _to_torch(torch, module, {})


def _to_torch(torch: Any, m: Any, memo: dict[int, Any]) -> Any:
    if id(m) in memo:
        return memo[id(m)]
    name = type(m).__name__
    if type(m) is not getattr(nn, name, None) or (name not in ARGS and name not in _CONTAINERS):
        raise _unsupported("to_torch", m)
    if name in ("ParameterList", "ParameterDict"):
        params = [
            (k, torch.nn.Parameter(torch.from_numpy(p.data.copy()), p.requires_grad))
            for k, p in m._parameters.items()
            if p is not None
        ]
        out = (
            torch.nn.ParameterList([p for _, p in params])
            if name == "ParameterList"
            else torch.nn.ParameterDict(dict(params))
        )
    elif name in _CONTAINERS:
        children = [(k, _to_torch(torch, c, memo)) for k, c in m._modules.items() if c is not None]
        if name == "Sequential":
            out = torch.nn.Sequential(OrderedDict(children))
        elif name == "ModuleList":
            out = torch.nn.ModuleList([c for _, c in children])
        else:
            out = torch.nn.ModuleDict(OrderedDict(children))
    else:
        out = getattr(torch.nn, name)(**ARGS[name](m))
        state = m.state_dict()
        dtype = _float_dtype(f"to_torch of {name}", state)
        if dtype is not None:
            out = out.to(getattr(torch, dtype.name))
            out.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state.items()})
        out.train(m.training)
    out.training = m.training
    memo[id(m)] = out
    return out


# ------------------------------------------------------------------------------- from PyTorch


def from_torch(module: Any) -> nn.Module:
    """The `microgradnet.nn` module equivalent to the PyTorch ``module``: the same classes,
    arguments, names, weights, buffers, dtypes (float32 or float64) and train/eval mode.

    Parameters
    ----------
    module : torch.nn.Module
        A layer that `microgradnet.nn` has (`to_torch` lists them) or a container of them.

    Raises
    ------
    TypeError
        For a module type microgradnet does not have, or a PyTorch option its layer lacks
        (``Embedding(max_norm=...)``, ``MultiheadAttention(add_bias_kv=True)``, ...), naming it.
    ModuleNotFoundError
        Without PyTorch (the extra ``parity``).
    """
    torch = require("torch", "microgradnet.interop.from_torch")
    converted: nn.Module = _from_torch(torch, module, {})
    return converted


def _from_torch(torch: Any, m: Any, memo: dict[int, Any]) -> Any:
    if id(m) in memo:
        return memo[id(m)]
    name = type(m).__name__
    if type(m) is not getattr(torch.nn, name, None) or (
        name not in ARGS and name not in _CONTAINERS
    ):
        raise _unsupported("from_torch", m)
    option = _TORCH_ONLY.get(name, lambda _: None)(m)
    if option is not None:
        raise TypeError(f"from_torch: {name} with {option} has no microgradnet counterpart")
    out: Any
    if name in ("ParameterList", "ParameterDict"):
        pairs = m.named_parameters(recurse=False)
        params = [(k, nn.Parameter(_numpy(p), requires_grad=p.requires_grad)) for k, p in pairs]
        out = (
            nn.ParameterList([p for _, p in params])
            if name == "ParameterList"
            else nn.ParameterDict(dict(params))
        )
    elif name in _CONTAINERS:
        children = [
            (k, _from_torch(torch, c, memo)) for k, c in m._modules.items() if c is not None
        ]
        if name == "Sequential":
            out = nn.Sequential(OrderedDict(children))
        elif name == "ModuleList":
            out = nn.ModuleList([c for _, c in children])
        else:
            out = nn.ModuleDict(OrderedDict(children))
    else:
        state = {k: _numpy(v) for k, v in m.state_dict().items()}
        args = ARGS[name](m)
        dtype = _float_dtype(f"from_torch of {name}", state)
        if dtype is not None:
            args["dtype"] = dtype.type
        out = getattr(nn, name)(**args)
        out.load_state_dict(state)
        out.train(m.training)
    object.__setattr__(out, "training", m.training)
    memo[id(m)] = out
    return out


def _numpy(t: Any) -> np.ndarray:
    """A copy of a PyTorch tensor as a numpy array."""
    return np.array(t.detach().cpu().numpy())
