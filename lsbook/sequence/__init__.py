"""Vocabulary scale (chapter 6): padded batches, shifted targets, perplexity, the loss floor,
the fused linear cross-entropy that never builds the logits, and a synthetic language
with a known next-token distribution.

Builds on :mod:`lsbook.core` only.
"""

from .linear import linear_cross_entropy, linear_cross_entropy_grad
from .source import ZipfSource
from .tokens import pad_batch, perplexity, shift_targets, smoothed_loss_floor, token_accuracy

__all__ = [
    "ZipfSource",
    "linear_cross_entropy",
    "linear_cross_entropy_grad",
    "pad_batch",
    "perplexity",
    "shift_targets",
    "smoothed_loss_floor",
    "token_accuracy",
]
