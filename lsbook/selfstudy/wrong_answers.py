"""Typical wrong answers that several chapters' checks need, computed the wrong way with :mod:`lsbook`.

A check recognises a mistake by computing what the mistake gives: the
target of the other convention, the overwritten true class, a loss fed
probabilities, a sum instead of the mean. Each is built here once, from
lsbook's own functions, and paired with its message from
:mod:`lsbook.selfstudy.mistakes`; a wrong method only one exercise needs
stays in that chapter's module.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from ..core.loss import cross_entropy, cross_entropy_grad
from ..core.softmax import log_softmax, softmax
from ..core.targets import smooth_labels
from . import mistakes as say
from .compare import close

# Targets ---------------------------------------------------------------------------------------


def one_hot(target: ArrayLike, num_classes: int) -> np.ndarray:
    """The hard target: no smoothing at all."""
    return smooth_labels(target, num_classes, 0.0)


def others_target(target: ArrayLike, num_classes: int, label_smoothing: float) -> np.ndarray:
    """The target of the other convention (fairseq's): eps/(K-1) on each wrong class."""
    return smooth_labels(target, num_classes, label_smoothing, convention="others")


def overwritten_target(target: ArrayLike, num_classes: int, label_smoothing: float) -> np.ndarray:
    """The overwrite slip: fill with eps/K, then set the true class to 1 - eps instead of adding it."""
    share = label_smoothing / num_classes
    return smooth_labels(target, num_classes, label_smoothing) - share * one_hot(target, num_classes)


# Losses ------------------------------------------------------------------------------------------


def _loss_with_target(target_of: Callable) -> Callable:
    """A mean loss ``f(logits, target, label_smoothing)`` against any (possibly wrong) target."""

    def loss(logits, target, label_smoothing):
        log_p = log_softmax(np.asarray(logits, dtype=float))
        q = target_of(target, log_p.shape[-1], label_smoothing)
        return float(-(q * log_p).sum(axis=-1).mean())

    return loss


def _overflowing_loss(logits, target, label_smoothing):
    z = np.asarray(logits, dtype=float)
    with np.errstate(all="ignore"):
        log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))  # exp before subtracting the maximum
    return float(-(smooth_labels(target, z.shape[-1], label_smoothing) * log_p).sum(axis=-1).mean())


def _log_of_logits(logits, target, label_smoothing):
    z = np.asarray(logits, dtype=float)
    with np.errstate(all="ignore"):
        return float(-(smooth_labels(target, z.shape[-1], label_smoothing) * np.log(z)).sum(axis=-1).mean())


def loss_slips() -> list[tuple[str, Callable]]:
    """``mistakes=`` for :func:`~lsbook.selfstudy.compare.check_function` of a mean smoothed loss.

    Each pair is the catalogue's message and the wrong loss
    ``f(logits, target, label_smoothing)`` that mistake computes, most
    specific first. An exercise whose function has another signature adapts
    them with a one-line wrapper.
    """
    return [
        (say.WRONG_CONVENTION, lambda z, y, e: cross_entropy(z, y, label_smoothing=e, convention="others")),
        (say.OVERWRITTEN_TRUE_CLASS, _loss_with_target(overwritten_target)),
        (say.SOFTMAX_TWICE, lambda z, y, e: cross_entropy(softmax(z), y, label_smoothing=e)),
        (say.OVERFLOW, _overflowing_loss),  # before the log of the logits: both give nan on large logits
        (say.LOGITS_AS_PROBABILITIES, _log_of_logits),
        (say.FORGOT_THE_MEAN, lambda z, y, e: cross_entropy(z, y, label_smoothing=e, reduction="sum")),
        (say.NO_SMOOTHING, lambda z, y, e: cross_entropy(z, y)),
    ]


