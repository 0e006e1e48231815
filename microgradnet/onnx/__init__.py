"""ONNX: `export` a model's forward pass as an ONNX file, `load` one back as a trainable module.

The ``onnx`` package (and onnxruntime, to run the files elsewhere) are optional, the extra
``onnx``: imported only when `export` or `load` is called.
"""

from .export import export
from .load import OnnxModule, load

__all__ = ["OnnxModule", "export", "load"]
