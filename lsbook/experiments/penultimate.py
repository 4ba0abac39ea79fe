"""The penultimate-layer picture of Muller, Kornblith and Hinton (2019).

Explained in chapter 5, section "Clusters in the penultimate layer". Each
class k has a *template*, its row ``w_k`` of the final layer, and its logit
is ``h . w_k + b_k`` for penultimate activations ``h``. For three classes the
templates span a plane (through the three points); projecting activations
onto an orthonormal basis of that plane shows how the examples of the three
classes sit relative to each other and to the templates.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def template_plane_basis(templates: ArrayLike) -> np.ndarray:
    """An orthonormal basis (2, H) of the plane through three templates (3, H).

    The plane contains ``w_0``, ``w_1`` and ``w_2``; its directions are
    ``w_1 - w_0`` and ``w_2 - w_0``, orthonormalised in that order
    (Gram-Schmidt, by a QR decomposition with positive diagonal).
    """
    w = np.asarray(templates, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != 3:
        raise ValueError(f"templates must have shape (3, H): three classes, got {w.shape}")
    directions = np.stack([w[1] - w[0], w[2] - w[0]], axis=1)  # (H, 2)
    q, r = np.linalg.qr(directions)
    if np.min(np.abs(np.diag(r))) < 1e-12 * max(1.0, np.abs(directions).max()):
        raise ValueError("the three templates lie on one line: they do not span a plane")
    return (q * np.sign(np.diag(r))).T


def project_onto_templates(features: ArrayLike, templates: ArrayLike) -> np.ndarray:
    """Coordinates (N, 2) of activations (N, H) in the plane of three templates.

    The origin is the first template; the axes are :func:`template_plane_basis`.
    """
    basis = template_plane_basis(templates)
    h = np.asarray(features, dtype=np.float64)
    if h.ndim != 2 or h.shape[1] != basis.shape[1]:
        raise ValueError(f"features must have shape (N, {basis.shape[1]}), matching the templates, got {h.shape}")
    return (h - np.asarray(templates, dtype=np.float64)[0]) @ basis.T


def cluster_tightness(coords: ArrayLike, target: ArrayLike, *, sample_weight: ArrayLike | None = None):
    """How tight the classes' clusters are: spread within a class over distance between classes.

    The spread of a class is the mean distance of its points from their
    centre (the class mean); the result is the mean spread over classes
    divided by the mean distance between two class centres. Smaller is
    tighter; it does not change if all coordinates are scaled together.
    ``sample_weight`` (N,) or stacked (B, N) weights the points, as the
    scores of :mod:`lsbook.experiments.scores` do, and then B values come back.

    Examples
    --------
    >>> coords = [[0.0, 1.0], [0.0, -1.0], [10.0, 1.0], [10.0, -1.0]]
    >>> cluster_tightness(coords, [0, 0, 1, 1])  # spread 1, centres 10 apart
    0.1
    """
    x = np.asarray(coords, dtype=np.float64)
    y = np.asarray(target)
    if x.ndim != 2 or y.shape != x.shape[:1]:
        raise ValueError(f"coords must have shape (N, D) and target shape (N,), got {x.shape} and {y.shape}")
    classes = np.unique(y)
    if classes.size < 2:
        raise ValueError("target must hold at least two classes: tightness compares classes")
    w = np.ones(y.size) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if w.shape[-1:] != y.shape or w.ndim not in (1, 2) or np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError(f"sample_weight must be finite, non-negative, of shape ({y.size},) or (B, {y.size})")
    members = (y[:, None] == classes[None, :]).astype(np.float64)  # (N, C)
    mass = w @ members  # (..., C)
    if np.any(mass <= 0):
        raise ValueError("sample_weight leaves a class without weight: its centre is undefined")
    centres = np.einsum("...n,nc,nd->...cd", w, members, x) / mass[..., None]  # (..., C, D)
    own = centres[..., np.searchsorted(classes, y), :]  # (..., N, D): each point's own centre
    distance = np.linalg.norm(x - own, axis=-1)  # (..., N)
    spread = ((w * distance) @ members / mass).mean(axis=-1)
    pairs = [(a, b) for a in range(classes.size) for b in range(a + 1, classes.size)]
    between = np.mean([np.linalg.norm(centres[..., a, :] - centres[..., b, :], axis=-1) for a, b in pairs], axis=0)
    result = spread / between
    return float(result) if np.ndim(result) == 0 else result
