"""A synthetic language whose next-token distribution is known exactly.

Used in chapter 6, section "The perplexity paradox". A real corpus never
reveals the distribution it was drawn from, so a model's perplexity cannot be
compared with the best perplexity possible. This source can: its ``vocab``
tokens fall into ``classes`` word classes (as parts of speech would), and the
next token is drawn from a distribution that depends on the class of the
previous token. Each of those distributions mixes a Zipf-like preference for
frequent tokens with a low-rank preference of the class, so several tokens are
plausible after any context, as in language. Everything is generated from a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core._checks import check_integer, check_real
from ..core.softmax import softmax


@dataclass(frozen=True)
class ZipfSource:
    """Tokens ``0 .. V-1`` in word classes; ``next_token[g]`` is the distribution after a token of class ``g``."""

    token_class: np.ndarray  # (V,) the class of every token
    next_token: np.ndarray  # (G, V) rows are distributions over the next token

    @classmethod
    def generate(
        cls, vocab: int = 2000, classes: int = 50, *, rank: int = 8, sharpness: float = 3.0,
        zipf_exponent: float = 1.0, seed: int = 0,
    ) -> ZipfSource:
        """A random source: Zipf-like token frequencies, and a rank-``rank`` preference of each class.

        ``sharpness`` scales the class preferences: larger values make the
        next token easier to predict (a lower entropy).
        """
        vocab = check_integer(vocab, "vocab", minimum=2)
        classes = check_integer(classes, "classes", minimum=1)
        rank = check_integer(rank, "rank", minimum=1)
        sharpness = check_real(sharpness, "sharpness", minimum=0.0)
        zipf_exponent = check_real(zipf_exponent, "zipf_exponent", minimum=0.0)
        rng = np.random.default_rng(check_integer(seed, "seed"))
        frequency = -zipf_exponent * np.log(np.arange(1, vocab + 1))  # token k has rank k + 1
        class_factors = rng.normal(size=(classes, rank))
        token_factors = rng.normal(size=(vocab, rank))
        logits = frequency + sharpness * (class_factors @ token_factors.T) / np.sqrt(rank)
        token_class = rng.integers(0, classes, size=vocab)
        return cls(token_class=token_class, next_token=softmax(logits))

    @property
    def vocab(self) -> int:
        return self.next_token.shape[1]

    @property
    def classes(self) -> int:
        return self.next_token.shape[0]

    def class_transitions(self) -> np.ndarray:
        """(G, G): the probability that a token of class ``g`` is followed by one of class ``h``."""
        transitions = np.zeros((self.classes, self.classes))
        np.add.at(transitions.T, self.token_class, self.next_token.T)
        return transitions

    def context_distribution(self) -> np.ndarray:
        """How often each class is the context in a long sequence: the stationary distribution of the classes."""
        transitions = self.class_transitions()
        weights = np.full(self.classes, 1.0 / self.classes)
        for _ in range(1000):  # power iteration; the chain mixes in a few steps
            updated = weights @ transitions
            if np.abs(updated - weights).max() < 1e-15:
                break
            weights = updated
        return updated / updated.sum()

    def entropy(self) -> float:
        """The entropy of the next token given the context, in nats: the lowest mean NLL any model can reach."""
        p = self.next_token
        per_class = -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=1)
        return float(self.context_distribution() @ per_class)

    def sample(self, num_sequences: int, length: int, *, seed: int) -> np.ndarray:
        """``(num_sequences, length)`` token ids: independent runs of the source, each from a random token."""
        num_sequences = check_integer(num_sequences, "num_sequences", minimum=1)
        length = check_integer(length, "length", minimum=2)
        rng = np.random.default_rng(check_integer(seed, "seed"))
        # Row g of the cumulative distributions, shifted up by g, so that one sorted
        # array serves every class: a draw u after class g lands at g + u.
        cumulative = np.cumsum(self.next_token, axis=1)
        cumulative /= cumulative[:, -1:]
        stacked = (cumulative + np.arange(self.classes)[:, None]).ravel()
        tokens = np.empty((num_sequences, length), dtype=np.int64)
        tokens[:, 0] = rng.integers(0, self.vocab, size=num_sequences)
        for t in range(1, length):
            context = self.token_class[tokens[:, t - 1]]
            position = np.searchsorted(stacked, context + rng.random(num_sequences), side="right")
            tokens[:, t] = np.clip(position - context * self.vocab, 0, self.vocab - 1)
        return tokens

    def pair_counts(self, tokens: np.ndarray) -> np.ndarray:
        """(G, V) counts: how often each token followed a context of each class in ``tokens``."""
        tokens = np.asarray(tokens)
        counts = np.zeros((self.classes, self.vocab))
        np.add.at(counts, (self.token_class[tokens[:, :-1]].ravel(), tokens[:, 1:].ravel()), 1.0)
        return counts
