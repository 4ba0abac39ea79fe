"""Central finite differences: the numerical check of an analytic gradient.

Explained in chapter 2, section "Checking the gradient by finite differences".
Each logit is moved by ``+step`` and ``-step`` in turn, one at a time, and the
derivative is estimated as ``(f(z + h e_i) - f(z - h e_i)) / (2 h)``, whose
error shrinks like ``h**2`` until rounding in ``f`` takes over.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_logits, check_real


def numeric_gradient(function: Callable[[np.ndarray], float], logits: ArrayLike, *, step: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of a scalar function of an array of logits.

    Parameters
    ----------
    function : callable
        Takes an array shaped like ``logits`` and returns one real number
        (a Python float or an array of size one), e.g. a reduced loss.
    logits : array_like of float
        The point at which to differentiate, any shape with at least one axis.
        It is not modified.
    step : float, keyword-only
        The perturbation ``h``, positive and finite. In float64, ``1e-6`` to
        ``1e-5`` balances the ``h**2`` truncation error against rounding.

    Returns
    -------
    numpy.ndarray
        float64 array shaped like ``logits``: entry ``i`` estimates
        ``d function / d logits[i]``.

    Examples
    --------
    >>> numeric_gradient(lambda z: float((z**2).sum()), [1.0, -2.0])
    array([ 2., -4.])
    """
    if not callable(function):
        raise TypeError(f"function must be callable (a scalar function of the logits), got {function!r}")
    step = _check_step(step)
    point = np.array(as_logits(logits), dtype=np.float64)  # a float64 copy: the caller's array stays as it was
    grad = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        up, down = point.copy(), point.copy()
        up[index] += step
        down[index] -= step
        grad[index] = (_scalar(function(up)) - _scalar(function(down))) / (2 * step)
    return grad


def _check_step(step) -> float:
    return check_real(step, "step", positive=True)


def _scalar(value) -> float:
    """The function's value as a float; an array of several values is a mistake, not a gradient."""
    array = np.asarray(value)
    if array.size != 1:
        raise ValueError(
            f"function must return a single number (reduce the loss first), got an array of shape {array.shape}"
        )
    return float(array.reshape(()))
