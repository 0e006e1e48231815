"""Leaving microgradnet: a model's PyTorch twin (`to_torch`) and the way back (`from_torch`).

PyTorch is optional (the extra ``parity``) and imported only when one of these is called;
`microgradnet.onnx` writes and reads ONNX files, and ``mg.save(state, "w.safetensors")`` the
weights format both ecosystems read.
"""

from .extras import require
from .pytorch import from_torch, to_torch

__all__ = ["from_torch", "require", "to_torch"]
