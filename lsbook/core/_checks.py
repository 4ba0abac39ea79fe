"""Argument checks shared by the public functions.

Every public function of :mod:`lsbook` validates its input here, so that bad
input fails early with a ``ValueError`` or ``TypeError`` naming the argument,
instead of a NumPy traceback or, worse, a plausible wrong number.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

REDUCTIONS = ("mean", "sum", "none")
CONVENTIONS = ("uniform", "others")


def as_logits(logits, name: str = "logits") -> np.ndarray:
    """Return ``logits`` as a floating array with at least one axis."""
    array = np.asarray(logits)
    if array.dtype == bool or not (
        np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)
    ):
        raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    if array.ndim == 0:
        raise ValueError(f"{name} must have a class axis (at least one dimension), got a scalar")
    return array


def working_dtype(array: np.ndarray) -> np.dtype:
    """The dtype results come in: the logits' own, but half precision computes in float32."""
    return np.dtype(np.float32) if array.dtype.itemsize < 4 else array.dtype


def check_num_classes(num_classes, name: str = "num_classes") -> int:
    """A whole number of classes, at least two."""
    if isinstance(num_classes, (bool, np.bool_)) or not isinstance(num_classes, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {num_classes!r}")
    if num_classes < 2:
        raise ValueError(f"{name} must be at least 2 (smoothing needs two classes), got {num_classes}")
    return int(num_classes)


def check_epsilon(epsilon, name: str = "label_smoothing") -> float:
    """A finite smoothing strength in [0, 1]."""
    if isinstance(epsilon, (bool, np.bool_)) or not isinstance(epsilon, numbers.Real):
        raise TypeError(f"{name} must be a real number in [0, 1], got {epsilon!r}")
    value = float(epsilon)
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a finite number in [0, 1], got {epsilon!r}")
    return value


def check_choice(value, allowed: tuple[str, ...], name: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def check_axis(axis, ndim: int) -> int:
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an integer, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for an array with {ndim} dimensions")
    return int(axis) % ndim


def as_class_indices(target, shape: tuple[int, ...], num_classes: int, ignore_index=None) -> np.ndarray:
    """Return class-index targets as int64, checking shape, wholeness and range.

    Floats that hold whole numbers (``2.0``) are accepted, since some data
    formats deliver labels that way; ``2.5`` or ``nan`` are errors.
    """
    array = np.asarray(target)
    if array.dtype == bool:
        raise TypeError("target must hold integer class indices, got booleans")
    if array.shape != tuple(shape):
        raise ValueError(
            f"target must have shape {tuple(shape)} (the logits' shape without the class axis) "
            f"for class indices, or the logits' own shape for probabilities; got {array.shape}"
        )
    if np.issubdtype(array.dtype, np.floating):
        if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
            raise ValueError("target holds floats that are not whole numbers; class indices must be integers")
    elif not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"target must hold integer class indices, got dtype {array.dtype}")
    # Range check before the cast to int64, so huge float labels cannot wrap around.
    kept = array if ignore_index is None else array[array != ignore_index]
    if kept.size and (kept.min() < 0 or kept.max() >= num_classes):
        bad = kept[(kept < 0) | (kept >= num_classes)][0]
        raise ValueError(f"target holds class index {bad:g}, outside [0, {num_classes}) for K = {num_classes}")
    return array.astype(np.int64, copy=False)


def check_ignore_index(ignore_index):
    if ignore_index is None:
        return None
    if isinstance(ignore_index, (bool, np.bool_)) or not isinstance(ignore_index, numbers.Integral):
        raise TypeError(f"ignore_index must be an integer or None, got {ignore_index!r}")
    return int(ignore_index)


def as_class_weight(weight, num_classes: int):
    """``None``, or a finite non-negative float64 vector with one entry per class."""
    if weight is None:
        return None
    array = np.asarray(weight)
    if array.dtype == bool or not (
        np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)
    ):
        raise TypeError(f"weight must be an array of real numbers, got dtype {array.dtype}")
    if array.shape != (num_classes,):
        raise ValueError(f"weight must have shape ({num_classes},), one entry per class; got {array.shape}")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ValueError("weight entries must be finite and non-negative")
    return array


def as_probability_target(target: np.ndarray, tolerance: float = 1e-3) -> np.ndarray:
    """Check a probability target: finite, non-negative, rows summing to one."""
    # min and max reveal nan, inf and negative entries without a full-size temporary.
    if target.size and (not np.isfinite(target.min()) or not np.isfinite(target.max()) or target.min() < 0):
        raise ValueError("a probability target must be finite and non-negative")
    sums = target.sum(axis=-1, dtype=np.float64)
    if sums.size and np.max(np.abs(sums - 1.0)) > tolerance:
        raise ValueError(
            "each row of a probability target must sum to 1 "
            f"(worst row sums to {sums.flat[np.argmax(np.abs(sums - 1.0))]:.6g})"
        )
    return target
