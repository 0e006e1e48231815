"""Leave for PyTorch and come back: a model built and gradient-checked in microgradnet trains on
two processes with PyTorch's DistributedDataParallel, then returns through safetensors.

1. Build a small regression network in microgradnet and check its gradients against finite
   differences (`microgradnet.testing.gradcheck`).
2. `to_torch` makes its PyTorch twin (same weights, float64 kept).
3. Two CPU processes (``torch.multiprocessing.spawn``, the gloo backend, 127.0.0.1 only) train
   it with DistributedDataParallel, each on half of the batch; DDP averages their gradients.
4. Rank 0 writes the weights and its predictions with ``safetensors.torch.save_file``.
5. Back in microgradnet, ``mg.load`` reads the weights into the original model: its predictions
   match PyTorch's, and its weights match a plain full-batch microgradnet training of the same
   steps (averaging two half-batch gradients is the full-batch gradient).

Needs the extras ``parity`` (PyTorch) and ``interop`` (safetensors).
Run it: ``python examples/to_pytorch_ddp.py``.
"""

from __future__ import annotations

import copy
import os
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import microgradnet as mg
from microgradnet import nn
from microgradnet.interop import to_torch
from microgradnet.nn import functional as F  # noqa: N812 - PyTorch's convention
from microgradnet.testing import gradcheck

WORLD = 2


def make_data(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points in the plane and a smooth target, ``sin(x0) * cos(x1)``."""
    x = np.random.default_rng(seed).uniform(-2.0, 2.0, (n, 2))
    return x, np.sin(x[:, :1]) * np.cos(x[:, 1:])


def build(seed: int = 0) -> nn.Sequential:
    """A 2-16-1 tanh network in float64."""
    mg.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))


def loss_of(model: nn.Module, x: np.ndarray, y: np.ndarray) -> mg.Tensor:
    """The mean squared error on ``(x, y)``."""
    return F.mse_loss(model(mg.tensor(x)), mg.tensor(y))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def worker(
    rank: int,
    port: int,
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    steps: int,
    lr: float,
    folder: str,
) -> None:
    """One process: train its half of the batch under DDP; rank 0 saves weights and
    predictions."""
    import safetensors.torch
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    torch.set_num_threads(1)
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=WORLD)
    # spawn hands every process the same shared-memory tensors: without a copy, each process's
    # optimizer would step the one set of weights, moving them twice per step.
    model = copy.deepcopy(model)
    try:
        ddp = DistributedDataParallel(model)
        opt = torch.optim.SGD(ddp.parameters(), lr=lr)
        half = len(x) // WORLD
        xs = torch.from_numpy(x[rank * half : (rank + 1) * half])
        ys = torch.from_numpy(y[rank * half : (rank + 1) * half])
        for _ in range(steps):
            opt.zero_grad()
            torch.nn.functional.mse_loss(ddp(xs), ys).backward()
            opt.step()
        if rank == 0:
            with torch.no_grad():
                predictions = model(torch.from_numpy(x)).contiguous()
            state = {k: v.contiguous() for k, v in model.state_dict().items()}
            safetensors.torch.save_file(state, str(Path(folder) / "weights.safetensors"))
            safetensors.torch.save_file(
                {"predictions": predictions}, str(Path(folder) / "predictions.safetensors")
            )
        dist.barrier()  # both ranks done (rank 0 saved) before the group goes away
    finally:
        dist.destroy_process_group()
    # Leave at once: gloo's threads can abort the interpreter's normal shutdown ("terminate called
    # without an active exception"), which spawn would report as a failed process.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@dataclass
class Result:
    """The losses before and after, and how far microgradnet is from PyTorch afterwards."""

    loss_before: float
    loss_after: float
    prediction_gap: float  # max |microgradnet - PyTorch| over the predictions
    weight_gap: float  # max |DDP weights - full-batch microgradnet weights|


def main(steps: int = 50, lr: float = 0.1, n: int = 64) -> Result:
    """Run the five steps above; print and return the figures."""
    import torch.multiprocessing

    x, y = make_data(n)
    model = build()
    gradcheck(lambda *params: loss_of(model, x, y), list(model.parameters()))
    loss_before = float(loss_of(model, x, y).item())

    twin = to_torch(model)
    with tempfile.TemporaryDirectory() as folder:
        torch.multiprocessing.spawn(
            worker, args=(free_port(), twin, x, y, steps, lr, folder), nprocs=WORLD, join=True
        )
        state = mg.load(Path(folder) / "weights.safetensors")
        theirs = mg.load(Path(folder) / "predictions.safetensors")["predictions"]

    reference = build()  # the same start, trained here on the full batch
    opt = mg.optim.SGD(reference.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss_of(reference, x, y).backward()
        opt.step()

    model.load_state_dict(state)
    with mg.no_grad():
        ours = model(mg.tensor(x)).numpy()
    result = Result(
        loss_before,
        float(loss_of(model, x, y).item()),
        float(np.max(np.abs(ours - theirs))),
        max(float(np.max(np.abs(v - state[k]))) for k, v in reference.state_dict().items()),
    )
    print(
        f"gradient check passed; loss {result.loss_before:.4f} -> {result.loss_after:.4f} "
        f"after {steps} DDP steps on {WORLD} processes"
    )
    print(
        f"predictions back in microgradnet vs PyTorch: max difference {result.prediction_gap:.2e}"
    )
    print(
        f"DDP weights vs full-batch microgradnet training: max difference {result.weight_gap:.2e}"
    )
    return result


if __name__ == "__main__":
    main()
