"""What a teacher's predictions carry beyond the label, and how a student gets it.

Explained in chapter 5, sections "Dark knowledge, measured" and "Distillation". A
teacher's *soft targets* are ``softmax(logits / T)``: a temperature T > 1
lifts the small wrong-class probabilities so a student can learn from them.
The student minimises the objective of Hinton et al. (2015),

    alpha * T^2 * CE(soft targets, softmax(z / T)) + (1 - alpha) * CE(label, softmax(z)),

where the factor T^2 keeps the soft term's gradient on the same scale
whatever T is. What the soft targets tell the student beyond the label is in
the *wrong-class distribution*: the teacher's probabilities of the wrong
classes, renormalised to sum to one. Two controls take that information out
and keep everything else: :func:`flatten_wrong_classes` replaces the
wrong-class probabilities by their mean, :func:`shuffle_wrong_classes`
permutes them at random. :func:`wrong_class_rank_agreement` measures how much
of the wrong-class ranking two independently trained teachers share, a
measure no logit scale can move.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..core._checks import as_class_indices, as_logits, as_probabilities, check_integer, check_real
from ..core.loss import cross_entropy, cross_entropy_grad
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


def _probs_and_target(probs: ArrayLike, target: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    if np.ndim(probs) != 2:
        raise ValueError(f"probs must have shape (N, K) with K >= 2, got {np.shape(probs)}")
    p = as_probabilities(probs, "probs", min_classes=2).astype(np.float64, copy=False)
    return p, as_class_indices(target, p.shape[:1], p.shape[1])


def wrong_class_distribution(probs: ArrayLike, target: ArrayLike) -> np.ndarray:
    """The predicted distribution over the wrong classes only (N, K).

    The true class is set to 0 and each row is renormalised to sum to 1, so
    the result no longer depends on how confident the prediction is, only
    on how it spreads over the wrong classes.
    """
    p, y = _probs_and_target(probs, target)
    wrong = p.copy()
    wrong[np.arange(p.shape[0]), y] = 0.0
    mass = wrong.sum(axis=1, keepdims=True)
    if np.any(mass <= 0):
        raise ValueError("a row puts all its probability on the true class: its wrong-class distribution is undefined")
    return wrong / mass


def class_similarity(probs: ArrayLike, target: ArrayLike) -> np.ndarray:
    """Where each class's wrong mass goes: row c is the mean wrong-class distribution of the class-c examples (K, K).

    Its diagonal is 0; a class with no examples gets a row of ``nan``.

    Examples
    --------
    >>> class_similarity([[0.8, 0.15, 0.05], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6]], [0, 1, 2]).round(2)
    array([[0.  , 0.75, 0.25],
           [0.25, 0.  , 0.75],
           [0.5 , 0.5 , 0.  ]])
    """
    p, y = _probs_and_target(probs, target)
    wrong = wrong_class_distribution(p, y)
    k = p.shape[1]
    with np.errstate(invalid="ignore"):
        return np.stack([wrong[y == c].mean(axis=0) if np.any(y == c) else np.full(k, np.nan) for c in range(k)])


def closest_classes(similarity: ArrayLike, size: int = 3) -> tuple[int, ...]:
    """The class whose wrong mass goes most to ``size - 1`` others, with those others, in increasing order.

    ``similarity`` is a matrix from :func:`class_similarity` (possibly averaged
    over models). For each class c the share of its wrong mass on its
    ``size - 1`` nearest classes is summed; the class with the largest share
    and its nearest classes are returned: the group of classes a model most
    clearly sees as alike. Used in chapter 5, section "Clusters in the
    penultimate layer", to choose the classes of the picture from the data.

    Examples
    --------
    >>> closest_classes([[0, 0.5, 0.3, 0.2], [0.9, 0, 0.05, 0.05], [0.4, 0.3, 0, 0.3], [0.3, 0.3, 0.4, 0]])
    (0, 1, 2)
    """
    sim = np.asarray(similarity, dtype=np.float64)
    if sim.ndim != 2 or sim.shape[0] != sim.shape[1] or not np.all(np.isfinite(sim)):
        raise ValueError(f"similarity must be a finite square matrix (K, K), got shape {sim.shape}")
    size = check_integer(size, "size", minimum=2)
    if size > sim.shape[0]:
        raise ValueError(f"size must be at most the number of classes, {sim.shape[0]}; got {size}")
    others = np.where(np.eye(sim.shape[0], dtype=bool), -np.inf, sim)
    nearest = np.argsort(-others, axis=1, kind="stable")[:, : size - 1]
    share = np.take_along_axis(sim, nearest, axis=1).sum(axis=1)
    centre = int(np.argmax(share))
    return tuple(sorted([centre, *(int(c) for c in nearest[centre])]))


def normalised_entropy(distribution: ArrayLike, num_outcomes: int | None = None) -> np.ndarray:
    """Entropy of each row divided by ``log(num_outcomes)``: 1 means uniform.

    ``num_outcomes`` defaults to the row length; for a wrong-class
    distribution pass K - 1, since the true class is excluded.
    """
    d = np.asarray(distribution, dtype=np.float64)
    if d.ndim != 2:
        raise ValueError(f"distribution must have shape (N, K), got {d.shape}")
    n = d.shape[1] if num_outcomes is None else check_integer(num_outcomes, "num_outcomes")
    if n < 2:
        raise ValueError(f"num_outcomes must be at least 2, got {n}")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(d > 0, d * np.log(d), 0.0)
    return -terms.sum(axis=1) / np.log(n)


def flatten_wrong_classes(probs: ArrayLike, target: ArrayLike) -> np.ndarray:
    """Soft targets whose wrong classes all get the mean of their probabilities.

    The true class keeps its probability, so the target is exactly as
    confident as before; only the information about *which* wrong classes
    look alike is gone.

    Examples
    --------
    >>> flatten_wrong_classes([[0.7, 0.2, 0.1]], [0])
    array([[0.7 , 0.15, 0.15]])
    """
    p, y = _probs_and_target(probs, target)
    rows = np.arange(y.size)
    true = p[rows, y]
    flat = np.repeat(((1.0 - true) / (p.shape[1] - 1))[:, None], p.shape[1], axis=1)
    flat[rows, y] = true
    return flat


def shuffle_wrong_classes(probs: ArrayLike, target: ArrayLike, *, seed: int = 0) -> np.ndarray:
    """Soft targets whose wrong-class probabilities are permuted at random, row by row.

    The true class keeps its probability and the wrong classes keep their
    values (so the entropy is unchanged), but which class gets which value is
    random: the target is as soft as the teacher's and says nothing true
    about similarity.
    """
    p, y = _probs_and_target(probs, target)
    rng = np.random.default_rng(check_integer(seed, "seed", minimum=0))
    shuffled = p.copy()
    classes = np.arange(p.shape[1])
    for row, label in enumerate(y):
        wrong = classes[classes != label]
        shuffled[row, wrong] = p[row, rng.permutation(wrong)]
    return shuffled


def _hinton_inputs(student_logits, target, soft_target, temperature, alpha):
    z = as_logits(student_logits, "student_logits")
    if z.ndim != 2:
        raise ValueError(f"student_logits must have shape (N, K), got {z.shape}")
    s = as_probabilities(soft_target, "soft_target")
    if s.shape != z.shape:
        raise ValueError(f"soft_target must have the logits' shape {z.shape}, got {s.shape}")
    y = as_class_indices(target, z.shape[:1], z.shape[1])
    temperature = check_real(temperature, "temperature", positive=True)
    alpha = check_real(alpha, "alpha", minimum=0.0, maximum=1.0)
    return z, y, s, temperature, alpha


def distillation_loss(
    student_logits: ArrayLike, target: ArrayLike, soft_target: ArrayLike, *, temperature: float, alpha: float
) -> float:
    """Hinton et al.'s mean objective ``alpha T^2 KD + (1 - alpha) CE``.

    ``KD`` is the cross-entropy of the student's ``softmax(z / T)`` against
    the teacher's soft targets (made at the same T), ``CE`` that of its
    ``softmax(z)`` against the labels ``target``. The KD term is written as a
    cross-entropy, not a KL divergence: the two differ by the entropy of the
    soft targets, a constant, and have the same gradient.
    """
    z, y, s, temperature, alpha = _hinton_inputs(student_logits, target, soft_target, temperature, alpha)
    soft = float(cross_entropy(z / temperature, s))
    hard = float(cross_entropy(z, y))
    return alpha * temperature**2 * soft + (1.0 - alpha) * hard


def distillation_grad(
    student_logits: ArrayLike, target: ArrayLike, soft_target: ArrayLike, *, temperature: float, alpha: float
) -> np.ndarray:
    """Gradient of :func:`distillation_loss` with respect to the student's logits (N, K).

    ``alpha T (softmax(z/T) - s) / N + (1 - alpha) (softmax(z) - onehot) / N``:
    the chain rule turns one factor T of T^2 into 1/T.
    """
    z, y, s, temperature, alpha = _hinton_inputs(student_logits, target, soft_target, temperature, alpha)
    soft = cross_entropy_grad(z / temperature, s)
    hard = cross_entropy_grad(z, y)
    return alpha * temperature * soft + (1.0 - alpha) * hard


def _wrong_class_ranks(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ranks 0..K-2 of the wrong classes in each row (N, K-1), lowest score first."""
    n, k = scores.shape
    keep = np.ones((n, k), dtype=bool)
    keep[np.arange(n), y] = False
    wrong = scores[keep].reshape(n, k - 1)
    ordered = np.sort(wrong, axis=1)
    if np.any(ordered[:, 1:] == ordered[:, :-1]):
        raise ValueError("a row gives two wrong classes the same score: their order is undefined")
    return np.argsort(np.argsort(wrong, axis=1), axis=1).astype(np.float64)


