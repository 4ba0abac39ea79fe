"""The handwritten digits, split once into training, validation and test sets.

Used by chapter 4, section "The data and the model", and by chapter 5. The data are
the 1797 images of 8x8 pixels that scikit-learn ships with its package (no
download), ten classes. The split is stratified and fixed by a seed, and the
pixels are standardised with statistics of the training set only, so nothing
about the validation or test images leaks into training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core._checks import check_real


@dataclass(frozen=True)
class DigitsSplit:
    """Standardised pixels ``x_*`` (N, 64) and integer labels ``y_*`` (N,)."""

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


def _check_fraction(value, name: str) -> float:
    fraction = check_real(value, name, minimum=0.0, maximum=1.0)
    if fraction in (0.0, 1.0):
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {value!r}")
    return fraction


def load_digits_split(*, val_fraction: float = 0.2, test_fraction: float = 0.2, seed: int = 0) -> DigitsSplit:
    """The digits, split into stratified training, validation and test sets.

    Parameters
    ----------
    val_fraction, test_fraction : float
        Shares of all 1797 images held out for validation (temperature
        scaling, model choice) and for the final test. Their sum must stay
        below 1.
    seed : int
        Fixes the split: the same seed always gives the same sets.

    Examples
    --------
    >>> data = load_digits_split()
    >>> data.x_train.shape, data.x_val.shape, data.x_test.shape
    ((1077, 64), (360, 64), (360, 64))
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    val_fraction = _check_fraction(val_fraction, "val_fraction")
    test_fraction = _check_fraction(test_fraction, "test_fraction")
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"val_fraction + test_fraction must be below 1 to leave training data, got {val_fraction + test_fraction}"
        )
    x, y = load_digits(return_X_y=True)
    x_rest, x_test, y_rest, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    # The validation share is of all images, so rescale it to the remainder.
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=val_fraction / (1.0 - test_fraction), random_state=seed, stratify=y_rest
    )
    scaler = StandardScaler().fit(x_train)
    return DigitsSplit(
        x_train=scaler.transform(x_train),
        y_train=y_train.astype(np.int64),
        x_val=scaler.transform(x_val),
        y_val=y_val.astype(np.int64),
        x_test=scaler.transform(x_test),
        y_test=y_test.astype(np.int64),
    )
