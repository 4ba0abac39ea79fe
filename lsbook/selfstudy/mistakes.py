"""Every message a learner can read from a check, each worded once.

Three kinds of words live here:

- :class:`Mistake`, the exception a check raises when an answer is wrong;
- what the engine says about the *kind* of an answer ("Expected a function,
  got a number (float)") and about a difference it finds by itself (a
  flipped sign, nan or inf, a value rounded by hand);
- the catalogue of the typical mistakes of this subject (the other
  smoothing convention, a sum instead of the mean, a softmax applied twice,
  padding not masked, ...), which every chapter's checks pass to the engine
  instead of writing their own sentence.

A message says what the answer looks like and how to fix it, never the
expected value. Catalogue entries are whole sentences, so the same words
read right on their own (a value) and followed by the case they showed on (a
function).
"""

from __future__ import annotations

import numbers

import numpy as np


class Mistake(Exception):
    """Raised by a check: the answer is wrong, and the message says how."""


# The kind of an answer ------------------------------------------------------------------------

A_FUNCTION = "a function"
A_NUMBER = "a single number"
NUMBERS = "a number or an array of numbers"


def an_array(shape: tuple[int, ...]) -> str:
    """How a message names the array an exercise expects."""
    return A_NUMBER if shape == () else f"an array of shape {tuple(shape)}"


def kind_of(answer) -> str:
    """How a message names what the learner passed: "a function", "a number (float)", ...

    Never raises, whatever ``answer`` is: it only reads the type and, for
    arrays, the shape and dtype.
    """
    if answer is None:
        return "None"
    if isinstance(answer, (bool, np.bool_)):
        return f"a boolean ({bool(answer)})"
    if callable(answer):
        return A_FUNCTION
    if isinstance(answer, numbers.Real):
        return f"a number ({type(answer).__name__})"
    if isinstance(answer, numbers.Complex):
        return f"a complex number ({type(answer).__name__})"
    if isinstance(answer, str):
        return "text (a str)"
    if isinstance(answer, np.ndarray):
        if answer.dtype == bool:
            return f"an array of booleans of shape {answer.shape}"
        if not np.issubdtype(answer.dtype, np.number):
            return f"an array of {answer.dtype} of shape {answer.shape}"
        return "a number (a 0-d array)" if answer.ndim == 0 else f"an array of shape {answer.shape}"
    if isinstance(answer, (list, tuple)):
        items = "item" if len(answer) == 1 else "items"
        return f"a {type(answer).__name__} of {len(answer)} {items}"
    return f"a {type(answer).__name__}"


def wrong_kind(expected: str, answer) -> str:
    """The one message for an answer of the wrong kind: "Expected <expected>, got <kind>." and how to fix it."""
    message = f"Expected {expected}, got {kind_of(answer)}."
    if expected == A_FUNCTION and not callable(answer):
        return f"{message} Define the function with `def` and pass its name, without calling it."
    if expected != A_FUNCTION and callable(answer):
        return f"{message} Call your function and pass its result."
    return message


def returned_wrong_kind(case: str, expected: str, output) -> str:
    """The one message for a function whose output is of the wrong kind on a case."""
    if output is None:
        return f"On {case}, your function returned None; did you forget `return`?"
    return f"On {case}, your function returned {kind_of(output)}; it should return {expected}."


# What the comparison finds by itself ({what}: "your gradient", "your function's output", ...) ---

FLIPPED_SIGN = "The sign is flipped: {what} is the negative of the right one."
NOT_FINITE = (
    "{What} contains nan or inf: an exp overflowed or a zero probability went into a log. "
    "Subtract each row's largest logit before exponentiating."
)
ROUNDED = "{What} is close but not close enough: compute it instead of rounding by hand."
NO_MATCH = "{What} does not match; re-read the hint."
DIFFERS_ON = "Your function gives a different result on {case}."
SEEN_ON = "{message} (Seen on {case}.)"
RAISED = "Your function raised {error}"
RAISED_ON = "On {case}, your function raised {error}"
ACCEPTED_BAD_INPUT = "On {case} (bad input), your function should raise ValueError or TypeError."
MODIFIED_INPUT = "On {case}, your function modified its input ({names}) in place; work on a copy or build a new array."


def worded(template: str, what: str) -> str:
    """Fill ``{what}`` and ``{What}`` (capitalised) of a template."""
    return template.format(what=what, What=what[:1].upper() + what[1:])


# The typical mistakes of this subject ---------------------------------------------------------

WRONG_CONVENTION = (
    "Wrong convention: that is fairseq's target, 1 - eps on the true class and eps/(K-1) on each other one. "
    "This book spreads eps over all K classes, eps/K each, so the true class gets 1 - eps + eps/K."
)
OVERWRITTEN_TRUE_CLASS = (
    "The true class got only 1 - eps: it keeps its share eps/K of the smoothing too, so its target is "
    "1 - eps + eps/K. Setting it to 1 - eps overwrites that share and leaves the target summing to less than one."
)
WRONG_CLASS_TARGET = "That is eps/K, the target of one wrong class, not of the true one."
NO_SMOOTHING = "No smoothing: that is what the hard one-hot target gives; eps was not used."
OTHER_CLASSES_COUNT = "There are K - 1 other classes, not K: the true class is not one of them."
FORGOT_THE_MEAN = (
    "You forgot the mean: that is the sum over the rows (examples or tokens). "
    "The loss is their mean, so it and its gradient are divided by their number."
)
SOFTMAX_TWICE = (
    "Softmax applied twice: probabilities went in where logits are expected. "
    "The loss applies its own softmax, so pass the raw logits."
)
LOGITS_AS_PROBABILITIES = (
    "The logits were used as if they were probabilities (for example the log of the logits): "
    "apply the softmax first, log p = z - logsumexp(z)."
)
OVERFLOW = (
    "An exp overflowed on large logits: subtract each row's largest logit before exponentiating, "
    "so that log p = z - logsumexp(z) stays finite."
)
PADDING_NOT_MASKED = (
    "Padding not masked: the padding positions were scored as if the padding id were a word. "
    "Leave them out of the sum and of the count."
)
PADDING_COUNTED = "Padding masked in the sum but still counted in the mean: divide by the number of real tokens only."
WEIGHTED_MEAN = "With class weights, the mean divides by the total weight of the kept targets, not by their number."
IN_BITS = "That is in bits (base 2); the book measures losses and entropies in nats: use the natural log and exp."
FLOOR_SMOOTHING_PART = (
    "That is eps * log K, only the smoothing's share of the floor: the entropy of the target has more terms; "
    "add up -q log q over all K classes."
)
RATIO_NOT_ITS_LOG = "That is the ratio itself; a logit (or a gap between logits) is its logarithm."
TEMPERATURE_MULTIPLIES = (
    "The logits were multiplied by T instead of divided: the temperature scales them as z / T, which softens "
    "for T > 1. Multiplying sharpens, and a fit then finds 1/T."
)
TEMPERATURE_AFTER_SOFTMAX = "The temperature divides the logits before the softmax, not the probabilities after it."
NOT_RENORMALISED = (
    "Not renormalised: the rows no longer sum to one. "
    "Divide each row by its sum to make it a probability distribution again."
)
