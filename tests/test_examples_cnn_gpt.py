"""The convolutional digits example and the character GPT learn, in shortened runs.

The digits CNN runs its full twelve epochs for one seed (a few seconds) and must reach 98% test
accuracy. The GPT trains a smaller model for 150 steps and must beat the unigram baseline by
half a nat, which only a model that uses the preceding characters can; its causality, its
determinism and the baseline's arithmetic are checked on their own.
"""

from __future__ import annotations

import numpy as np
import pytest

import microgradnet as mg

pytest.importorskip("sklearn", reason="the examples need scikit-learn")
pytest.importorskip("tqdm", reason="the examples need tqdm")
pytest.importorskip("threadpoolctl", reason="the GPT example needs threadpoolctl")

from examples import char_gpt, digits_cnn

SMALL = {"block_size": 32, "n_embd": 32, "n_head": 2, "n_layer": 1}


def test_digits_cnn_reaches_98_percent(capsys: pytest.CaptureFixture[str]) -> None:
    result = digits_cnn.main(epochs=12, seed=0, progress=True)
    captured = capsys.readouterr()
    assert result.test_accuracy >= 0.98
    assert result.losses[-1] < result.losses[0] / 20
    assert "epoch 12/12" in captured.err and "test accuracy" in captured.out


def test_digits_cnn_short_run_learns() -> None:
    result = digits_cnn.main(epochs=2, seed=1, progress=False, max_batches=10)
    assert len(result.losses) == 2
    assert result.losses[1] < 0.7 * result.losses[0]  # 1.91 -> 1.20 in 20 batches
    assert result.test_accuracies[-1] > 0.6  # chance is 0.1


def test_digits_cnn_shapes() -> None:
    x_train, y_train, x_test, y_test = digits_cnn.load_split()
    assert x_train.shape[1:] == (1, 8, 8) and len(x_train) + len(x_test) == 1797
    assert x_train.min() >= 0.0 and x_train.max() == 1.0
    assert len(set(y_train.tolist())) == 10 and len(y_test) == 359
    mg.manual_seed(0)
    logits = digits_cnn.digits_cnn()(mg.tensor(x_test[:5]))
    assert logits.shape == (5, 10)


def test_char_gpt_beats_the_unigram_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    result = char_gpt.main(
        steps=150,
        batch_size=16,
        lr=1e-2,
        config=SMALL,
        eval_every=50,
        eval_windows=64,
        sample_length=40,
    )
    out = capsys.readouterr().out
    assert 2.5 < result.unigram_loss < 3.5  # Python source: many spaces, letters, punctuation
    assert result.val_loss < result.unigram_loss - 0.5
    assert np.mean(result.losses[-20:]) < np.mean(result.losses[:20]) - 0.8
    assert [step for step, _ in result.val_losses] == [50, 100, 150]
    assert result.val_losses[-1][1] < result.val_losses[0][1]
    assert len(result.sample) == len("def ") + 40 and result.sample.startswith("def ")
    assert "unigram baseline" in out and result.sample in out


def test_char_gpt_is_deterministic() -> None:
    def run() -> list[float]:
        return char_gpt.main(
            steps=3, batch_size=4, config=SMALL, eval_windows=2, sample_length=5
        ).losses

    assert run() == run()


def test_char_gpt_is_causal() -> None:
    mg.manual_seed(0)
    model = char_gpt.GPT(char_gpt.GPTConfig(vocab_size=7, **SMALL))
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 7, (2, 10))
    changed = idx.copy()
    changed[:, 6:] = (changed[:, 6:] + 1) % 7
    with mg.no_grad():
        a, b = model(idx).numpy(), model(changed).numpy()
    np.testing.assert_array_equal(a[:, :6], b[:, :6])
    assert not np.allclose(a[:, 6:], b[:, 6:])
    with pytest.raises(ValueError, match="more than block_size=32"):
        model(np.zeros((1, 33), dtype=np.int64))


def test_corpus_and_unigram_baseline() -> None:
    corpus = char_gpt.Corpus.from_text("abacabad" * 2 + "aaab", val_fraction=0.2)
    assert corpus.chars == "abcd" and corpus.decode(corpus.val) == "aaab"
    assert corpus.decode(corpus.train) == "abacabad" * 2
    # training counts a 8, b 4, c 2, d 2, plus one each: 9, 5, 3, 3 of 20
    expected = -(3 * np.log(9 / 20) + np.log(5 / 20)) / 4
    assert corpus.unigram_loss() == pytest.approx(expected, rel=1e-12)


def test_stdlib_text_is_printable_ascii() -> None:
    text = char_gpt.stdlib_text(["textwrap"])
    assert text.startswith('"""Text wrapping') and "def wrap(" in text
    assert set(text) <= {"\n", *map(chr, range(32, 127))}
    with pytest.raises(FileNotFoundError, match="no_such_module"):
        char_gpt.stdlib_text(["no_such_module"])
