"""The digits splits: bounded features, folds, stratification, noise, subsets, bad input."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from lsbook.experiments.data import (
    fold_indices,
    labelled_subset,
    load_digits_split,
    omit_class,
    scale_pixels,
    symmetric_label_noise,
)

FOLDS = range(5)


@pytest.fixture(scope="module")
def splits():
    return [load_digits_split(fold=fold) for fold in FOLDS]


def test_sizes_add_up_to_the_whole_data_set(splits):
    for data in splits:
        sizes = [data.x_train.shape[0], data.x_val.shape[0], data.x_test.shape[0]]
        assert sum(sizes) == 1797
        assert all(abs(size - share * 1797) <= 2 for size, share in zip(sizes, (0.6, 0.2, 0.2), strict=True))
        assert data.num_features == 64 and data.num_classes == 10
    first = splits[0]
    assert (first.x_train.shape, first.x_val.shape, first.x_test.shape) == ((1077, 64), (360, 64), (360, 64))


def test_held_out_features_stay_in_the_unit_interval(splits):
    # The point of dividing by 16: no held-out image can produce a feature far outside
    # what training saw (standardising per pixel gave validation features up to 186).
    for data in splits:
        for x in (data.x_train, data.x_val, data.x_test):
            assert x.min() >= 0.0 and x.max() <= 1.0


def test_standardising_would_have_blown_up_held_out_features(splits):
    # The control for the test above: with per-pixel standardisation, held-out features leave any small range.
    from sklearn.preprocessing import StandardScaler

    data = splits[0]
    scaler = StandardScaler().fit(data.x_train)
    assert np.abs(scaler.transform(np.vstack([data.x_val, data.x_test]))).max() > 10


def test_the_five_test_folds_partition_the_data(splits):
    pixels, labels = load_digits(return_X_y=True)
    tests = np.vstack([data.x_test for data in splits])
    assert tests.shape[0] == 1797
    # Every image is a test image exactly once (compare as sorted rows of pixels and labels).
    as_rows = np.column_stack([np.vstack([d.x_test for d in splits]) * 16, np.concatenate([d.y_test for d in splits])])
    reference = np.column_stack([pixels, labels])
    assert np.array_equal(np.unique(as_rows, axis=0), np.unique(reference, axis=0))
    assert np.unique(as_rows, axis=0).shape[0] == np.unique(reference, axis=0).shape[0]


def test_validation_is_the_next_fold_and_never_overlaps_test_or_training():
    folds = fold_indices(load_digits(return_X_y=True)[1])
    assert sorted(np.concatenate(folds).tolist()) == list(range(1797))
    data = load_digits_split(fold=4)
    pixels = scale_pixels(load_digits(return_X_y=True)[0])
    assert np.array_equal(data.x_test, pixels[folds[4]]) and np.array_equal(data.x_val, pixels[folds[0]])


def test_every_split_holds_every_class_in_proportion(splits):
    for data in splits:
        for y in (data.y_train, data.y_val, data.y_test):
            shares = np.bincount(y, minlength=10) / y.size
            assert np.all(np.abs(shares - 0.1) < 0.02)


def test_same_seed_same_split_and_another_seed_another(splits):
    again = load_digits_split(fold=0)
    assert np.array_equal(again.x_test, splits[0].x_test) and np.array_equal(again.y_train, splits[0].y_train)
    other = load_digits_split(fold=0, seed=1)
    assert not np.array_equal(other.y_test, splits[0].y_test)


def test_scale_pixels():
    assert np.array_equal(scale_pixels([[0, 8, 16]]), [[0.0, 0.5, 1.0]])
    with pytest.raises(ValueError, match="intensities"):
        scale_pixels([[0, 17]])
    with pytest.raises(ValueError, match="shape"):
        scale_pixels([0, 1])


def test_symmetric_label_noise_changes_exactly_the_share_asked_for():
    labels = np.repeat(np.arange(10), 50)
    noisy = symmetric_label_noise(labels, 0.3, 10, seed=1)
    changed = noisy != labels
    assert changed.sum() == 150  # exactly 30% of 500, and every changed label is a different class
    assert noisy.min() >= 0 and noisy.max() <= 9
    # The new labels are spread over the other classes: each of the 9 offsets turns up.
    assert len(np.unique((noisy[changed] - labels[changed]) % 10)) == 9
    assert np.array_equal(symmetric_label_noise(labels, 0.3, 10, seed=1), noisy)
    assert np.array_equal(symmetric_label_noise(labels, 0.0, 10), labels)
    assert np.all(symmetric_label_noise(labels, 1.0, 10) != labels)


def test_omit_class_and_labelled_subset():
    x = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 3, 1, 3, 2, 0])
    kept_x, kept_y = omit_class(x, y, 3)
    assert kept_y.tolist() == [0, 1, 2, 0] and kept_x[:, 0].tolist() == [0.0, 4.0, 8.0, 10.0]
    rows = labelled_subset(np.repeat(np.arange(4), 5), 2, seed=0)
    assert rows.size == 8 and np.array_equal(np.bincount(np.repeat(np.arange(4), 5)[rows]), [2, 2, 2, 2])
    assert np.all(np.diff(rows) > 0)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: load_digits_split(fold=5), ValueError, "fold must be below"),
        (lambda: load_digits_split(fold=-1), ValueError, "fold"),
        (lambda: load_digits_split(num_folds=2), ValueError, "num_folds"),
        (lambda: load_digits_split(fold=1.0), TypeError, "fold"),
        (lambda: symmetric_label_noise([0, 1], 1.5, 2), ValueError, "rate"),
        (lambda: symmetric_label_noise([0, 2], 0.5, 2), ValueError, "outside"),
        (lambda: symmetric_label_noise([[0, 1]], 0.5, 2), ValueError, r"shape \(N,\)"),
        (lambda: omit_class(np.ones((3, 2)), [0, 1, 1], 2), ValueError, "not among the labels"),
        (lambda: omit_class(np.ones((3, 2)), [0, 1], 1), ValueError, "shape"),
        (lambda: labelled_subset([0, 0, 1], 2), ValueError, "fewer than per_class"),
        (lambda: labelled_subset([0, 1], 0), ValueError, "per_class"),
    ],
)
def test_bad_input_is_rejected(call, error, match):
    with pytest.raises(error, match=match):
        call()
