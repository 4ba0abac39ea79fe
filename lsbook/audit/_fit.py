r"""Reading a target, a convention and a form off gradients and values.

Explained in chapter 7, section "The target, read off the gradient". For any
loss of the form $-\sum_k t_k \log p_k$ with a fixed vector $t$ (a target,
summing to one or not), chapter 2's derivation gives the gradient

    dL/dz = (sum_k t_k) p - t.

One gradient cannot separate $t$ from its sum (the entries of every such
gradient add up to zero), but two points with different ``p`` can: the
unknowns ``S = sum t`` and ``t`` solve a small linear least-squares problem,
and a third point tests the fit. A function whose gradients no fixed ``t``
explains (a focal loss, a penalty on the logits) is not a cross-entropy
against a target at all. The value then tells the form: the cross-entropy
itself, or the KL divergence, lower by ``sum t log(1 / t)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.softmax import log_softmax


@dataclass(frozen=True)
class RowFit:
    """What the probes say about rows of one true class at one number of classes."""

    true_class: int
    target: np.ndarray  # t, the implied target (K,)
    misfit: float  # largest |S p - t - g| over the probe points
    offsets: np.ndarray  # value - (-sum t log p) at each probe point

    @property
    def num_classes(self) -> int:
        return self.target.size

    @property
    def total(self) -> float:
        return float(self.target.sum())

    @property
    def normalised(self) -> np.ndarray:
        return self.target / self.total

    @property
    def offset(self) -> float:
        return float(np.mean(self.offsets))

    def off_class(self, skip: int | None = None) -> np.ndarray:
        """The entries of the wrong classes (leaving out ``skip`` too, when given)."""
        keep = np.ones(self.num_classes, dtype=bool)
        keep[self.true_class] = False
        if skip is not None and 0 <= skip < self.num_classes:
            keep[skip] = False
        return self.normalised[keep]


def fit_target(logits: np.ndarray, gradients: np.ndarray, values: np.ndarray, true_class: int) -> RowFit:
    """Fit ``gradient = S p - t`` at several probe points (rows of ``logits``) of one true class.

    Solves for ``S`` and ``t`` by least squares (``S`` is not forced to equal
    ``sum t``: a function whose gradients do not sum to zero shows up in the
    misfit). ``values`` are the loss values at the same points.
    """
    log_p = log_softmax(logits)
    p = np.exp(log_p)
    points, k = p.shape
    design = np.zeros((points * k, k + 1))
    design[:, 0] = p.reshape(-1)
    design[np.arange(points * k), 1 + np.tile(np.arange(k), points)] = -1.0
    solution, *_ = np.linalg.lstsq(design, gradients.reshape(-1), rcond=None)
    target = solution[1:]
    misfit = float(np.max(np.abs(design @ solution - gradients.reshape(-1))))
    predicted = -(log_p @ target)
    return RowFit(true_class, target, misfit, values - predicted)


def entropy_term(target: np.ndarray) -> float:
    """``sum_k t_k log t_k`` with ``0 log 0 = 0``: what a KL form subtracts from the cross-entropy."""
    positive = target[target > 0]
    return float(np.sum(positive * np.log(positive)))


def form_of(fit: RowFit, tol: float) -> str:
    """``"cross-entropy"``, ``"kl"`` (lower by ``-sum t log t``) or ``"other"`` (another constant)."""
    if abs(fit.offset) <= tol:
        return "cross-entropy"
    if np.all(fit.target >= -tol) and abs(fit.offset - entropy_term(fit.target)) <= tol:
        return "kl"
    return "other"


def optimum_of(fit: RowFit, tol: float) -> np.ndarray | None:
    """The probabilities at the loss minimum, ``t / sum t``; ``None`` if the loss has no minimum."""
    if fit.total <= tol or np.any(fit.target < -tol):
        return None
    return np.clip(fit.normalised, 0.0, None)


def floor_of(fit: RowFit, tol: float) -> float | None:
    """The smallest value the loss logs for such a row: its value at the optimum."""
    optimum = optimum_of(fit, tol)
    if optimum is None:
        return None
    kept = optimum > 0
    return float(-np.sum(fit.target[kept] * np.log(optimum[kept])) + fit.offset)


@dataclass(frozen=True)
class Symmetry:
    """Whether the normalised targets at one K have the form ``a * onehot + b``, the same for every class."""

    num_classes: int
    true_share: dict[int, float]  # true class -> its normalised target entry
    uneven_row: RowFit | None  # a row whose wrong classes get unequal shares, if any
    off_share: float  # b, the mean share of a wrong class

    @property
    def class_dependent(self) -> bool:
        shares = list(self.true_share.values())
        return max(shares) - min(shares) > 0 if len(shares) > 1 else False


def symmetry_of(fits: list[RowFit], tol: float) -> Symmetry:
    shares = {fit.true_class: float(fit.normalised[fit.true_class]) for fit in fits}
    spread = max(shares.values()) - min(shares.values())
    if spread <= tol:  # equal within tolerance: keep them as one value
        shares = {c: float(np.mean(list(shares.values()))) for c in shares}
    uneven = next((fit for fit in fits if np.ptp(fit.off_class()) > tol), None)
    off = float(np.mean([np.mean(fit.off_class()) for fit in fits]))
    return Symmetry(fits[0].num_classes, shares, uneven, off)


def convention_strengths(symmetries: list[Symmetry]) -> dict[str, np.ndarray]:
    """The smoothing strength each convention reads from the wrong-class share ``b`` at each K.

    Uniform: ``b = eps / K``; "others": ``b = eps / (K - 1)``. A convention
    fits when its strength is the same at every K probed.
    """
    k = np.array([s.num_classes for s in symmetries], dtype=float)
    b = np.array([s.off_share for s in symmetries])
    return {"uniform": k * b, "others": (k - 1) * b}


def convention_of(symmetries: list[Symmetry], meant: str, tol: float) -> tuple[str, float | None]:
    """``(convention, effective_epsilon)``; ``("other", None)`` when neither convention fits.

    Where both fit (no smoothing at all, or a single K probed), the convention
    the user meant is reported.
    """
    if any(s.class_dependent or s.uneven_row is not None for s in symmetries):
        return "other", None
    strengths = convention_strengths(symmetries)
    fitting = [name for name, eps in strengths.items() if np.ptp(eps) <= tol]
    if not fitting:
        return "other", None
    name = meant if meant in fitting else fitting[0]
    return name, float(np.mean(strengths[name]))


def target_entry_for(convention: str, num_classes: int, epsilon: float) -> float:
    """The true class's share under ``convention`` with strength ``epsilon``."""
    if convention == "uniform":
        return 1.0 - epsilon + epsilon / num_classes
    return 1.0 - epsilon
