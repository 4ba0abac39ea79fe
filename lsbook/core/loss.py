r"""Label-smoothed cross-entropy and its gradient, in one pass over the logits.

Explained in chapter 1, section "The single-pass form"; its gradient is
derived in chapter 2, section "Step 2: the chain rule, and where
$\sum_k q_k = 1$ enters".
With the smoothed target ``q = a * onehot(c) + b`` (see :mod:`lsbook.core.targets`)
and class weights ``w`` (all ones when absent), the loss of one row is

    L = a * w_c * (lse(z) - z_c) + b * (sum(w) * lse(z) - sum_k w_k z_k),

and its gradient is ``(a * w_c + b * sum(w)) * p - a * w_c * onehot(c) - b * w``,
which is ``p - q`` without weights. No K-sized target is ever built.

Each row is shifted by its maximum first, ``s = z - max(z)``, and every term
is computed from ``s``: all of them are then non-negative and nothing
cancels, however large the logits. How the rows are walked over (cache-sized
blocks, threads for large inputs) is :mod:`lsbook.core._blocks`'s business.

The semantics follow ``torch.nn.functional.cross_entropy`` for the uniform
convention, with the class axis last instead of second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._blocks import for_each_block
from ._checks import (
    CONVENTIONS,
    REDUCTIONS,
    as_class_indices,
    as_class_weight,
    as_logits,
    as_probability_target,
    check_choice,
    check_epsilon,
    check_ignore_index,
    check_num_classes,
    working_dtype,
)
from .targets import target_coefficients

#: Floating-point warnings the loss silences: nan and inf logits are detected
#: and reported explicitly, and -inf (a masked class) is legitimate.
_QUIET = {"invalid": "ignore", "divide": "ignore", "over": "ignore"}


@dataclass
class ClassTargets:
    """Validated class-index targets and the options that go with them.

    Shared by :func:`cross_entropy` and the fused
    :func:`lsbook.sequence.linear_cross_entropy`, so both accept and reject
    exactly the same arguments.
    """

    labels: np.ndarray  # (N,) int64 class indices, ignored rows set to 0
    ignored: np.ndarray | None  # (N,) True where the target is ignore_index
    weight: np.ndarray | None  # (K,) float64 class weights
    a: float  # the smoothed target is a * onehot + b
    b: float
    reduction: str

    def kept_count(self) -> float:
        """What ``reduction="mean"`` divides by (PyTorch's rule): kept rows, or their summed weight."""
        kept = self.labels if self.ignored is None else self.labels[~self.ignored]
        return float(kept.size) if self.weight is None else float(self.weight[kept].sum())


def prepare_class_targets(
    target, batch_shape: tuple[int, ...], num_classes: int, *, label_smoothing, ignore_index, weight, reduction,
    convention,
) -> ClassTargets:
    """Check class-index targets and the loss options; flatten the targets to rows."""
    epsilon = check_epsilon(label_smoothing)
    reduction = check_choice(reduction, REDUCTIONS, "reduction")
    ignore_index = check_ignore_index(ignore_index)
    class_weight = as_class_weight(weight, num_classes)
    a, b = target_coefficients(num_classes, epsilon, convention=convention)
    labels = as_class_indices(target, batch_shape, num_classes, ignore_index).reshape(-1)
    ignored = None
    if ignore_index is not None:
        ignored = labels == ignore_index
        labels = np.where(ignored, 0, labels)
    return ClassTargets(labels, ignored, class_weight, a, b, reduction)


@dataclass
class _Batch:
    """Validated input, flattened to rows of K logits."""

    z: np.ndarray  # (N, K) logits
    labels: np.ndarray | None  # (N,) class indices, ignored rows set to 0
    probs: np.ndarray | None  # (N, K) probability targets
    ignored: np.ndarray | None  # (N,) True where the target is ignore_index
    weight: np.ndarray | None  # (K,) class weights
    a: float
    b: float
    batch_shape: tuple[int, ...]
    reduction: str

    @property
    def num_classes(self) -> int:
        return self.z.shape[1]

    def denominator(self) -> float:
        """What ``reduction="mean"`` divides by (PyTorch's rule)."""
        if self.probs is not None:
            return float(self.z.shape[0])
        kept = self.labels if self.ignored is None else self.labels[~self.ignored]
        return float(kept.size) if self.weight is None else float(self.weight[kept].sum())


def _prepare(logits, target, label_smoothing, ignore_index, weight, reduction, convention) -> _Batch:
    z = as_logits(logits)
    z = z.astype(working_dtype(z), copy=False)
    num_classes = check_num_classes(z.shape[-1], "logits.shape[-1] (the number of classes)")
    batch_shape = z.shape[:-1]
    rows = z.reshape(-1, num_classes)

    target_array = np.asarray(target)
    if target_array.shape == z.shape and target_array.dtype.kind == "f":
        epsilon = check_epsilon(label_smoothing)
        reduction = check_choice(reduction, REDUCTIONS, "reduction")
        if check_ignore_index(ignore_index) is not None:
            raise ValueError("ignore_index applies to class-index targets only, not to probability targets")
        if convention != "uniform":
            check_choice(convention, CONVENTIONS, "convention")
            raise ValueError('convention="others" applies to class-index targets only')
        class_weight = as_class_weight(weight, num_classes)
        a, b = target_coefficients(num_classes, epsilon, convention=convention)
        probs = as_probability_target(target_array.reshape(-1, num_classes))
        return _Batch(rows, None, probs, None, class_weight, a, b, batch_shape, reduction)

    targets = prepare_class_targets(
        target_array, batch_shape, num_classes, label_smoothing=label_smoothing, ignore_index=ignore_index,
        weight=weight, reduction=reduction, convention=convention,
    )
    return _Batch(rows, targets.labels, None, targets.ignored, targets.weight, targets.a, targets.b, batch_shape,
                  targets.reduction)


@dataclass
class _RowStats:
    """What one pass over the logits leaves behind: a few numbers per row.

    ``s = z - max(z)`` are the shifted logits of a row and ``t`` its
    unsmoothed target; everything else of the loss is computed from these.
    """

    peak: np.ndarray  # max_k z_k (logits dtype)
    sum_exp: np.ndarray  # sum_k exp(s_k) (logits dtype)
    s_weighted: np.ndarray | None  # sum_k w_k s_k, only needed when b != 0
    t_dot_s: np.ndarray | None  # sum_k w_k t_k s_k (float64), probability targets only

    @classmethod
    def empty(cls, batch: _Batch) -> _RowStats:
        num_rows, dtype = batch.z.shape[0], batch.z.dtype
        return cls(
            peak=np.empty(num_rows, dtype),
            sum_exp=np.empty(num_rows, dtype),
            s_weighted=None if batch.b == 0.0 else np.empty(num_rows, dtype),
            t_dot_s=None if batch.probs is None else np.empty(num_rows),
        )


def _check_peaks(peak: np.ndarray) -> None:
    """Reject nan and +inf logits: the row maxima reveal both (max propagates nan)."""
    top = peak.max() if peak.size else 0.0
    if np.isnan(top):
        raise ValueError("logits contain nan")
    if top == np.inf:
        raise ValueError("logits contain +inf; only -inf (a masked class) is allowed")


#: Rows shorter than this are maximised column by column (see :func:`_row_max`).
SHORT_ROW = 48


def _row_max(zb: np.ndarray, out: np.ndarray) -> None:
    """The maximum of every row of a block, into ``out``.

    NumPy reduces each row in its own inner loop, which costs more than the
    arithmetic when rows are short; for short rows the maximum over the
    transposed copy runs one vectorised loop across all rows instead
    (about five times faster at K = 10, see benchmarks/README.md).
    """
    if zb.shape[1] < SHORT_ROW:
        np.max(np.ascontiguousarray(zb.T), axis=0, out=out)
    else:
        np.max(zb, axis=1, out=out)


def _shift_block(zb: np.ndarray, peak: np.ndarray, out: np.ndarray) -> None:
    """Store the row maxima of ``zb`` in ``peak`` and ``zb - max`` in ``out``.

    The shifted entries are <= 0 (``-inf`` for masked classes); nan and +inf
    logits pass through, to be rejected by :func:`_check_peaks`.
    """
    _row_max(zb, peak)
    np.subtract(zb, peak[:, None], out=out)


def _row_sums(block: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The sum of every row of a block, in its dtype (a vectorised loop, faster than ``np.sum``)."""
    return np.einsum("ij->i", block, out=out)


def _block_stats(batch: _Batch, rows: slice, buffer: np.ndarray, stats: _RowStats) -> None:
    """Fill ``stats`` for the rows of one block, using ``buffer`` as scratch space."""
    shifted = buffer[: rows.stop - rows.start]
    _shift_block(batch.z[rows], stats.peak[rows], shifted)
    if stats.s_weighted is not None:
        if batch.weight is None:
            _row_sums(shifted, out=stats.s_weighted[rows])
        else:
            np.einsum("ij,j->i", shifted, batch.weight.astype(shifted.dtype), out=stats.s_weighted[rows])
    if stats.t_dot_s is not None:
        operands = (shifted, batch.probs[rows]) + (() if batch.weight is None else (batch.weight,))
        stats.t_dot_s[rows] = np.einsum("ij,ij->i" if batch.weight is None else "ij,ij,j->i", *operands)
    np.exp(shifted, out=shifted)
    _row_sums(shifted, out=stats.sum_exp[rows])


def _row_losses(batch: _Batch) -> np.ndarray:
    """float64 loss of every row; ignored rows are 0.

    One pass over the logits gathers a few numbers per row (:class:`_RowStats`);
    the loss is then a vectorised float64 formula over rows.
    """
    stats = _RowStats.empty(batch)
    for_each_block(
        batch.z.shape, batch.z.dtype, lambda rows, buffer: _block_stats(batch, rows, buffer, stats), need_buffer=True
    )
    _check_peaks(stats.peak)
    plain = batch.weight is None and batch.probs is None
    t_weight = 1.0 if plain else _target_weight(batch, slice(None))  # a scalar saves work on small inputs
    lse = np.log(stats.sum_exp, dtype=np.float64)  # logsumexp of the shifted logits, >= 0
    if batch.probs is None:  # the true class's shifted logit, exactly as the block held it
        t_dot_s = t_weight * (batch.z[np.arange(batch.z.shape[0]), batch.labels] - stats.peak)
    else:
        t_dot_s = stats.t_dot_s
    losses = np.zeros_like(lse)
    if batch.a != 0.0:  # a term with a zero coefficient stays out: 0 * inf would be nan
        losses += batch.a * (t_weight * lse - t_dot_s)
    if batch.b != 0.0:
        total_weight = batch.num_classes if batch.weight is None else batch.weight.sum()
        losses += batch.b * (total_weight * lse - stats.s_weighted)
    if batch.ignored is not None:
        losses[batch.ignored] = 0.0
    return losses


def cross_entropy(
    logits: ArrayLike,
    target: ArrayLike,
    *,
    label_smoothing: float = 0.0,
    ignore_index: int | None = None,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    convention: str = "uniform",
):
    """Label-smoothed cross-entropy between ``softmax(logits)`` and a target.

    Parameters
    ----------
    logits : array_like, shape (..., K)
        Unnormalised scores, class axis last. Pass logits, not probabilities.
        ``-inf`` marks a masked class; ``nan`` and ``+inf`` are errors.
    target : array_like
        Either class indices of shape ``logits.shape[:-1]`` (integers, or
        floats holding whole numbers), or a probability target of the same
        shape and a float dtype as ``logits``, each row summing to one.
    label_smoothing : float
        eps in [0, 1]. For class indices the target becomes
        ``(1 - eps) * onehot + eps / K``; a probability target ``t`` becomes
        ``(1 - eps) * t + eps / K``.
    ignore_index : int, optional
        Rows whose class index equals it contribute nothing, to the smoothing
        term too, and are left out of the mean. If every row is ignored, the
        mean is ``nan`` (0 / 0), as in PyTorch. Class-index targets only.
    weight : array_like, shape (K,), optional
        Non-negative class weights with PyTorch's semantics: the row loss is
        ``sum_k w_k q_k (-log p_k)`` and the mean divides by the sum of
        ``w[c]`` over the kept rows (by N for probability targets). With
        weights the optimum is no longer ``p = q`` (chapter 6).
    reduction : {"mean", "sum", "none"}
        ``"none"`` returns one loss per row, shape ``logits.shape[:-1]``.
    convention : {"uniform", "others"}
        ``"others"`` gives the true class ``1 - eps`` and every other class
        ``eps / (K - 1)``, as fairseq does. Class-index targets only.

    Returns
    -------
    numpy scalar or numpy.ndarray
        In the logits' float dtype (float32 stays float32); accumulations run
        in float64.

    Notes
    -----
    A ``-inf`` logit gives an infinite loss as soon as the target puts mass
    on that class, which smoothing always does when eps > 0.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.log([0.1, 0.2, 0.6, 0.1])
    >>> round(float(cross_entropy(z, 2, label_smoothing=0.1)), 4)
    0.6279
    """
    batch = _prepare(logits, target, label_smoothing, ignore_index, weight, reduction, convention)
    with np.errstate(**_QUIET):  # nan and inf are handled explicitly; one context per call is cheap
        losses = _row_losses(batch)
        dtype = batch.z.dtype
        if batch.reduction == "none":
            return losses.reshape(batch.batch_shape).astype(dtype)
        if batch.reduction == "sum":
            return dtype.type(losses.sum())
        return dtype.type(losses.sum() / batch.denominator())


def cross_entropy_grad(
    logits: ArrayLike,
    target: ArrayLike,
    *,
    label_smoothing: float = 0.0,
    ignore_index: int | None = None,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    convention: str = "uniform",
) -> np.ndarray:
    """Gradient of :func:`cross_entropy` with respect to ``logits``.

    Takes the same arguments. Returns an array shaped like ``logits``: the
    gradient of the reduced loss, or of the sum of the row losses for
    ``reduction="none"``. Without weights each row is ``(p - q) * scale``
    with ``scale`` 1, or 1 / (number of kept rows) for the mean. Ignored rows
    get zero gradient, and so does every row when all are ignored.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.log([0.1, 0.2, 0.6, 0.1])
    >>> cross_entropy_grad(z, 2, label_smoothing=0.1).round(3)
    array([ 0.075,  0.175, -0.325,  0.075])
    """
    batch = _prepare(logits, target, label_smoothing, ignore_index, weight, reduction, convention)
    scale = 1.0
    if batch.reduction == "mean":
        denominator = batch.denominator()
        scale = 1.0 / denominator if denominator > 0 else 0.0
    total_weight = batch.num_classes if batch.weight is None else batch.weight.sum()
    # Per row, the gradient is (a * w_t + b * sum(w)) * scale * p - a * scale * w * t - b * scale * w.
    p_factor = (batch.a * _target_weight(batch, slice(None)) + batch.b * total_weight) * scale
    peak = np.empty(batch.z.shape[0], batch.z.dtype)
    grad = np.empty(batch.z.shape, batch.z.dtype)  # (N, K)

    def work(rows: slice, _) -> None:
        _block_grad(batch, rows, grad[rows], peak[rows], p_factor, scale)

    with np.errstate(**_QUIET):
        for_each_block(batch.z.shape, batch.z.dtype, work, need_buffer=False)
    _check_peaks(peak)
    if batch.ignored is not None:
        grad[batch.ignored] = 0.0
    return grad.reshape(batch.batch_shape + (batch.num_classes,))


def _block_grad(batch: _Batch, rows: slice, out: np.ndarray, peak: np.ndarray, p_factor, scale: float) -> None:
    """Write the gradient of the rows of one block into ``out``, their maxima into ``peak``.

    ``out`` holds ``exp(s)`` first, then the scaled probabilities, then the
    gradient: no other block-sized array is needed.
    """
    _shift_block(batch.z[rows], peak, out)
    np.exp(out, out=out)
    out *= (p_factor[rows] / _row_sums(out)).astype(out.dtype)[:, None]
    if batch.b != 0.0:
        w = batch.weight
        out -= np.asarray(batch.b * scale if w is None else batch.b * scale * w, dtype=out.dtype)
    if batch.a != 0.0:
        _subtract_target(batch, rows, out, batch.a * scale)


def _target_weight(batch: _Batch, rows: slice) -> np.ndarray:
    """Per row ``sum_k w_k t_k``: the weight the target carries."""
    w = batch.weight
    if batch.probs is None:
        labels = batch.labels[rows]
        return np.ones(labels.shape[0]) if w is None else w[labels]
    tb = batch.probs[rows]
    return (tb.sum(axis=1) if w is None else tb @ w).astype(np.float64)


def _subtract_target(batch: _Batch, rows: slice, out: np.ndarray, factor: float) -> None:
    """``out -= factor * w * t`` for the rows of one block."""
    if batch.probs is None:
        labels = batch.labels[rows]
        w_true = _target_weight(batch, rows)
        out[np.arange(labels.shape[0]), labels] -= (factor * w_true).astype(out.dtype)
    else:
        w = batch.weight
        tb = batch.probs[rows]
        out -= (factor * tb if w is None else factor * tb * w).astype(out.dtype, copy=False)