def wrong_class_rank_agreement(first: ArrayLike, second: ArrayLike, target: ArrayLike) -> np.ndarray:
    """Spearman correlation, per example, of two models' rankings of the wrong classes (N,).

    ``first`` and ``second`` are logits or probabilities (N, K) of two
    models (say, two teachers trained with different seeds) on the same
    examples. Only the order of the wrong classes enters, so rescaling
    either model's logits, or any temperature, leaves the result unchanged:
    1 means both rank the K - 1 wrong classes alike, 0 no shared order.

    Examples
    --------
    >>> wrong_class_rank_agreement([[9.0, 1.0, 2.0, 3.0]], [[9.0, 1.0, 3.0, 2.0]], [0])
    array([0.5])
    """
    a = as_logits(first, "first").astype(np.float64)
    b = as_logits(second, "second").astype(np.float64)
    if a.ndim != 2 or a.shape != b.shape or a.shape[1] < 4:
        raise ValueError(
            f"first and second must have the same shape (N, K) with K >= 4 (three wrong classes to rank); "
            f"got {a.shape} and {b.shape}"
        )
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("first and second must be finite")
    y = as_class_indices(target, a.shape[:1], a.shape[1])
    ra, rb = _wrong_class_ranks(a, y), _wrong_class_ranks(b, y)
    m = a.shape[1] - 1  # wrong classes per row
    squared = np.sum((ra - rb) ** 2, axis=1)
    return 1.0 - 6.0 * squared / (m * (m**2 - 1))


