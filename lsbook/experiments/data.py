"""The handwritten digits, split into training, validation and test sets.

Used by chapter 4, section "The data and the model", and by chapter 5. The data are
the 1797 images of 8x8 pixels that scikit-learn ships with its package (no
download), ten classes, each pixel an intensity from 0 to 16.

Pixels are divided by 16, so every feature of every image, seen or unseen,
lies in [0, 1]. (Standardising each pixel with training statistics would
not: a pixel that is almost always 0 in the training images has a tiny
standard deviation, and one held-out image that inks it gets a feature in
the hundreds; chapter 4 shows the effect.)

The images are dealt into five stratified folds. Split ``fold`` tests on
fold ``fold``, validates on the next fold and trains on the other three, so
the five splits have disjoint test sets that together hold every image once.
The chapter's over-confident regime trains on labels made noisy with
:func:`symmetric_label_noise`; chapter 5's omitted-class test distils on a
transfer set from :func:`omit_class`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..core._checks import as_class_indices, check_integer, check_num_classes, check_real

#: The largest pixel intensity of the scikit-learn digits.
MAX_INTENSITY = 16.0


@dataclass(frozen=True)
class DigitsSplit:
    """Pixels ``x_*`` (N, 64) scaled to [0, 1] and integer labels ``y_*`` (N,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def num_features(self) -> int:
        return self.x_train.shape[1]

    @property
    def num_classes(self) -> int:
        return int(self.y_train.max()) + 1


def scale_pixels(pixels: ArrayLike) -> np.ndarray:
    """Intensities 0..16 divided by 16: features in [0, 1] for any image.

    Examples
    --------
    >>> scale_pixels([[0, 8, 16]])
    array([[0. , 0.5, 1. ]])
    """
    x = np.asarray(pixels, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"pixels must have shape (N, features), got {x.shape}")
    if x.size and (not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > MAX_INTENSITY):
        raise ValueError(f"pixels must be intensities in [0, {MAX_INTENSITY:g}]")
    return x / MAX_INTENSITY


def fold_indices(target: ArrayLike, *, num_folds: int = 5, seed: int = 0) -> list[np.ndarray]:
    """Deal the examples into ``num_folds`` stratified folds (a fixed shuffle per ``seed``).

    Returns one sorted index array per fold; the folds are disjoint, cover
    every example, and hold each class in nearly the same proportion.
    """
    from sklearn.model_selection import StratifiedKFold

    num_folds = check_integer(num_folds, "num_folds", minimum=3)
    seed = check_integer(seed, "seed", minimum=0)
    y = np.asarray(target)
    splitter = StratifiedKFold(n_splits=num_folds, shuffle=True, random_state=seed)
    return [np.sort(test) for _, test in splitter.split(np.zeros(y.size), y)]


def load_digits_split(*, fold: int = 0, num_folds: int = 5, seed: int = 0) -> DigitsSplit:
    """One of ``num_folds`` splits of the digits into training, validation and test sets.

    Parameters
    ----------
    fold : int
        Which split, from 0 to ``num_folds - 1``: its test set is fold
        ``fold`` and its validation set (temperature scaling, model choice)
        fold ``fold + 1`` (cyclically); the other folds are for training.
    num_folds : int
        How many folds the images are dealt into (at least 3). With 5, each
        split trains on 3/5 of the images and holds out 1/5 twice.
    seed : int
        Fixes the shuffle before the images are dealt into folds.

    Examples
    --------
    >>> data = load_digits_split()
    >>> data.x_train.shape, data.x_val.shape, data.x_test.shape
    ((1077, 64), (360, 64), (360, 64))
    """
    from sklearn.datasets import load_digits

    num_folds = check_integer(num_folds, "num_folds", minimum=3)
    fold = check_integer(fold, "fold", minimum=0)
    if fold >= num_folds:
        raise ValueError(f"fold must be below num_folds = {num_folds}, got {fold}")
    pixels, y = load_digits(return_X_y=True)
    x, y = scale_pixels(pixels), y.astype(np.int64)
    folds = fold_indices(y, num_folds=num_folds, seed=seed)
    test, val = folds[fold], folds[(fold + 1) % num_folds]
    train = np.sort(np.concatenate([f for i, f in enumerate(folds) if i not in (fold, (fold + 1) % num_folds)]))
    return DigitsSplit(x[train], y[train], x[val], y[val], x[test], y[test])


def symmetric_label_noise(target: ArrayLike, rate: float, num_classes: int, *, seed: int = 0) -> np.ndarray:
    """A copy of ``target`` in which a share ``rate`` of the labels is wrong.

    Exactly ``round(rate * N)`` examples, chosen at random, get a label drawn
    uniformly from the K - 1 classes that are not theirs: symmetric noise,
    as studied by Lukasik et al. (2020). Used in chapter 4, section
    "An over-confident regime".

    Examples
    --------
    >>> noisy = symmetric_label_noise([0, 1, 2, 3] * 25, 0.2, 4, seed=0)
    >>> int((noisy != [0, 1, 2, 3] * 25).sum())
    20
    """
    num_classes = check_num_classes(num_classes)
    rate = check_real(rate, "rate", minimum=0.0, maximum=1.0)
    y = as_class_indices(target, np.shape(target), num_classes)
    if y.ndim != 1:
        raise ValueError(f"target must be one class index per example, shape (N,), got {y.shape}")
    rng = np.random.default_rng(check_integer(seed, "seed", minimum=0))
    flipped = rng.choice(y.size, size=int(round(rate * y.size)), replace=False)
    noisy = y.copy()
    # An offset of 1..K-1 classes, modulo K, never lands on the true class.
    noisy[flipped] = (y[flipped] + rng.integers(1, num_classes, size=flipped.size)) % num_classes
    return noisy


def omit_class(x: ArrayLike, target: ArrayLike, omitted: int) -> tuple[np.ndarray, np.ndarray]:
    """The examples whose label is not ``omitted``: a transfer set without one class.

    Chapter 5, section "The omitted-class test", distils a student on the
    training images without a digit, to see whether the teacher's soft
    targets alone teach it that digit (Hinton et al., 2015).
    """
    x = np.asarray(x)
    y = np.asarray(target)
    if x.ndim != 2 or y.shape != x.shape[:1]:
        raise ValueError(f"x must have shape (N, features) and target shape (N,), got {x.shape} and {y.shape}")
    omitted = check_integer(omitted, "omitted", minimum=0)
    y = as_class_indices(y, y.shape, max(int(y.max(initial=0)), omitted) + 1)
    if not np.any(y == omitted):
        raise ValueError(f"omitted = {omitted} is not among the labels: nothing would be left out")
    kept = y != omitted
    return x[kept], y[kept]


def labelled_subset(target: ArrayLike, per_class: int, *, seed: int = 0) -> np.ndarray:
    """Sorted indices of ``per_class`` examples of every class, drawn at random.

    Chapter 5, section "When labels are scarce", distils on such a small
    transfer set: with few labelled images, what the teacher says about the
    wrong classes is information the labels do not carry.

    Examples
    --------
    >>> labelled_subset([0, 1, 0, 1, 0, 1], 2, seed=0).size
    4
    """
    y = np.asarray(target)
    if y.ndim != 1:
        raise ValueError(f"target must have shape (N,), got {y.shape}")
    per_class = check_integer(per_class, "per_class", minimum=1)
    rng = np.random.default_rng(check_integer(seed, "seed", minimum=0))
    chosen = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        if members.size < per_class:
            raise ValueError(f"class {label} has {members.size} examples, fewer than per_class = {per_class}")
        chosen.append(rng.choice(members, size=per_class, replace=False))
    return np.sort(np.concatenate(chosen))
