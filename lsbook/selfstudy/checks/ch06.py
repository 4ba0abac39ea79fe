"""Checks of the exercises of chapter 6, "Sequence models at vocabulary scale"."""

from __future__ import annotations

import math

import numpy as np

from ...core.loss import cross_entropy
from ...core.softmax import softmax
from ...core.targets import smooth_labels
from ..check import Mistake, check_function, compare, register

# Exercise 6.1: the exercise format "logits (N, K), labels as floats, K and eps -> mean loss, shape (1,)".


def mean_loss_reference(logits, labels, num_classes, epsilon):
    """The loss as the format asks for it: a float64 array of shape (1,)."""
    loss = cross_entropy(np.asarray(logits)[:, :num_classes], np.asarray(labels), label_smoothing=epsilon)
    return np.array([loss], dtype=np.float64)


def _format_cases():
    rng = np.random.default_rng(61)
    cases = []
    for n, k, eps in [(4, 3, 0.1), (16, 10, 0.2), (7, 5, 0.0), (32, 50, 0.3)]:
        logits = rng.normal(0.0, 2.0, size=(n, k))
        labels = rng.integers(0, k, size=n).astype(np.float64)  # delivered as floats
        cases.append((f"a batch with N = {n}, K = {k}, eps = {eps}", (logits, labels, k, eps), {}))
    return cases


