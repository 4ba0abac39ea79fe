"""Label-smoothed cross-entropy and its gradient, in one pass over the logits.

Explained in chapter 1, section "The single-pass form", derived in chapter 2
("The gradient, step by step") and taken to vocabulary scale in chapter 6.
With the smoothed target ``q = a * onehot(c) + b`` (see :mod:`lsbook.targets`)
and class weights ``w`` (all ones when absent), the loss of one row is

    L = a * w_c * (lse(z) - z_c) + b * (sum(w) * lse(z) - sum_k w_k z_k),

and its gradient is ``(a * w_c + b * sum(w)) * p - a * w_c * onehot(c) - b * w``,
which is ``p - q`` without weights. No K-sized target is ever built: the rows
are processed in blocks that fit in cache, so the loss alone needs only one
block-sized buffer however large the batch or the vocabulary.

The semantics follow ``torch.nn.functional.cross_entropy`` for the uniform
convention, with the class axis last instead of second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import (
    REDUCTIONS,
    as_class_indices,
    as_class_weight,
    as_logits,
    as_probability_target,
    check_choice,
    check_epsilon,
    check_ignore_index,
    check_num_classes,
)
from .targets import target_coefficients

#: Bytes of logits handled per block: small enough to stay in cache.
BLOCK_BYTES = 1 << 18


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

    def row_blocks(self):
        rows = max(1, BLOCK_BYTES // (self.num_classes * self.z.itemsize))
        for start in range(0, self.z.shape[0], rows):
            yield slice(start, min(start + rows, self.z.shape[0]))


def _prepare(logits, target, label_smoothing, ignore_index, weight, reduction, convention) -> _Batch:
    z = as_logits(logits)
    if z.dtype.itemsize < 4:
        z = z.astype(np.float32)  # half precision: compute in float32
    num_classes = check_num_classes(z.shape[-1], "logits.shape[-1] (the number of classes)")
    epsilon = check_epsilon(label_smoothing)
    reduction = check_choice(reduction, REDUCTIONS, "reduction")
    ignore_index = check_ignore_index(ignore_index)
    class_weight = as_class_weight(weight, num_classes)
    a, b = target_coefficients(num_classes, epsilon, convention)
    batch_shape = z.shape[:-1]
    rows = z.reshape(-1, num_classes)

    target_array = np.asarray(target)
    if target_array.shape == z.shape and np.issubdtype(target_array.dtype, np.floating):
        if ignore_index is not None:
            raise ValueError("ignore_index applies to class-index targets only, not to probability targets")
        if convention != "uniform":
            raise ValueError('convention="others" applies to class-index targets only')
        probs = as_probability_target(target_array.reshape(-1, num_classes))
        return _Batch(rows, None, probs, None, class_weight, a, b, batch_shape, reduction)

    labels = as_class_indices(target_array, batch_shape, num_classes, ignore_index).reshape(-1)
    ignored = None
    if ignore_index is not None:
        ignored = labels == ignore_index
        labels = np.where(ignored, 0, labels)
    return _Batch(rows, labels, None, ignored, class_weight, a, b, batch_shape, reduction)


def _shift_block(zb: np.ndarray, buffer: np.ndarray) -> None:
    """Fill ``buffer`` with ``zb - max``: entries <= 0, ``-inf`` for masked classes."""
    peak = zb.max(axis=1)
    if np.isnan(peak).any():
        raise ValueError("logits contain nan")
    if np.isposinf(peak).any():
        raise ValueError("logits contain +inf; only -inf (a masked class) is allowed")
    with np.errstate(invalid="ignore"):
        np.subtract(zb, peak[:, None], out=buffer)


def _exp_block(zb: np.ndarray, buffer: np.ndarray) -> np.ndarray:
    """Fill ``buffer`` with ``exp(zb - max)``; return the row sums of exps."""
    _shift_block(zb, buffer)
    np.exp(buffer, out=buffer)
    return buffer.sum(axis=1)


def _target_terms(batch: _Batch, rows: slice, shifted: np.ndarray):
    """Per row: sum_k w_k t_k, sum_k w_k t_k s_k, and sum_k w_k s_k (float64).

    ``t`` is the unsmoothed target (one-hot for class indices) and ``s`` the
    shifted logits ``z - max(z)``: working with ``s``, every term of the loss
    is non-negative and nothing cancels, however large the logits are.
    """
    w = batch.weight
    t_weight = _target_weight(batch, rows)
    with np.errstate(invalid="ignore"):
        if batch.probs is None:
            labels = batch.labels[rows]
            t_dot_s = t_weight * shifted[np.arange(shifted.shape[0]), labels]
        elif w is None:
            t_dot_s = np.einsum("ij,ij->i", shifted, batch.probs[rows]).astype(np.float64)
        else:
            t_dot_s = np.einsum("ij,ij,j->i", shifted, batch.probs[rows], w).astype(np.float64)
        if batch.b == 0.0:
            s_weighted = np.zeros(shifted.shape[0])
        else:
            s_weighted = (shifted.sum(axis=1) if w is None else shifted @ w.astype(shifted.dtype)).astype(np.float64)
    return t_weight, t_dot_s, s_weighted


def _row_losses(batch: _Batch) -> np.ndarray:
    """float64 loss of every row; ignored rows are 0."""
    total_weight = batch.num_classes if batch.weight is None else batch.weight.sum()
    losses = np.empty(batch.z.shape[0], dtype=np.float64)
    buffer = None
    for rows in batch.row_blocks():
        zb = batch.z[rows]
        if buffer is None or buffer.shape[0] != zb.shape[0]:
            buffer = np.empty_like(zb)
        _shift_block(zb, buffer)
        t_weight, t_dot_s, s_weighted = _target_terms(batch, rows, buffer)
        np.exp(buffer, out=buffer)
        with np.errstate(invalid="ignore", divide="ignore"):
            lse = np.log(buffer.sum(axis=1).astype(np.float64))  # logsumexp of the shifted logits, >= 0
            loss = np.zeros_like(lse)
            if batch.a != 0.0:
                loss += batch.a * (t_weight * lse - t_dot_s)
            if batch.b != 0.0:
                loss += batch.b * (total_weight * lse - s_weighted)
        losses[rows] = loss
    if batch.ignored is not None:
        losses[batch.ignored] = 0.0
    return losses


def _result_dtype(logits) -> np.dtype:
    z = np.asarray(logits)
    if not np.issubdtype(z.dtype, np.floating):
        return np.dtype(np.float64)
    return np.dtype(np.float32) if z.dtype.itemsize < 4 else z.dtype


def cross_entropy(
    logits,
    target,
    *,
    label_smoothing: float = 0.0,
    ignore_index: int | None = None,
    weight=None,
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
    losses = _row_losses(batch)
    dtype = _result_dtype(logits)
    if batch.reduction == "none":
        return losses.reshape(batch.batch_shape).astype(dtype)
    if batch.reduction == "sum":
        return dtype.type(losses.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return dtype.type(losses.sum() / batch.denominator())


def cross_entropy_grad(
    logits,
    target,
    *,
    label_smoothing: float = 0.0,
    ignore_index: int | None = None,
    weight=None,
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
    a, b, w = batch.a, batch.b, batch.weight
    total_weight = batch.num_classes if w is None else w.sum()
    scale = 1.0
    if batch.reduction == "mean":
        denominator = batch.denominator()
        scale = 1.0 / denominator if denominator > 0 else 0.0
    grad = np.empty(batch.z.shape, dtype=_result_dtype(logits))  # (N, K)
    buffer = None
    for rows in batch.row_blocks():
        zb = batch.z[rows]
        if buffer is None or buffer.shape[0] != zb.shape[0]:
            buffer = np.empty_like(zb)
        sum_exp = _exp_block(zb, buffer)
        with np.errstate(invalid="ignore", divide="ignore"):
            t_weight = _target_weight(batch, rows)
            p_coefficient = (a * t_weight + b * total_weight) * scale / sum_exp.astype(np.float64)
            out = grad[rows]
            np.multiply(buffer, p_coefficient.astype(buffer.dtype)[:, None], out=out)
            out -= np.asarray(b * scale if w is None else b * scale * w, dtype=out.dtype)
            if a != 0.0:
                _subtract_target(batch, rows, out, a * scale)
    if batch.ignored is not None:
        grad[batch.ignored] = 0.0
    return grad.reshape(batch.batch_shape + (batch.num_classes,))


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
