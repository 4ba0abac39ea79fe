"""Checks of the exercises of chapter 6, "Sequence models at vocabulary scale"."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ...core.loss import cross_entropy
from ...core.targets import smooth_labels
from ...sequence.tokens import perplexity, smoothed_loss_floor
from .. import mistakes
from ..check import register
from ..compare import Case, check_function, compare
from ..wrong_answers import loss_slips

# Exercise 6.1: the format "logits (N, K), labels as floats, K and eps -> mean loss, shape (1,)" -----


def mean_loss_reference(logits, labels, num_classes, epsilon):
    """The solution: the loss as the format asks for it, a float64 array of shape (1,)."""
    loss = cross_entropy(np.asarray(logits), np.asarray(labels), label_smoothing=epsilon)
    return np.array([loss], dtype=np.float64)


def _in_the_format(loss: Callable) -> Callable:
    """A loss ``f(logits, target, eps)`` as the format's ``f(logits, labels, K, eps)`` of shape (1,)."""
    return lambda logits, labels, k, eps: np.array([loss(logits, labels, eps)])


def _format_cases() -> list[Case]:
    rng = np.random.default_rng(61)
    cases = []
    for n, k, eps in [(4, 3, 0.1), (16, 10, 0.2), (7, 5, 0.0), (32, 50, 0.3)]:
        logits = rng.normal(0.0, 2.0, size=(n, k))
        labels = rng.integers(0, k, size=n).astype(np.float64)  # delivered as floats
        cases.append(Case(f"a batch with N = {n}, K = {k}, eps = {eps}", (logits, labels, k, eps)))
    return cases


@register("6.1", solution=mean_loss_reference)
def check_mean_loss(answer) -> None:
    check_function(answer, _format_cases(), mean_loss_reference,
                   mistakes=[(message, _in_the_format(wrong)) for message, wrong in loss_slips()])


# Exercise 6.2: the loss of a padded batch of sequences ---------------------------------------------


def padded_loss_reference(logits, targets, pad_index, epsilon):
    """The solution: the mean over the real tokens, padding left out."""
    return float(cross_entropy(logits, targets, label_smoothing=epsilon, ignore_index=pad_index))


def _padded_cases() -> list[Case]:
    rng = np.random.default_rng(62)
    cases = []
    for batch, length, vocab, pad, eps in [(2, 5, 7, 0, 0.1), (3, 6, 11, 0, 0.2), (4, 8, 9, 3, 0.1)]:
        logits = rng.normal(0.0, 2.0, size=(batch, length, vocab))
        targets = rng.integers(0, vocab, size=(batch, length))
        targets[targets == pad] = (pad + 1) % vocab  # real tokens are never the padding id
        for row, keep in enumerate(rng.integers(2, length, size=batch)):
            targets[row, keep:] = pad
        description = f"a batch of {batch} sequences of length {length}, V = {vocab}, padding id {pad}"
        cases.append(Case(description, (logits, targets, pad, eps)))
    return cases


def _per_token(logits, targets, pad, eps):
    return cross_entropy(logits, targets, label_smoothing=eps, ignore_index=pad, reduction="none")


@register("6.2", solution=padded_loss_reference)
def check_padded_loss(answer) -> None:
    check_function(answer, _padded_cases(), padded_loss_reference, mistakes=[
        (mistakes.PADDING_NOT_MASKED, lambda z, y, pad, eps: float(cross_entropy(z, y, label_smoothing=eps))),
        (mistakes.PADDING_COUNTED, lambda z, y, pad, eps: float(_per_token(z, y, pad, eps).mean())),
        ("A mean per sequence, then over sequences: short sequences weigh as much as long ones.",
         lambda z, y, pad, eps: float(np.mean(_per_token(z, y, pad, eps).sum(axis=1) / (y != pad).sum(axis=1)))),
        (mistakes.FORGOT_THE_MEAN, lambda z, y, pad, eps: float(_per_token(z, y, pad, eps).sum())),
    ])


# Exercise 6.3: the floor of the smoothed loss for a GPT-2-sized vocabulary -------------------------

FLOOR_VOCAB, FLOOR_EPSILON = 50257, 0.1
VOCABULARY_FLOOR = smoothed_loss_floor(FLOOR_VOCAB, FLOOR_EPSILON)


@register("6.3", solution=VOCABULARY_FLOOR)
def check_floor(answer) -> None:
    k, eps = FLOOR_VOCAB, FLOOR_EPSILON
    true_target = 1 - eps + eps / k
    compare(answer, VOCABULARY_FLOOR, rtol=1e-4, what="the floor", mistakes=[
        (mistakes.IN_BITS, VOCABULARY_FLOOR / math.log(2)),
        (mistakes.FLOOR_SMOOTHING_PART, eps * math.log(k)),
        ("Only the true class's term; the K - 1 other classes contribute most of the floor.",
         -true_target * math.log(true_target)),
    ])


# Exercise 6.4: the optimum moved by class weights -------------------------------------------------

WEIGHTED_K, WEIGHTED_EPSILON, WEIGHTED_W, WEIGHTED_TRUE = 3, 0.3, (0.5, 1.0, 2.0), 0


