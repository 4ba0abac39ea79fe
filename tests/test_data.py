"""The digits split: sizes, stratification, no leakage, determinism, bad input."""

import numpy as np
import pytest

from lsbook.experiments.data import load_digits_split


@pytest.fixture(scope="module")
def data():
    return load_digits_split()


def test_sizes_add_up_to_the_whole_data_set(data):
    sizes = [data.x_train.shape[0], data.x_val.shape[0], data.x_test.shape[0]]
    assert sum(sizes) == 1797
    assert sizes == [1077, 360, 360]
    assert data.num_features == 64 and data.num_classes == 10


def test_every_split_holds_every_class_in_proportion(data):
    for y in (data.y_train, data.y_val, data.y_test):
        shares = np.bincount(y, minlength=10) / y.size
        assert np.all(np.abs(shares - 0.1) < 0.02)


def test_standardised_with_training_statistics_only(data):
    assert np.allclose(data.x_train.mean(axis=0), 0.0, atol=1e-12)
    # The test set was scaled with the training statistics, so its mean is not exactly 0.
    assert not np.allclose(data.x_test.mean(axis=0), 0.0, atol=1e-6)


def test_same_seed_same_split_and_another_seed_another(data):
    again = load_digits_split()
    assert np.array_equal(again.x_test, data.x_test) and np.array_equal(again.y_train, data.y_train)
    other = load_digits_split(seed=1)
    assert not np.array_equal(other.y_test, data.y_test)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"val_fraction": 0.0}, ValueError, "val_fraction"),
        ({"test_fraction": 1.5}, ValueError, "test_fraction"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, ValueError, "below 1"),
        ({"val_fraction": "0.2"}, TypeError, "val_fraction"),
    ],
)
def test_bad_fractions_are_rejected(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_digits_split(**kwargs)
