"""Vocabulary scale (chapter 6): padded batches, shifted targets, perplexity and the loss floor.

Builds on :mod:`lsbook.core` only.
"""

from .tokens import pad_batch, perplexity, shift_targets, smoothed_loss_floor, token_accuracy

__all__ = ["pad_batch", "perplexity", "shift_targets", "smoothed_loss_floor", "token_accuracy"]
