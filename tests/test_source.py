"""lsbook.sequence.ZipfSource: a synthetic language whose next-token distribution is known."""

from __future__ import annotations

import numpy as np
import pytest

from lsbook.sequence import ZipfSource


@pytest.fixture(scope="module")
def source():
    return ZipfSource.generate(vocab=300, classes=7, rank=4, seed=3)


def test_rows_are_distributions_and_frequent_tokens_are_favoured(source):
    assert source.next_token.shape == (7, 300)
    np.testing.assert_allclose(source.next_token.sum(axis=1), 1.0, rtol=1e-12)
    average = source.context_distribution() @ source.next_token
    assert average[:10].sum() > average[-10:].sum() * 5  # Zipf-like: low ranks are common


def test_the_same_seed_gives_the_same_language(source):
    again = ZipfSource.generate(vocab=300, classes=7, rank=4, seed=3)
    np.testing.assert_array_equal(again.next_token, source.next_token)
    other = ZipfSource.generate(vocab=300, classes=7, rank=4, seed=4)
    assert not np.array_equal(other.next_token, source.next_token)


def test_context_distribution_is_stationary(source):
    pi = source.context_distribution()
    np.testing.assert_allclose(pi @ source.class_transitions(), pi, atol=1e-12)
    assert pi.sum() == pytest.approx(1.0)


def test_samples_follow_the_distribution_and_the_context_frequencies(source):
    tokens = source.sample(400, 501, seed=0)
    assert tokens.shape == (400, 501) and tokens.min() >= 0 and tokens.max() < 300
    counts = source.pair_counts(tokens)
    assert counts.sum() == 400 * 500
    expected = counts.sum(axis=1, keepdims=True) * source.next_token
    well_filled = expected >= 20  # cells where a normal approximation of the count holds
    z_scores = (counts - expected)[well_filled] / np.sqrt(expected[well_filled])
    assert np.abs(z_scores).max() < 5
    np.testing.assert_allclose(counts.sum(axis=1) / counts.sum(), source.context_distribution(), atol=0.02)


def test_entropy_is_the_nll_of_the_true_distribution(source):
    tokens = source.sample(300, 401, seed=1)
    counts = source.pair_counts(tokens)
    nll = -(counts * np.log(source.next_token)).sum() / counts.sum()
    p = source.next_token
    per_context = -(p * np.log(p)).sum(axis=1)
    seen = counts.sum(axis=1) / counts.sum()  # finite sequences visit the contexts a little unevenly
    assert nll == pytest.approx(seen @ per_context, rel=0.01)
    assert source.entropy() == pytest.approx(source.context_distribution() @ per_context, rel=1e-12)
    assert 0 < source.entropy() < np.log(300)


@pytest.mark.parametrize(
    "arguments, error",
    [({"vocab": 1}, ValueError), ({"classes": 0}, ValueError), ({"rank": 2.5}, TypeError),
     ({"sharpness": -1.0}, ValueError), ({"seed": "a"}, TypeError)],
)
def test_bad_arguments_are_named(arguments, error):
    name = next(iter(arguments))
    with pytest.raises(error, match=name):
        ZipfSource.generate(**arguments)


def test_sample_checks_its_arguments(source):
    with pytest.raises(ValueError, match="length"):
        source.sample(3, 1, seed=0)