@register("6.1")
def check_mean_loss(function):
    description, args, _ = _format_cases()[0]
    got = function(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
    if got is not None and np.ndim(got) == 0:
        raise Mistake(f"On {description}: you returned a scalar; the format asks for an array of shape (1,).")

    def others(logits, labels, k, eps):
        loss = cross_entropy(logits, labels, label_smoothing=eps, convention="others")
        return np.array([loss])

    def probabilities_as_logits(logits, labels, k, eps):
        return np.array([cross_entropy(softmax(logits), labels, label_smoothing=eps)])

    def summed(logits, labels, k, eps):
        return np.array([cross_entropy(logits, labels, label_smoothing=eps, reduction="sum")])

    def unsmoothed(logits, labels, k, eps):
        return np.array([cross_entropy(logits, labels)])

    check_function(
        function,
        _format_cases(),
        mean_loss_reference,
        mistakes=[
            ("wrong convention: eps / (K - 1) on the other classes is fairseq's, the format uses eps / K.", others),
            (
                "probabilities passed as logits: the loss applies softmax itself; do not apply it first.",
                probabilities_as_logits,
            ),
            ("you forgot the mean: this is the sum of the row losses.", summed),
            ("no smoothing: the target is still one-hot.", unsmoothed),
        ],
    )


# Exercise 6.2: the loss of a padded batch of sequences.


def padded_loss_reference(logits, targets, pad_index, epsilon):
    return float(cross_entropy(logits, targets, label_smoothing=epsilon, ignore_index=pad_index))


def _padded_cases():
    rng = np.random.default_rng(62)
    cases = []
    for batch, length, vocab, pad, eps in [(2, 5, 7, 0, 0.1), (3, 6, 11, 0, 0.2), (4, 8, 9, 3, 0.1)]:
        logits = rng.normal(0.0, 2.0, size=(batch, length, vocab))
        targets = rng.integers(0, vocab, size=(batch, length))
        targets[targets == pad] = (pad + 1) % vocab  # real tokens are never the padding id
        for row, keep in enumerate(rng.integers(2, length, size=batch)):
            targets[row, keep:] = pad
        description = f"a batch of {batch} sequences of length {length}, V = {vocab}, padding id {pad}"
        cases.append((description, (logits, targets, pad, eps), {}))
    return cases


@register("6.2")
def check_padded_loss(function):
    def not_masked(logits, targets, pad, eps):
        return float(cross_entropy(logits, targets, label_smoothing=eps))

    def padding_in_the_mean(logits, targets, pad, eps):
        losses = cross_entropy(logits, targets, label_smoothing=eps, ignore_index=pad, reduction="none")
        return float(losses.mean())

    def mean_of_sequence_means(logits, targets, pad, eps):
        losses = cross_entropy(logits, targets, label_smoothing=eps, ignore_index=pad, reduction="none")
        return float(np.mean(losses.sum(axis=1) / (targets != pad).sum(axis=1)))

    def summed(logits, targets, pad, eps):
        return float(cross_entropy(logits, targets, label_smoothing=eps, ignore_index=pad, reduction="sum"))

    check_function(
        function,
        _padded_cases(),
        padded_loss_reference,
        mistakes=[
            ("padding not masked: padding positions are scored as if the padding id were a word.", not_masked),
            (
                "padding masked in the loss but still counted in the mean: divide by the real tokens only.",
                padding_in_the_mean,
            ),
            (
                "a mean per sequence, then over sequences: short sequences weigh as much as long ones.",
                mean_of_sequence_means,
            ),
            ("you forgot the mean: this is the sum over the real tokens.", summed),
        ],
    )


# Exercise 6.3: the floor of the smoothed loss for a GPT-2-sized vocabulary.

FLOOR_VOCAB, FLOOR_EPSILON = 50257, 0.1


def _entropy(q):
    q = np.asarray(q, dtype=np.float64)
    return float(-np.sum(q[q > 0] * np.log(q[q > 0])))


@register("6.3")
def check_floor(answer):
    k, eps = FLOOR_VOCAB, FLOOR_EPSILON
    expected = _entropy(smooth_labels(0, k, eps))
    compare(
        answer,
        expected,
        rtol=1e-4,
        what="the floor",
        mistakes=[
            ("That is in bits; the loss is measured in nats (natural logarithm).", expected / math.log(2)),
            ("That is eps * log K, the smoothing part alone; the true class contributes too.", eps * math.log(k)),
            (
                "Only the true class's term; the K - 1 other classes contribute most of the floor.",
                -(1 - eps + eps / k) * math.log(1 - eps + eps / k),
            ),
        ],
    )


# Exercise 6.4: the optimum moved by class weights.

WEIGHTED_K, WEIGHTED_EPSILON, WEIGHTED_W, WEIGHTED_TRUE = 3, 0.3, (0.5, 1.0, 2.0), 0


def weighted_optimum(weight, true_class, epsilon):
    """The minimiser of sum_k w_k q_k (-log p_k) over distributions p: p proportional to w * q."""
    weight = np.asarray(weight, dtype=np.float64)
    unnormalised = weight * smooth_labels(true_class, len(weight), epsilon)
    return unnormalised / unnormalised.sum()


@register("6.4")
def check_weighted_optimum(answer):
    w = np.asarray(WEIGHTED_W)
    q = smooth_labels(WEIGHTED_TRUE, WEIGHTED_K, WEIGHTED_EPSILON)
    divided = (q / w) / np.sum(q / w)
    compare(
        answer,
        weighted_optimum(w, WEIGHTED_TRUE, WEIGHTED_EPSILON)[WEIGHTED_TRUE],
        rtol=1e-4,
        what="the optimal true-class probability",
        mistakes=[
            ("That is q_c, the optimum without weights: the weights move it.", q[WEIGHTED_TRUE]),
            (
                "The product w_c * q_c is not a probability yet: normalise over all classes.",
                w[WEIGHTED_TRUE] * q[WEIGHTED_TRUE],
            ),
            ("The weights multiply the target, they do not divide it.", divided[WEIGHTED_TRUE]),
        ],
    )


# Exercise 6.5: the perplexity to log next to the smoothed training loss.


def perplexity_reference(logits, targets, pad_index, epsilon):
    return float(np.exp(np.float64(cross_entropy(logits, targets, ignore_index=pad_index))))


@register("6.5")
def check_perplexity(function):
    def smoothed(logits, targets, pad, eps):
        return float(np.exp(cross_entropy(logits, targets, label_smoothing=eps, ignore_index=pad)))

    def not_masked(logits, targets, pad, eps):
        return float(np.exp(cross_entropy(logits, targets)))

    def nll(logits, targets, pad, eps):
        return float(cross_entropy(logits, targets, ignore_index=pad))

    def base_two(logits, targets, pad, eps):
        return float(2.0 ** cross_entropy(logits, targets, ignore_index=pad))

    check_function(
        function,
        _padded_cases(),
        perplexity_reference,
        mistakes=[
            ("that is exp of the smoothed loss: perplexity comes from the unsmoothed likelihood.", smoothed),
            ("padding not masked: padding positions are scored as if the padding id were a word.", not_masked),
            ("that is the negative log-likelihood; perplexity is its exponential.", nll),
            ("2 ** NLL mixes bases: the loss is in nats, so use exp.", base_two),
        ],
    )
