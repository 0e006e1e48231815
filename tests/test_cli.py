"""The microgradnet command: subcommands, options and their errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from microgradnet import cli


def test_demo_options_change_the_training(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["demo", "--iterations", "5", "--lr", "0.5", "--seed", "3"])
    short = capsys.readouterr()
    assert short.out.startswith("loss at iteration 5: ")
    assert "5/5" in short.err  # the progress bar
    cli.main(["demo", "--iterations", "5", "--lr", "0.5", "--seed", "4"])
    assert capsys.readouterr().out != short.out


def test_demo_help_explains_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["demo", "--help"])
    assert exit_.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    for option in ("--iterations", "--lr", "--seed", "default: 1500", "learning rate"):
        assert option in help_text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--iterations", "0"], "argument --iterations: expected a number >= 1, got 0"),
        (["demo", "--seed", "-2"], "argument --seed: expected a number >= 0, got -2"),
        (["demo", "--lr", "fast"], "argument --lr: expected float, got 'fast'"),
        ([], "the following arguments are required: COMMAND"),
        (["train"], "invalid choice: 'train'"),
    ],
)
def test_bad_arguments_exit_with_a_message(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_every_subcommand_is_registered() -> None:
    parser = cli.build_parser()
    for register in cli.SUBCOMMANDS:
        name = register.__name__.removeprefix("add_")
        assert parser.parse_args([name]).run is not None


def test_runs_as_a_module_of_the_installed_package() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, microgradnet.cli as c; sys.exit(c.main())",
            "demo",
            "--iterations",
            "3",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "prediction" in done.stdout
