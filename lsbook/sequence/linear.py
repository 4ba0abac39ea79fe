r"""Fused linear cross-entropy: the loss of a linear output layer without its logits.

Explained in chapter 6, section "The logits are never built". A decoder's
last layer turns hidden states ``h`` (N, D) into logits
``z = h @ projection.T + bias`` (N, V). At V = 32000 those logits, and their
gradient, are the largest arrays of a training step, yet the loss needs only
three numbers per row: the log-sum-exp of the row, its true-class logit and
(for smoothing) its weighted sum. So the logits are computed a tile at a time
(a block of rows against a chunk of the vocabulary), those numbers are
gathered from each tile, and the tile is thrown away. The log-sum-exp is
accumulated across chunks *online*: a running maximum ``m`` and a running
``s = sum exp(z - m)``, rescaled by ``exp(m_old - m_new)`` whenever a chunk
raises the maximum.

The gradient needs the probabilities, hence the row's log-sum-exp, before any
tile's contribution can be formed: a row block first walks the vocabulary to
find it, then walks it again, recomputing each tile, turning it into
``dL/dz`` in place and multiplying it into the gradients of ``hidden``,
``projection`` and ``bias``. When a whole row block fits in one tile the
first walk's logits are kept and nothing is recomputed.

The semantics, the arguments and the errors are those of
:func:`lsbook.cross_entropy` for class-index targets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..core._checks import check_num_classes, working_dtype
from ..core.loss import ClassTargets, prepare_class_targets

#: Bytes of logits in one tile (a block of rows against a chunk of the
#: vocabulary). Each tile costs one matrix product per walk, and every product
#: hands work to BLAS's threads and waits for them: tiles must be large enough
#: that this hand-off is rare, small against the logits the function avoids.
#: Chosen from the benchmark (benchmarks/README.md).
TILE_BYTES = 1 << 22

#: Rows per block at most: wider blocks help the matrix products only up to a point.
MAX_BLOCK_ROWS = 256

#: The gradient keeps a block's tiles between its two walks over the
#: vocabulary, instead of recomputing them, when they fit in this many bytes
#: with at least :data:`MIN_KEPT_ROWS` rows (small vocabularies); otherwise
#: it recomputes each tile, which costs a fourth matrix product but no memory.
KEPT_BYTES = 1 << 23
MIN_KEPT_ROWS = 128

#: Bytes of the temporary ``G_tile.T @ hidden`` that the gradient adds into
#: the projection's gradient: it bounds the tile's width in the gradient.
PRODUCT_BYTES = 1 << 22


@dataclass
class _Problem:
    """Validated input: the kept rows of ``hidden``, the layer and the targets."""

    hidden: np.ndarray  # (M, D) the rows whose target is not ignored
    projection: np.ndarray  # (V, D)
    bias: np.ndarray | None  # (V,)
    kept: np.ndarray | None  # (N,) True for the rows in ``hidden``; None when all are kept
    targets: ClassTargets  # labels of the kept rows only
    batch_shape: tuple[int, ...]
    num_rows: int  # N, all rows

    @property
    def vocab(self) -> int:
        return self.projection.shape[0]


def _as_real_array(value, name: str) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    return array


def _prepare(hidden, projection, target, bias, options) -> _Problem:
    h = _as_real_array(hidden, "hidden")
    w = _as_real_array(projection, "projection")
    if h.ndim < 1:
        raise ValueError("hidden must have a feature axis (shape (..., D)), got a scalar")
    if w.ndim != 2 or w.shape[1] != h.shape[-1]:
        raise ValueError(
            f"projection must have shape (V, D) with D = hidden.shape[-1] = {h.shape[-1]}, "
            f"as a linear layer's weight; got {w.shape}"
        )
    vocab = check_num_classes(w.shape[0], "projection.shape[0] (the vocabulary size V)")
    arrays = [h, w]
    if bias is not None:
        bias = _as_real_array(bias, "bias")
        if bias.shape != (vocab,):
            raise ValueError(f"bias must have shape ({vocab},), one entry per row of projection; got {bias.shape}")
        arrays.append(bias)
    dtype = working_dtype(np.empty(0, np.result_type(*arrays, np.float16)))
    h = np.ascontiguousarray(h.reshape(-1, h.shape[-1]), dtype=dtype)
    w = np.ascontiguousarray(w, dtype=dtype)
    _check_finite(h, "hidden")
    _check_finite(w, "projection")
    if bias is not None:
        bias = np.ascontiguousarray(bias, dtype=dtype)
        if np.isnan(bias).any() or np.isposinf(bias).any():
            raise ValueError("bias contains nan or +inf; only -inf (a masked class) is allowed")
    batch_shape = np.shape(hidden)[:-1]
    targets = prepare_class_targets(target, batch_shape, vocab, **options)
    kept = None
    if targets.ignored is not None and targets.ignored.any():
        kept = ~targets.ignored
        h = h[kept]
        targets = ClassTargets(targets.labels[kept], None, targets.weight, targets.a, targets.b, targets.reduction)
    return _Problem(h, w, bias, kept, targets, batch_shape, int(np.prod(batch_shape, dtype=np.int64)))


def _check_finite(array: np.ndarray, name: str) -> None:
    # The sum reveals nan and inf without a full-size temporary.
    if array.size and not np.isfinite(array.sum(dtype=np.float64)):
        raise ValueError(f"{name} must hold finite numbers (no nan or inf)")


def _columns_per_tile(rows: int, vocab: int, itemsize: int) -> int:
    return max(1, min(vocab, TILE_BYTES // (rows * itemsize)))


def _tile(problem: _Problem, rows: slice, columns: slice, out: np.ndarray) -> np.ndarray:
    """The logits of one tile, ``hidden[rows] @ projection[columns].T + bias[columns]``, in ``out``.

    ``out`` is flat scratch space; the tile is written to its start as a
    C-contiguous (rows, columns) array, which the matrix products need to run fast.
    """
    h = problem.hidden[rows]
    w = problem.projection[columns]
    z = out[: h.shape[0] * w.shape[0]].reshape(h.shape[0], w.shape[0])
    np.matmul(h, w.T, out=z)
    if problem.bias is not None:
        z += problem.bias[columns]
    return z


@dataclass
class _RowAccumulator:
    """What one walk over the vocabulary keeps per row: the online log-sum-exp and two sums."""

    peak: np.ndarray  # running maximum m (float64)
    scaled_sum: np.ndarray  # running sum of exp(z - m) (float64)
    weighted_sum: np.ndarray | None  # sum_k w_k z_k (float64), only when b != 0
    true_logit: np.ndarray  # z_c (float64)

    @classmethod
    def empty(cls, num_rows: int, with_weighted_sum: bool) -> _RowAccumulator:
        return cls(
            peak=np.full(num_rows, -np.inf),
            scaled_sum=np.zeros(num_rows),
            weighted_sum=np.zeros(num_rows) if with_weighted_sum else None,
            true_logit=np.zeros(num_rows),
        )

    def add_tile(self, z: np.ndarray, first: int, labels: np.ndarray, weight: np.ndarray | None) -> np.ndarray:
        """Fold the tile ``z`` (its columns start at vocabulary entry ``first``) into the running numbers.

        Leaves ``exp(z - shift)`` in ``z`` and returns ``shift``, the running
        maximum of each row after this tile (0 for rows masked so far).
        """
        new_peak = np.maximum(self.peak, z.max(axis=1))
        with np.errstate(invalid="ignore"):  # -inf - -inf for rows masked so far
            self.scaled_sum *= np.where(np.isneginf(new_peak), 0.0, np.exp(self.peak - new_peak))
        self.peak = new_peak
        if self.weighted_sum is not None:
            with np.errstate(invalid="ignore"):  # 0 * -inf for a masked class of weight 0
                if weight is None:
                    self.weighted_sum += np.einsum("ij->i", z)
                else:
                    self.weighted_sum += z @ weight[first : first + z.shape[1]].astype(z.dtype)
        inside = (labels >= first) & (labels < first + z.shape[1])
        self.true_logit[inside] = z[inside, labels[inside] - first]
        shift = np.where(np.isneginf(new_peak), 0.0, new_peak)
        z -= shift.astype(z.dtype)[:, None]
        np.exp(z, out=z)
        self.scaled_sum += np.einsum("ij->i", z)
        return shift

    def logsumexp(self) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return self.peak + np.log(self.scaled_sum)


def _row_losses(targets: ClassTargets, vocab: int, acc: _RowAccumulator) -> np.ndarray:
    """float64 loss of every row of a block, from the accumulated numbers (the formula of ``cross_entropy``)."""
    lse = acc.logsumexp()
    w_true = np.ones_like(lse) if targets.weight is None else targets.weight[targets.labels]
    losses = np.zeros_like(lse)
    with np.errstate(invalid="ignore"):
        if targets.a != 0.0:  # a term with a zero coefficient stays out: 0 * inf would be nan
            losses += targets.a * w_true * (lse - acc.true_logit)
        if targets.b != 0.0:
            total_weight = vocab if targets.weight is None else targets.weight.sum()
            losses += targets.b * (total_weight * lse - acc.weighted_sum)
    return losses


def _block_targets(targets: ClassTargets, rows: slice) -> ClassTargets:
    return ClassTargets(targets.labels[rows], None, targets.weight, targets.a, targets.b, targets.reduction)


def _all_row_losses(problem: _Problem) -> np.ndarray:
    """float64 loss of every kept row: each block of rows walks the vocabulary once, a tile at a time."""
    num_rows = problem.hidden.shape[0]
    losses = np.zeros(num_rows)
    if num_rows == 0:
        return losses
    block = min(num_rows, MAX_BLOCK_ROWS)
    columns = _columns_per_tile(block, problem.vocab, problem.hidden.itemsize)
    buffer = np.empty(block * columns, problem.hidden.dtype)
    for start in range(0, num_rows, block):
        rows = slice(start, min(start + block, num_rows))
        targets = _block_targets(problem.targets, rows)
        acc = _RowAccumulator.empty(rows.stop - rows.start, targets.b != 0.0)
        for first in range(0, problem.vocab, columns):
            z = _tile(problem, rows, slice(first, first + columns), buffer)
            acc.add_tile(z, first, targets.labels, targets.weight)
        losses[rows] = _row_losses(targets, problem.vocab, acc)
    return losses


def _options(label_smoothing, ignore_index, weight, reduction, convention) -> dict:
    return {
        "label_smoothing": label_smoothing,
        "ignore_index": ignore_index,
        "weight": weight,
        "reduction": reduction,
        "convention": convention,
    }


def linear_cross_entropy(
    hidden: ArrayLike,
    projection: ArrayLike,
    target: ArrayLike,
    *,
    bias: ArrayLike | None = None,
    label_smoothing: float = 0.0,
    ignore_index: int | None = None,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    convention: str = "uniform",
):
    """Label-smoothed cross-entropy of a linear layer's output, without building its logits.

    Equals ``cross_entropy(hidden @ projection.T + bias, target, ...)`` with
    the same keyword arguments, but computes the logits a tile at a time, so
    no (N, V) array exists at any moment.

    Parameters
    ----------
    hidden : array_like, shape (..., D)
        The hidden states feeding the output layer, finite.
    projection : array_like, shape (V, D)
        The output layer's weight, as stored by a linear layer (one row per
        vocabulary entry), finite.
    target : array_like of int, shape ``hidden.shape[:-1]``
        Class indices in ``[0, V)`` (or ``ignore_index``). Probability targets
        are not accepted: they would be as large as the logits.
    bias : array_like, shape (V,), optional
        The output layer's bias; ``-inf`` masks a vocabulary entry.
    label_smoothing, ignore_index, weight, reduction, convention
        As in :func:`lsbook.cross_entropy`.

    Returns
    -------
    numpy scalar or numpy.ndarray
        In the working float dtype of the inputs (float32 stays float32);
        accumulations run in float64.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> h, w = rng.normal(size=(5, 3)), rng.normal(size=(7, 3))
    >>> y = np.array([0, 6, 2, 2, 1])
    >>> from lsbook import cross_entropy
    >>> fused = linear_cross_entropy(h, w, y, label_smoothing=0.1)
    >>> bool(np.isclose(fused, cross_entropy(h @ w.T, y, label_smoothing=0.1)))
    True
    """
    options = _options(label_smoothing, ignore_index, weight, reduction, convention)
    problem = _prepare(hidden, projection, target, bias, options)
    kept_losses = _all_row_losses(problem)
    dtype = problem.hidden.dtype
    t = problem.targets
    if t.reduction == "none":
        losses = np.zeros(problem.num_rows)
        if problem.kept is None:
            losses[:] = kept_losses
        else:
            losses[problem.kept] = kept_losses
        return losses.reshape(problem.batch_shape).astype(dtype)
    if t.reduction == "sum":
        return dtype.type(kept_losses.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return dtype.type(kept_losses.sum() / t.kept_count())


def linear_cross_entropy_grad(
    hidden: ArrayLike,
    projection: ArrayLike,
    target: ArrayLike,
    *,
    bias: ArrayLike | None = None,
    label_smoothing: float = 0.0,
    ignore_index: int | None = None,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    convention: str = "uniform",
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Gradients of :func:`linear_cross_entropy` with respect to ``hidden``, ``projection`` and ``bias``.

    Takes the same arguments. With ``G = dL/dz`` the gradient of the loss
    with respect to the logits (what :func:`lsbook.cross_entropy_grad`
    returns), the results are ``G @ projection``, ``G.T @ hidden`` and
    ``G.sum(axis=0)``, computed a tile of ``G`` at a time. For
    ``reduction="none"`` they are the gradients of the sum of the row losses.

    Returns
    -------
    tuple
        ``(grad_hidden, grad_projection, grad_bias)``, shaped like ``hidden``,
        ``projection`` and ``bias``; ``grad_bias`` is ``None`` without a bias.
    """
    options = _options(label_smoothing, ignore_index, weight, reduction, convention)
    problem = _prepare(hidden, projection, target, bias, options)
    dtype = problem.hidden.dtype
    grads = _Gradients(
        hidden=np.zeros_like(problem.hidden),
        projection=np.zeros_like(problem.projection),
        bias=None if problem.bias is None else np.zeros(problem.vocab, dtype),
    )
    scale = _gradient_scale(problem.targets)
    num_rows = problem.hidden.shape[0]
    if num_rows and scale != 0.0:
        plan = _GradientPlan.for_problem(problem)
        for start in range(0, num_rows, plan.rows):
            _block_gradient(problem, slice(start, min(start + plan.rows, num_rows)), plan, scale, grads)
    grad_hidden = grads.hidden
    if problem.kept is not None:
        grad_hidden = np.zeros((problem.num_rows, problem.hidden.shape[1]), dtype)
        grad_hidden[problem.kept] = grads.hidden
    return grad_hidden.reshape(np.shape(hidden)), grads.projection, grads.bias