def best_bias_shift(logits: ArrayLike, target: ArrayLike, shifted_class: int, shifts: ArrayLike) -> float:
    """The shift of one class's logit that maximises accuracy on (validation) data.

    Used in chapter 5, section "The omitted-class test": a student that never
    saw a class may rank it well but too low; adding a constant to its logit
    (its bias) can recover it. Ties go to the smallest shift in absolute value.

    Examples
    --------
    >>> best_bias_shift([[2.0, 0.0], [2.0, 1.5]], [0, 1], 1, [0.0, 1.0, 3.0])
    1.0
    """
    z = as_logits(logits).astype(np.float64)
    if z.ndim != 2:
        raise ValueError(f"logits must have shape (N, K), got {z.shape}")
    y = as_class_indices(target, z.shape[:1], z.shape[1])
    shifted_class = check_integer(shifted_class, "shifted_class", minimum=0)
    if shifted_class >= z.shape[1]:
        raise ValueError(f"shifted_class must be below K = {z.shape[1]}, got {shifted_class}")
    candidates = np.asarray(shifts, dtype=np.float64)
    if candidates.ndim != 1 or candidates.size == 0 or not np.all(np.isfinite(candidates)):
        raise ValueError("shifts must be a non-empty vector of finite numbers")
    scores = []
    for shift in candidates:
        moved = z.copy()
        moved[:, shifted_class] += shift
        scores.append(np.mean(moved.argmax(axis=1) == y))
    scores = np.array(scores)
    best = np.flatnonzero(scores == scores.max())
    return float(candidates[best[np.argmin(np.abs(candidates[best]))]])
