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
