"""One neuron of `Value`s, the seed article's: a weighted sum of three inputs and a sigmoid.

For each of the article's four inputs it prints the weighted sum, the neuron's output and the
gradient of the output with respect to each weight and the bias, which backpropagation finds
equal to ``s * (1 - s) * x_i`` (and ``s * (1 - s)`` for the bias), ``s`` the output.

`nn.Neuron` is micrograd's neuron, a ReLU unit by default; ``activation="sigmoid"`` makes it the
article's.

Run it: ``python examples/neuron.py``.
"""

from __future__ import annotations

import microgradnet as mg
from microgradnet import nn
from microgradnet.demo import X


def main(seed: int = 0) -> list[tuple[float, list[float]]]:
    """Print each input's forward and backward pass; return (output, [d output / d weight...,
    d output / d bias]) per input."""
    mg.manual_seed(seed)
    neuron = nn.Neuron(3, activation="sigmoid")
    weights = ", ".join(f"{w.data:+.4f}" for w in neuron.w)
    print(f"weights [{weights}], bias {neuron.b.data:+.4f}")
    print("input      weighted sum  output   d/dw1    d/dw2    d/dw3    d/db")
    results = []
    for x in X.tolist():
        neuron.zero_grad()
        total = sum((w * xi for w, xi in zip(neuron.w, x)), neuron.b)
        output = total.sigmoid()
        output.backward()
        grads = [w.grad for w in neuron.w] + [neuron.b.grad]
        row = " ".join(f"{g:8.4f}" for g in grads)
        print(f"{[int(v) for v in x]!s:10} {total.data:12.4f}  {output.data:6.4f} {row}")
        results.append((output.data, grads))
    return results


if __name__ == "__main__":
    main()