def weighted_optimum(weight, true_class, epsilon):
    """The minimiser of sum_k w_k q_k (-log p_k) over distributions p: p proportional to w * q."""
    weight = np.asarray(weight, dtype=np.float64)
    unnormalised = weight * smooth_labels(true_class, len(weight), epsilon)
    return unnormalised / unnormalised.sum()


WEIGHTED_OPTIMUM = weighted_optimum(WEIGHTED_W, WEIGHTED_TRUE, WEIGHTED_EPSILON)[WEIGHTED_TRUE]


@register("6.4", solution=WEIGHTED_OPTIMUM)
def check_weighted_optimum(answer) -> None:
    w = np.asarray(WEIGHTED_W)
    q = smooth_labels(WEIGHTED_TRUE, WEIGHTED_K, WEIGHTED_EPSILON)
    divided = (q / w) / np.sum(q / w)
    compare(answer, WEIGHTED_OPTIMUM, rtol=1e-4, what="the optimal true-class probability", mistakes=[
        ("That is q_c, the optimum without weights: the weights move it.", q[WEIGHTED_TRUE]),
        (mistakes.NOT_RENORMALISED, w[WEIGHTED_TRUE] * q[WEIGHTED_TRUE]),
        ("The weights multiply the target, they do not divide it.", divided[WEIGHTED_TRUE]),
    ])


# Exercise 6.5: the perplexity to log next to the smoothed training loss ---------------------------


def perplexity_reference(logits, targets, pad_index, epsilon):
    """The solution: lsbook's perplexity, from the unsmoothed likelihood of the real tokens."""
    return perplexity(logits, targets, ignore_index=pad_index)


@register("6.5", solution=perplexity_reference)
def check_perplexity(answer) -> None:
    check_function(answer, _padded_cases(), perplexity_reference, mistakes=[
        ("That is exp of the smoothed loss: perplexity comes from the unsmoothed likelihood.",
         lambda z, y, pad, eps: float(np.exp(cross_entropy(z, y, label_smoothing=eps, ignore_index=pad)))),
        (mistakes.PADDING_NOT_MASKED, lambda z, y, pad, eps: perplexity(z, y)),
        ("That is the negative log-likelihood; perplexity is its exponential.",
         lambda z, y, pad, eps: float(cross_entropy(z, y, ignore_index=pad))),
        (mistakes.IN_BITS, lambda z, y, pad, eps: float(2.0 ** cross_entropy(z, y, ignore_index=pad))),
    ])


# Exercise 6.6: the loss of a batch accumulated over micro-batches ---------------------------------


def accumulated_loss_reference(micro_batches, pad_index, epsilon):
    """The solution: sums over the micro-batches, divided by the real tokens of all of them."""
    options = {"label_smoothing": epsilon, "ignore_index": pad_index}
    total = sum(float(cross_entropy(z, y, **options, reduction="sum")) for z, y in micro_batches)
    count = sum(int((y != pad_index).sum()) for _, y in micro_batches)
    return total / count


def _micro_batch_cases() -> list[Case]:
    rng = np.random.default_rng(66)
    cases = []
    for vocab, pad, eps, lengths in [(9, 0, 0.1, [(2, 3), (6, 9), (1, 4)]), (12, 3, 0.2, [(5, 5), (2, 11)])]:
        micro_batches = []
        for shortest, longest in lengths:
            sizes = rng.integers(shortest, longest + 1, size=3)
            targets = np.full((3, longest), pad)
            for row, size in enumerate(sizes):
                targets[row, :size] = (pad + 1 + rng.integers(0, vocab - 1, size=size)) % vocab
            micro_batches.append((rng.normal(0.0, 2.0, size=(3, longest, vocab)), targets))
        description = f"{len(micro_batches)} micro-batches of padded sequences, V = {vocab}, padding id {pad}"
        cases.append(Case(description, (micro_batches, pad, eps)))
    return cases


def _mean_of_means(micro_batches, pad, eps):
    means = [float(cross_entropy(z, y, label_smoothing=eps, ignore_index=pad)) for z, y in micro_batches]
    return float(np.mean(means))


@register("6.6", solution=accumulated_loss_reference)
def check_accumulated_loss(answer) -> None:
    check_function(answer, _micro_batch_cases(), accumulated_loss_reference, mistakes=[
        ("A mean of the micro-batch means: a micro-batch of short sequences weighs as much as one of long "
         "ones. Sum the losses and divide by the real tokens of all micro-batches.", _mean_of_means),
        (mistakes.PADDING_NOT_MASKED, lambda mb, pad, eps: sum(
            float(cross_entropy(z, y, label_smoothing=eps, reduction="sum")) for z, y in mb
        ) / sum(y.size for _, y in mb)),
        (mistakes.PADDING_COUNTED, lambda mb, pad, eps: sum(
            float(cross_entropy(z, y, label_smoothing=eps, ignore_index=pad, reduction="sum")) for z, y in mb
        ) / sum(y.size for _, y in mb)),
    ])