@dataclass
class _Gradients:
    hidden: np.ndarray  # (M, D), kept rows only
    projection: np.ndarray  # (V, D)
    bias: np.ndarray | None  # (V,)


@dataclass
class _GradientPlan:
    """How the gradient walks the problem: rows per block, columns per tile, and its scratch space."""

    rows: int
    columns: int
    keep_tiles: bool  # keep a block's tiles between its two walks instead of recomputing them
    tiles: np.ndarray  # flat scratch: room for every tile of a block when kept, else for one
    product: np.ndarray  # (columns, D) scratch for one tile's G.T @ hidden

    @classmethod
    def for_problem(cls, problem: _Problem) -> _GradientPlan:
        num_rows, width = problem.hidden.shape
        itemsize, vocab = problem.hidden.itemsize, problem.vocab
        rows = min(num_rows, MAX_BLOCK_ROWS, KEPT_BYTES // (vocab * itemsize))
        keep_tiles = rows >= min(num_rows, MIN_KEPT_ROWS)
        if not keep_tiles:
            rows = min(num_rows, MAX_BLOCK_ROWS)
        columns = min(_columns_per_tile(rows, vocab, itemsize), max(1, PRODUCT_BYTES // (width * itemsize)))
        num_tiles = -(-vocab // columns) if keep_tiles else 1
        tiles = np.empty(num_tiles * rows * columns, problem.hidden.dtype)
        return cls(rows, columns, keep_tiles, tiles, np.empty((columns, width), problem.hidden.dtype))


def _gradient_scale(targets: ClassTargets) -> float:
    """1 for sums, 1 / (what the mean divides by) for the mean; 0 when every row is ignored."""
    if targets.reduction != "mean":
        return 1.0
    count = targets.kept_count()
    return 1.0 / count if count > 0 else 0.0


def _block_gradient(problem: _Problem, rows: slice, plan: _GradientPlan, scale: float, grads: _Gradients) -> None:
    """Add one block of rows' contribution to the three gradients.

    First walk: the online log-sum-exp of every row, each tile left as
    ``exp(z - shift)``. Second walk: each tile becomes ``dL/dz`` (a rescaling
    when the tiles were kept, else recomputed) and is multiplied into the
    gradients.
    """
    t = _block_targets(problem.targets, rows)
    num_rows = rows.stop - rows.start
    firsts = range(0, problem.vocab, plan.columns)

    def tile(index: int, first: int) -> np.ndarray:
        out = plan.tiles[index * num_rows * plan.columns :] if plan.keep_tiles else plan.tiles
        return _tile(problem, rows, slice(first, first + plan.columns), out)

    acc = _RowAccumulator.empty(num_rows, with_weighted_sum=False)
    shifts = [acc.add_tile(tile(index, first), first, t.labels, None) for index, first in enumerate(firsts)]
    lse = acc.logsumexp()
    w_true = np.ones_like(lse) if t.weight is None else t.weight[t.labels]
    total_weight = problem.vocab if t.weight is None else t.weight.sum()
    # Per row, dL/dz = p_factor * p - scale * (a * w_c * onehot(c) + b * w), with p = exp(z - lse).
    p_factor = (t.a * w_true + t.b * total_weight) * scale
    h = problem.hidden[rows]
    for index, first in enumerate(firsts):
        chunk = slice(first, first + plan.columns)
        width = min(plan.columns, problem.vocab - first)
        if plan.keep_tiles:  # exp(z - shift) from the first walk
            g = plan.tiles[index * num_rows * plan.columns :][: num_rows * width].reshape(num_rows, width)
            g *= (p_factor * np.exp(shifts[index] - lse)).astype(g.dtype)[:, None]
        else:
            g = tile(index, first)
            g -= lse.astype(g.dtype)[:, None]
            np.exp(g, out=g)
            g *= p_factor.astype(g.dtype)[:, None]
        _subtract_target(g, first, w_true, t, scale)
        grads.hidden[rows] += g @ problem.projection[chunk]
        product = plan.product[:width]
        np.matmul(g.T, h, out=product)
        grads.projection[chunk] += product
        if grads.bias is not None:
            grads.bias[chunk] += np.einsum("ij->j", g)


def _subtract_target(g: np.ndarray, first: int, w_true: np.ndarray, t: ClassTargets, scale: float) -> None:
    """``g -= scale * (a * w_c * onehot(c) + b * w)`` for the columns of one tile."""
    if t.b != 0.0:
        w = 1.0 if t.weight is None else t.weight[first : first + g.shape[1]]
        g -= np.asarray(t.b * scale * w, dtype=g.dtype)
    if t.a != 0.0:
        labels = t.labels
        inside = (labels >= first) & (labels < first + g.shape[1])
        g[inside, labels[inside] - first] -= (t.a * scale * w_true[inside]).astype(g.dtype)
