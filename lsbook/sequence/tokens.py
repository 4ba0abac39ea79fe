"""Sequence utilities: padded batches, shifted decoder targets, and what is logged.

Explained in chapter 6, sections "A padded batch" and "What to log next to
the smoothed loss". A batch of token sequences is a ``(B, T)`` integer array
padded with ``pad_index``; the logits of a decoder are ``(B, T, V)``, class
axis last, as everywhere in :mod:`lsbook`. Padding positions are left out of
every quantity here, both from the sums and from the counts they are divided by.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike

from ..core._checks import as_logits, check_ignore_index, check_integer
from ..core.loss import cross_entropy
from ..core.targets import target_coefficients


def pad_batch(
    sequences: Iterable[ArrayLike], pad_index: int = 0, *, bos: int | None = None, eos: int | None = None
) -> np.ndarray:
    """Stack token sequences of different lengths into a ``(B, T)`` int64 array.

    Each sequence gets ``bos`` in front and ``eos`` at the end when given, and
    is filled up to the longest with ``pad_index``.

    Examples
    --------
    >>> pad_batch([[5, 6, 7], [8]], pad_index=0, bos=1, eos=2)
    array([[1, 5, 6, 7, 2],
           [1, 8, 2, 0, 0]])
    """
    pad_index = _token(pad_index, "pad_index")
    extra = [_token(bos, "bos")] if bos is not None else []
    closing = [_token(eos, "eos")] if eos is not None else []
    rows = [extra + [_token(t, "sequences") for t in seq] + closing for seq in sequences]
    if not rows:
        raise ValueError("sequences must hold at least one sequence")
    batch = np.full((len(rows), max(map(len, rows))), pad_index, dtype=np.int64)
    for i, row in enumerate(rows):
        batch[i, : len(row)] = row
    return batch


def shift_targets(tokens: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Decoder inputs and targets of a ``(B, T)`` batch: ``tokens[:, :-1]`` and ``tokens[:, 1:]``.

    The decoder reads position t and is trained to predict token t + 1: it
    reads BOS and predicts the first word, ..., reads the last word and
    predicts EOS. Padding in the targets stays padding, to be ignored.

    Examples
    --------
    >>> inputs, targets = shift_targets([[1, 5, 6, 2, 0]])
    >>> inputs, targets
    (array([[1, 5, 6, 2]]), array([[5, 6, 2, 0]]))
    """
    batch = np.asarray(tokens)
    if batch.ndim != 2 or not np.issubdtype(batch.dtype, np.integer):
        raise ValueError(
            f"tokens must be a (B, T) array of integer token ids, got dtype {batch.dtype}, shape {batch.shape}"
        )
    if batch.shape[1] < 2:
        raise ValueError(f"tokens need at least two positions to shift, got T = {batch.shape[1]}")
    return batch[:, :-1], batch[:, 1:]


def token_accuracy(logits: ArrayLike, target: ArrayLike, *, ignore_index: int | None = None) -> float:
    """The fraction of kept positions whose highest logit is the target token.

    Measured against the hard targets, never the smoothed ones; ``nan`` when
    every position is ignored.
    """
    z = as_logits(logits)
    labels = np.asarray(target)
    if labels.shape != z.shape[:-1]:
        raise ValueError(
            f"target must have shape {z.shape[:-1]} (the logits' shape without the class axis), got {labels.shape}"
        )
    ignore_index = check_ignore_index(ignore_index)
    kept = np.ones(labels.shape, dtype=bool) if ignore_index is None else labels != ignore_index
    if not kept.any():
        return math.nan
    return float(np.mean(z.argmax(axis=-1)[kept] == labels[kept]))


def perplexity(logits: ArrayLike, target: ArrayLike, *, ignore_index: int | None = None) -> float:
    """``exp`` of the unsmoothed mean negative log-likelihood over the kept tokens.

    Always from the unsmoothed loss: the smoothed loss includes the smoothing
    term and would report a perplexity the model does not have.
    """
    nll = cross_entropy(logits, target, ignore_index=ignore_index)
    return float(np.exp(np.float64(nll)))


def smoothed_loss_floor(num_classes: int, label_smoothing: float, *, convention: str = "uniform") -> float:
    """The entropy ``H(q)`` of the smoothed target: the least the smoothed loss can be.

    It is reached when ``p = q``; with ``0 log 0 = 0``, so the floor is 0
    for eps = 0.

    Examples
    --------
    >>> round(smoothed_loss_floor(4, 0.1), 4)
    0.3488
    """
    a, b = target_coefficients(num_classes, label_smoothing, convention=convention)
    terms = [(a + b, 1), (b, num_classes - 1)]
    return float(-sum(count * value * math.log(value) for value, count in terms if value > 0))


def _token(value, name: str) -> int:
    return check_integer(value, name)
