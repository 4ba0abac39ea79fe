"""Row blocks and threads (lsbook.core._blocks): the same numbers however the rows are walked."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import lsbook
from lsbook.core import _blocks


@pytest.fixture
def tiny_blocks(monkeypatch):
    """Blocks of a few rows, so a small input spans many blocks and is threaded."""
    monkeypatch.setattr(_blocks, "BLOCK_BYTES", 3 * 7 * 8)  # three float64 rows of K = 7
    monkeypatch.setattr(_blocks, "PARALLEL_MIN_LOGITS", 1)
    yield
    lsbook.set_num_threads(_blocks._threads_from_environment())


def _problem(dtype):
    rng = np.random.default_rng(11)
    logits = (rng.normal(size=(50, 7)) * 5).astype(dtype)
    target = rng.integers(0, 7, size=50)
    target[::9] = -100
    weight = rng.uniform(0.2, 2.0, size=7)
    return logits, target, {"label_smoothing": 0.1, "ignore_index": -100, "weight": weight}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_results_are_identical_across_block_sizes_and_thread_counts(tiny_blocks, dtype, reduction):
    logits, target, options = _problem(dtype)
    lsbook.set_num_threads(1)
    one_block = lsbook.cross_entropy(logits, target, reduction=reduction, **options)
    one_block_grad = lsbook.cross_entropy_grad(logits, target, reduction=reduction, **options)
    assert _blocks.block_rows(7, np.dtype(dtype).itemsize) < 50 // 4  # many blocks
    for threads in (1, 2, 3, 8):
        lsbook.set_num_threads(threads)
        np.testing.assert_array_equal(lsbook.cross_entropy(logits, target, reduction=reduction, **options), one_block)
        np.testing.assert_array_equal(
            lsbook.cross_entropy_grad(logits, target, reduction=reduction, **options), one_block_grad
        )


def test_where_threads_cannot_start_blocks_run_in_the_calling_thread(tiny_blocks, monkeypatch):
    logits, target, options = _problem(np.float64)
    lsbook.set_num_threads(1)
    expected = lsbook.cross_entropy(logits, target, **options)
    monkeypatch.setattr(_blocks, "THREADS_CAN_START", False)
    monkeypatch.setattr(_blocks, "_executor", lambda threads: pytest.fail("a thread pool was asked for"))
    lsbook.set_num_threads(4)
    np.testing.assert_array_equal(lsbook.cross_entropy(logits, target, **options), expected)


def test_small_blocks_agree_with_the_textbook_formula(tiny_blocks):
    logits, target, _ = _problem(np.float64)
    target = np.abs(target) % 7
    lsbook.set_num_threads(2)
    q = lsbook.smooth_labels(target, 7, 0.1)
    textbook = -(q * lsbook.log_softmax(logits)).sum(axis=1).mean()
    assert float(lsbook.cross_entropy(logits, target, label_smoothing=0.1)) == pytest.approx(textbook, rel=1e-13)


def test_the_threaded_path_really_splits_the_rows(tiny_blocks):
    runs = _blocks._runs(num_rows=50, rows_per_block=3, num_logits=350, threads=2)
    assert len(runs) > 1
    assert runs[0][0] == 0 and runs[-1][1] == 50
    assert all(a[1] == b[0] for a, b in zip(runs, runs[1:], strict=False))


def test_errors_raised_inside_a_thread_reach_the_caller(tiny_blocks):
    logits, target, options = _problem(np.float64)
    logits[37, 2] = np.nan
    lsbook.set_num_threads(2)
    with pytest.raises(ValueError, match="nan"):
        lsbook.cross_entropy(logits, target, **options)


@pytest.mark.parametrize("bad", [0, -1, 2.5, "2", True, None])
def test_set_num_threads_rejects_bad_input(bad):
    with pytest.raises((TypeError, ValueError), match="num_threads"):
        lsbook.set_num_threads(bad)


def test_get_num_threads_reports_what_was_set():
    before = lsbook.get_num_threads()
    try:
        lsbook.set_num_threads(3)
        assert lsbook.get_num_threads() == 3
    finally:
        lsbook.set_num_threads(before)


@pytest.mark.parametrize("value, expected", [("abc", None), ("0", None), ("-2", None), ("3", 3), (" 2 ", 2)])
def test_a_bad_environment_variable_does_not_break_the_import(value, expected):
    env = dict(os.environ, LSBOOK_NUM_THREADS=value)
    code = "import lsbook; print(lsbook.get_num_threads())"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    threads = int(result.stdout.strip())
    if expected is None:
        assert threads >= 1
        assert "LSBOOK_NUM_THREADS must be a positive whole number" in result.stderr
        assert repr(value) in result.stderr
    else:
        assert threads == expected
        assert result.stderr == ""
