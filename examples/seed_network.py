"""The seed article's network with `microgradnet.nn`: two sigmoid layers without biases.

``Sequential(Linear(3, 4, bias=False), Sigmoid(), Linear(4, 1, bias=False), Sigmoid())``, weights
uniform on [0, 1), the sum of squared errors, and SGD with learning rate 1 for 1500 iterations.
The code lives in `microgradnet.demo`, which ``microgradnet demo`` runs too; the same network
written with bare Tensors is ``examples/seed_network_tensors.py``.

Run it: ``python examples/seed_network.py``.
"""

from __future__ import annotations

from microgradnet.demo import SeedRun, format_table, train_seed_network


def main(iterations: int = 1500, lr: float = 1.0, seed: int = 0, every: int = 300) -> SeedRun:
    """Train, print the loss every ``every`` iterations and the final table; return the run."""
    run = train_seed_network(iterations=iterations, lr=lr, seed=seed)
    for i in range(0, iterations, every):
        print(f"iteration {i:5d}: loss {run.losses[i]:.6f}")
    print(f"iteration {iterations - 1:5d}: loss {run.losses[-1]:.6f}")
    print(format_table(run.predictions))
    return run


if __name__ == "__main__":
    main()
