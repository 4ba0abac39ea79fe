"""What a teacher's predictions carry beyond the label, and how a student gets it.

Explained in chapter 5, sections "Dark knowledge, measured" and "Distillation". A
teacher's *soft targets* are ``softmax(logits / T)``: a temperature T > 1
lifts the small wrong-class probabilities so a student can learn from them
(Hinton et al., 2015). What they tell the student is in the *wrong-class
distribution*: the teacher's probabilities of the wrong classes, renormalised
to sum to one. If it is uniform, the teacher says nothing about which wrong
classes look alike.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..core._checks import as_class_indices, as_logits, as_probabilities, check_real
from ..core.softmax import softmax


def soft_targets(logits: ArrayLike, temperature: float = 1.0) -> np.ndarray:
    """A teacher's softened distribution ``softmax(logits / temperature)``.

    Examples
    --------
    >>> soft_targets([2.0, 0.0], temperature=2.0).round(4)
    array([0.7311, 0.2689])
    """
    temperature = check_real(temperature, "temperature", positive=True)
    return softmax(as_logits(logits) / temperature)


def wrong_class_distribution(probs: ArrayLike, target: ArrayLike) -> np.ndarray:
    """The predicted distribution over the wrong classes only (N, K).

    The true class is set to 0 and each row is renormalised to sum to 1, so
    the result no longer depends on how confident the prediction is, only
    on how it ranks the wrong classes.
    """
    if np.ndim(probs) != 2:
        raise ValueError(f"probs must have shape (N, K) with K >= 2, got {np.shape(probs)}")
    p = as_probabilities(probs, "probs", min_classes=2).astype(np.float64, copy=False)
    y = as_class_indices(target, p.shape[:1], p.shape[1])
    wrong = p.copy()
    wrong[np.arange(p.shape[0]), y] = 0.0
    mass = wrong.sum(axis=1, keepdims=True)
    if np.any(mass <= 0):
        raise ValueError("a row puts all its probability on the true class: its wrong-class distribution is undefined")
    return wrong / mass


def normalised_entropy(distribution: ArrayLike, num_outcomes: int | None = None) -> np.ndarray:
    """Entropy of each row divided by ``log(num_outcomes)``: 1 means uniform.

    ``num_outcomes`` defaults to the row length; for a wrong-class
    distribution pass K - 1, since the true class is excluded.
    """
    d = np.asarray(distribution, dtype=np.float64)
    if d.ndim != 2:
        raise ValueError(f"distribution must have shape (N, K), got {d.shape}")
    n = d.shape[1] if num_outcomes is None else int(num_outcomes)
    if n < 2:
        raise ValueError(f"num_outcomes must be at least 2, got {n}")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(d > 0, d * np.log(d), 0.0)
    return -terms.sum(axis=1) / np.log(n)