def _gradient_with_target(target_of: Callable) -> Callable:
    """The gradient of the mean loss, ``(softmax(z) - q) / N``, against any (possibly wrong) target."""

    def gradient(logits, target, label_smoothing):
        z = np.asarray(logits, dtype=float)
        return (softmax(z) - target_of(target, z.shape[-1], label_smoothing)) / z.shape[0]

    return gradient


def gradient_slips() -> list[tuple[str, Callable]]:
    """``mistakes=`` for :func:`~lsbook.selfstudy.compare.check_function` of the gradient of the mean loss.

    Like :func:`loss_slips`, for ``f(logits, target, label_smoothing)`` of
    shape (N, K). A flipped sign needs no entry: the engine recognises it.
    """

    def logits_as_probabilities(logits, target, label_smoothing):
        z = np.asarray(logits, dtype=float)
        return (z - smooth_labels(target, z.shape[-1], label_smoothing)) / z.shape[0]

    return [
        (say.WRONG_CONVENTION, _gradient_with_target(others_target)),
        (say.OVERWRITTEN_TRUE_CLASS, _gradient_with_target(overwritten_target)),
        (say.LOGITS_AS_PROBABILITIES, logits_as_probabilities),
        (say.FORGOT_THE_MEAN, lambda z, y, e: cross_entropy_grad(z, y, label_smoothing=e, reduction="sum")),
        (say.NO_SMOOTHING, lambda z, y, e: cross_entropy_grad(z, y)),
    ]


def loss_mistakes(
    logits: ArrayLike,
    target: ArrayLike,
    *,
    label_smoothing: float = 0.0,
    ignore_index: int | None = None,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> list[tuple[str, float]]:
    """``mistakes=`` for :func:`~lsbook.selfstudy.compare.compare` of a loss value on this input.

    Each pair is the catalogue's message and the value of
    ``lsbook.cross_entropy`` computed the wrong way: the other convention,
    probabilities passed as logits, no smoothing, a sum instead of the mean,
    padding counted, a plain mean despite class weights. Only the mistakes
    that change the value on this input are listed, most specific first.
    """
    options = dict(label_smoothing=label_smoothing, ignore_index=ignore_index, weight=weight, reduction=reduction)
    right = cross_entropy(logits, target, **options)
    candidates = []
    if label_smoothing > 0:
        candidates.append((say.WRONG_CONVENTION, dict(options, convention="others")))
        candidates.append((say.NO_SMOOTHING, dict(options, label_smoothing=0.0)))
    if reduction == "mean":
        candidates.append((say.FORGOT_THE_MEAN, dict(options, reduction="sum")))
    wrong = [(message, cross_entropy(logits, target, **kw)) for message, kw in candidates]
    wrong.append((say.SOFTMAX_TWICE, cross_entropy(softmax(logits), target, **options)))
    labels = np.asarray(target)
    padded = labels == ignore_index if ignore_index is not None else np.zeros(labels.shape, dtype=bool)
    per_position = cross_entropy(logits, target, **dict(options, reduction="none"))
    if padded.any() and reduction == "mean" and labels.shape == np.shape(logits)[:-1]:
        wrong.append((say.PADDING_COUNTED, float(np.sum(per_position)) / labels.size))
    if padded.any() and 0 <= ignore_index < np.shape(logits)[-1]:  # padding read as a real class
        wrong.append((say.PADDING_NOT_MASKED, cross_entropy(logits, target, **dict(options, ignore_index=None))))
    if weight is not None and reduction == "mean":
        kept = labels.size - int(padded.sum())
        wrong.append((say.WEIGHTED_MEAN, float(np.sum(per_position)) / max(kept, 1)))
    return [(message, value) for message, value in wrong if not close(value, right, 1e-6, 1e-9)]


def softmax_applied_twice(function: Callable) -> Callable:
    """``function`` (logits first) fed probabilities: what a softmax before the loss's own gives."""

    def wrong(logits, *args, **kwargs):
        return function(softmax(np.asarray(logits, dtype=float)), *args, **kwargs)

    return wrong
