"""Argument checks shared by the public functions.

Every public function of :mod:`lsbook` validates its input here, so that bad
input fails early with a ``ValueError`` or ``TypeError`` naming the argument,
instead of a NumPy traceback or, worse, a plausible wrong number. Chapter 1,
section "The single-pass form", shows the loss these checks protect.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

REDUCTIONS = ("mean", "sum", "none")
CONVENTIONS = ("uniform", "others")


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def check_integer(value, name: str, *, minimum: int | None = None) -> int:
    """A whole number (not a bool), at least ``minimum`` when given."""
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def check_real(
    value, name: str, *, minimum: float | None = None, maximum: float | None = None, positive: bool = False
) -> float:
    """A finite real number (not a bool), optionally positive or within ``[minimum, maximum]``."""
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if positive and number <= 0.0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    low = -math.inf if minimum is None else minimum
    high = math.inf if maximum is None else maximum
    if not low <= number <= high:
        raise ValueError(f"{name} must lie in [{low:g}, {high:g}], got {value!r}")
    return number


def probability_tolerance(dtype: np.dtype) -> float:
    """How far a row of probabilities may sum from one: 1e-6 in float64, 1e-3 in lower precision."""
    return 1e-6 if np.dtype(dtype).itemsize >= 8 else 1e-3


def as_probabilities(values, name: str, *, min_classes: int = 1) -> np.ndarray:
    """``values`` as probability vectors along the last axis: finite, non-negative, rows summing to one.

    Returns the array in its own float dtype (integers become float64). The
    message says what to pass when the input looks like logits.
    """
    array = np.asarray(values)
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise TypeError(f"{name} must be an array of probabilities, got dtype {array.dtype}")
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    if array.ndim == 0:
        raise ValueError(f"{name} must have a class axis (at least one dimension), got a scalar")
    if array.shape[-1] < min_classes:
        raise ValueError(f"{name} must have at least {min_classes} classes along its last axis, got {array.shape}")
    # min and max reveal nan, inf and negative entries without a full-size temporary.
    if array.size and (not np.isfinite(array.min()) or not np.isfinite(array.max()) or array.min() < 0):
        raise ValueError(f"{name} must hold finite, non-negative probabilities (pass probabilities, not logits)")
    sums = array.sum(axis=-1, dtype=np.float64)
    if sums.size and np.max(np.abs(sums - 1.0)) > probability_tolerance(array.dtype):
        worst = sums.flat[np.argmax(np.abs(sums - 1.0))]
        raise ValueError(
            f"each row of {name} must sum to 1 along the last axis (worst sums to {worst:.6g}); "
            "pass probabilities, not logits"
        )
    return array


def as_logits(logits, name: str = "logits") -> np.ndarray:
    """Return ``logits`` as a floating array with at least one axis."""
    array = np.asarray(logits)
    kind = array.dtype.kind  # "f" float, "i"/"u" integer; bool is "b" (a kind check is much cheaper than issubdtype)
    if kind not in "fiu":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    if kind != "f":
        array = array.astype(np.float64)
    if array.ndim == 0:
        raise ValueError(f"{name} must have a class axis (at least one dimension), got a scalar")
    return array


def working_dtype(array: np.ndarray) -> np.dtype:
    """The dtype results come in: the logits' own, but half precision computes in float32."""
    return np.dtype(np.float32) if array.dtype.itemsize < 4 else array.dtype


def check_num_classes(num_classes, name: str = "num_classes") -> int:
    """A whole number of classes, at least two."""
    value = check_integer(num_classes, name)
    if value < 2:
        raise ValueError(f"{name} must be at least 2 (smoothing needs two classes), got {value}")
    return value


def check_epsilon(epsilon, name: str = "label_smoothing") -> float:
    """A finite smoothing strength in [0, 1]."""
    return check_real(epsilon, name, minimum=0.0, maximum=1.0)


def check_choice(value, allowed: tuple[str, ...], name: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def check_axis(axis, ndim: int) -> int:
    axis = check_integer(axis, "axis")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for an array with {ndim} dimensions")
    return int(axis) % ndim


def as_class_indices(
    target, shape: tuple[int, ...], num_classes: int, ignore_index=None, *, name: str = "target"
) -> np.ndarray:
    """Return class-index targets as int64, checking shape, wholeness and range.

    Floats that hold whole numbers (``2.0``) are accepted, since some data
    formats deliver labels that way; ``2.5`` or ``nan`` are errors.
    """
    array = np.asarray(target)
    if array.dtype == bool:
        raise TypeError(f"{name} must hold integer class indices, got booleans")
    if array.shape != tuple(shape):
        raise ValueError(
            f"{name} must have shape {tuple(shape)} (the logits' shape without the class axis) "
            f"for class indices, or the logits' own shape for probabilities; got {array.shape}"
        )
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
            raise ValueError(f"{name} holds floats that are not whole numbers; class indices must be integers")
    elif array.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class indices, got dtype {array.dtype}")
    # Range check before the cast to int64, so huge float labels cannot wrap around.
    kept = array if ignore_index is None else array[array != ignore_index]
    if kept.size and (kept.min() < 0 or kept.max() >= num_classes):
        bad = kept[(kept < 0) | (kept >= num_classes)][0]
        raise ValueError(f"{name} holds class index {bad:g}, outside [0, {num_classes}) for K = {num_classes}")
    return array.astype(np.int64, copy=False)


def check_ignore_index(ignore_index):
    if ignore_index is None:
        return None
    if _is_bool(ignore_index) or not isinstance(ignore_index, numbers.Integral):
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


def as_probability_target(target: np.ndarray) -> np.ndarray:
    """Check a probability target: finite, non-negative, rows summing to one."""
    return as_probabilities(target, "target")
