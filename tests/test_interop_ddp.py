"""The DDP example: a gradient-checked microgradnet model trains on two PyTorch processes (gloo,
127.0.0.1) and comes back through safetensors with PyTorch's predictions and with the weights of
a full-batch microgradnet training. Skipped without torch (extra ``parity``) or safetensors."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("safetensors")

from examples import to_pytorch_ddp


def test_ddp_round_trip() -> None:
    result = to_pytorch_ddp.main(steps=5, n=32)
    assert result.loss_after < result.loss_before
    assert result.prediction_gap < 1e-12
    assert result.weight_gap < 1e-12
