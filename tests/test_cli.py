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
    assert "5/5" in short.err  # the progress
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


def test_progress_off_a_terminal_is_plain_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert list(cli.progress_bar(range(50), label="fitting")) == list(range(50))
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert len(lines) == 10 and err.endswith("\n")
    assert lines[0].startswith("fitting |###---------------------------| 5/50 [")
    assert lines[-1].startswith("fitting |" + "#" * 30 + "| 50/50 [")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    import microgradnet

    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"microgradnet {microgradnet.__version__}\n"


@pytest.mark.parametrize("command", ["demo", "graph", "explore"])
def test_help_states_each_default_once(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "default: None" not in text
    for option in text.split(" --")[1:]:
        assert option.count("default:") <= 1, option


def test_explore_writes_the_seed_page(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "page.html"
    assert cli.main(["explore", "--output", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out} (20 steps)")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
