"""The ``microgradnet`` command.

Each subcommand is one function that runs it (``_run_<name>(args)``) and one registration,
``add_<name> = _subcommand(name, run, *options, summary=..., description=...)``, that adds its
parser and points it at that function; `SUBCOMMANDS` lists the registrations. Adding a subcommand
is adding one such pair and naming it there.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

Subparsers = Any  # argparse's private _SubParsersAction


def progress_bar(steps: range, label: str = "training", width: int = 30) -> Iterator[int]:
    """Yield from ``steps`` while showing progress on standard error.

    On a terminal, one bar redrawn in place (a carriage return); elsewhere (a log file, a pipe,
    CI) ten plain lines, so the log reads cleanly.
    """
    total = max(len(steps), 1)
    terminal = sys.stderr.isatty()
    every = max(total // (100 if terminal else 10), 1)
    start = time.perf_counter()
    for done, step in enumerate(steps, 1):
        yield step
        if done % every == 0 or done == total:
            filled = width * done // total
            rate = done / max(time.perf_counter() - start, 1e-9)
            bar = "#" * filled + "-" * (width - filled)
            line = f"{label} |{bar}| {done}/{total} [{rate:,.0f} it/s]"
            sys.stderr.write(f"\r{line}" if terminal else f"{line}\n")
            sys.stderr.flush()
    if terminal:
        sys.stderr.write("\n")


Option = tuple[str, dict[str, Any]]  # one ``add_argument`` call: the flag and its settings


def _subcommand(
    name: str,
    run: Callable[[argparse.Namespace], int],
    *options: Option,
    summary: str,
    description: str,
) -> Callable[[Subparsers], None]:
    """The function that registers the subcommand ``name`` (``summary`` in the list of commands,
    ``description`` in its help) with its ``options``, run by ``run``; it is named
    ``add_<name>``."""

    def register(subparsers: Subparsers) -> None:
        parser = subparsers.add_parser(name, help=summary, description=description)
        for flag, settings in options:
            parser.add_argument(flag, **settings)
        parser.set_defaults(run=run)

    register.__name__ = register.__qualname__ = f"add_{name}"
    register.__doc__ = f"Register ``microgradnet {name}``: {summary}."
    return register


def _option(flag: str, text: str, **settings: Any) -> Option:
    """The option ``flag`` with help ``text`` and the other ``add_argument`` settings."""
    return flag, {"help": text, **settings}


def _seed_option(text: str = "seed of the initial weights (default: 0)") -> Option:
    """The ``--seed`` option of every subcommand: a whole number >= 0, 0 by default."""
    return _option("--seed", text, type=_at_least(int, 0), default=0)


def _run_demo(args: argparse.Namespace) -> int:
    from .demo import format_table, train_seed_network

    run = train_seed_network(
        iterations=args.iterations, lr=args.lr, seed=args.seed, progress=progress_bar
    )
    print(f"loss at iteration {args.iterations}: {run.losses[-1]:.6f}")
    print(format_table(run.predictions))
    return 0


def _run_graph(args: argparse.Namespace) -> int:
    from .demo import seed_loss, seed_network
    from .viz import GraphvizNotFound, draw_graph, render

    model = seed_network(args.seed)
    loss = seed_loss(model)
    loss.backward()
    drawing = draw_graph(loss, model=model, rankdir=args.rankdir)
    output = Path(args.output or f"seed_network.{args.format or 'svg'}")
    try:
        written = render(drawing, output, format=args.format)
    except GraphvizNotFound as err:
        source = output.with_suffix(".dot")
        source.write_text(drawing.source)
        print(f"wrote the DOT source to {source}, but no picture: {err}", file=sys.stderr)
        return 1
    print(f"wrote {written}")
    return 0


def _run_explore(args: argparse.Namespace) -> int:
    from .demo import seed_loss, seed_network
    from .viz import explore

    model = seed_network(args.seed)
    page = explore(seed_loss(model), args.output, model=model)
    print(f"wrote {args.output} ({len(page.steps)} steps); open it in a browser")
    return 0


def _at_least(kind: Callable[[str], Any], minimum: float) -> Callable[[str], Any]:
    """An argparse ``type``: a number of type ``kind`` no smaller than ``minimum``."""

    def parse(text: str) -> Any:
        try:
            number = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind.__name__}, got {text!r}") from None
        if not number >= minimum:
            raise argparse.ArgumentTypeError(f"expected a number >= {minimum}, got {text}")
        return number

    parse.__name__ = kind.__name__
    return parse


add_demo = _subcommand(
    "demo",
    _run_demo,
    _option(
        "--iterations",
        "gradient-descent steps (default: %(default)s)",
        type=_at_least(int, 1),
        default=1500,
    ),
    _option(
        "--lr",
        "learning rate of SGD (default: %(default)s)",
        type=_at_least(float, 0),
        default=1.0,
    ),
    _seed_option("seed of the initial weights, uniform on [0, 1) (default: %(default)s)"),
    summary="train the seed article's 3-4-1 sigmoid network and print its predictions",
    description=(
        "Train the seed article's network (3 inputs, 4 hidden sigmoid neurons, 1 sigmoid "
        "output, no biases) on its four examples with plain gradient descent on the sum of "
        "squared errors, then print each prediction beside its target."
    ),
)


add_graph = _subcommand(
    "graph",
    _run_graph,
    _option(
        "--output",
        "the picture's path; its suffix picks the format (default: seed_network.svg)",
        default=None,
    ),
    _option(
        "--format",
        "svg, png, pdf or any format of Graphviz's dot, for an --output without a suffix",
        default=None,
    ),
    _option(
        "--rankdir",
        "direction of flow (default: %(default)s)",
        choices=("TB", "LR", "BT", "RL"),
        default="TB",
    ),
    _seed_option(),
    summary="draw the seed network's loss graph, with gradients, as a picture",
    description=(
        "Build the seed article's network, compute its loss on the four examples, run one "
        "backward pass and draw the graph: one cluster per layer, parameters by their names, "
        "every value with its data and gradient. Uses Graphviz's dot program; where it is "
        "missing, SVG still works (WebAssembly Graphviz from microgradnet[svg], or a "
        "simple pure-Python layout); PNG, PDF and the rest need dot."
    ),
)


add_explore = _subcommand(
    "explore",
    _run_explore,
    _option("--output", "the page's path (default: %(default)s)", default="seed_network.html"),
    _seed_option(),
    summary="write a web page that steps through the seed network's forward and backward pass",
    description=(
        "Build the seed article's network and its loss on the four examples, then write one "
        "self-contained HTML page (no network, no server) that steps through the forward "
        "pass and then the backward pass, showing every value and every gradient as it "
        "arrives."
    ),
)

#: The subcommands, each a function that registers its parser.
SUBCOMMANDS: tuple[Callable[[Subparsers], None], ...] = (add_demo, add_graph, add_explore)


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``microgradnet`` command with every subcommand registered."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="microgradnet", description="Exact reverse-mode autodiff on numpy: demos and tools."
    )
    parser.add_argument("--version", action="version", version=f"microgradnet {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in SUBCOMMANDS:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``microgradnet`` command with ``argv`` (default: the process's arguments).

    Returns the exit status.
    """
    args = build_parser().parse_args(argv)
    return int(args.run(args))
