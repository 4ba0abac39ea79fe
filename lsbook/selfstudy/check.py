"""Self-study checks: is an exercise answer right, and if not, why?

Used by the exercises at the end of every chapter. ``check("2.3", answer)``
accepts a number, an array or a function, and answers with a :class:`Verdict`
that says "correct", or names the kind of mistake the answer looks like
(wrong convention, probabilities passed as logits, a forgotten mean, a
flipped sign, ...) without printing the solution.

Each chapter's checks live in :mod:`lsbook.checks`, one module per chapter,
registered with :func:`register`. The comparison helpers below do the work:
they raise :class:`Mistake` with a helpful message. :func:`loss_mistakes`
and the ``MESSAGE_*`` constants name the typical mistakes of this subject
once, so every chapter words them the same way.

The module itself is callable: ``import lsbook`` then
``lsbook.check("2.3", answer)`` is :func:`check`.
"""

from __future__ import annotations

import copy
import importlib
import numbers
import pkgutil
import sys
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

_CHECKERS: dict[str, Callable] = {}


class Mistake(Exception):
    """Raised by a checker: the answer is wrong, and the message says how."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`check`: truthy when the answer is correct."""

    exercise: str
    correct: bool
    message: str
    attempted: bool = True

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        mark = "correct" if self.correct else ("not attempted" if not self.attempted else "not yet")
        return f"Exercise {self.exercise}: {mark}. {self.message}".rstrip()

    __repr__ = __str__


def register(exercise: str):
    """Decorator: make ``function(answer)`` the checker of ``exercise``."""

    def decorate(function):
        if exercise in _CHECKERS:
            raise ValueError(f"exercise {exercise!r} already has a check")
        _CHECKERS[exercise] = function
        return function

    return decorate


def _load_checks() -> None:
    from . import checks

    for module in pkgutil.iter_modules(checks.__path__):
        importlib.import_module(f"{checks.__name__}.{module.name}")


def exercises() -> list[str]:
    """The ids of every exercise that has a check, in chapter order."""
    _load_checks()
    return sorted(_CHECKERS, key=lambda ex: tuple(int(part) for part in ex.split(".")))


def check(exercise: str, answer) -> Verdict:
    """Check ``answer`` to ``exercise`` (an id such as ``"2.3"``).

    An answer of ``None`` or ``...`` counts as not attempted. A function
    answer that raises is reported, not propagated, except for
    ``NotImplementedError``, which also counts as not attempted.
    """
    exercise = str(exercise)
    if exercise not in exercises():
        raise ValueError(f"no exercise {exercise!r}; exercises with checks: {', '.join(exercises())}")
    if answer is None or answer is Ellipsis:
        return Verdict(exercise, False, "Replace the placeholder with your answer.", attempted=False)
    try:
        _CHECKERS[exercise](answer)
    except Mistake as mistake:
        return Verdict(exercise, False, str(mistake))
    except NotImplementedError:
        return Verdict(exercise, False, "Your function is still a stub.", attempted=False)
    except Exception as error:  # the learner's function failed: say how, don't crash
        return Verdict(exercise, False, f"Your answer raised {type(error).__name__}: {error}")
    return Verdict(exercise, True, "Well done.")


# Comparison helpers for checkers ----------------------------------------------------------

#: Messages for the mistakes every chapter meets; checkers pass them in ``mistakes=``.
MESSAGE_WRONG_CONVENTION = (
    "This is the value under the other smoothing convention: the book spreads eps over all K classes (eps/K), "
    "not over the K - 1 wrong ones."
)
MESSAGE_PROBABILITIES_AS_LOGITS = (
    "It looks like probabilities went where logits were expected (a softmax applied twice); "
    "the loss takes raw logits."
)
MESSAGE_NO_SMOOTHING = "This is the value without label smoothing; mix the one-hot target with the uniform one."
MESSAGE_FORGOT_MEAN = "This is the sum over the examples; the loss is their mean."
MESSAGE_PADDING_NOT_MASKED = "Padding positions were counted; leave them out of both the sum and the count."
MESSAGE_WEIGHTED_MEAN = (
    "With class weights, the mean divides by the total weight of the kept targets, not by their number."
)
MESSAGE_WRONG_SIGN = "The sign of {what} is flipped."


def _as_float_array(value, what: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Mistake(f"Expected numbers for {what}, got {type(value).__name__}.") from None


def _close(a, b, rtol: float, atol: float) -> bool:
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):  # not numbers at all: certainly not a match
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _diagnose(value, expected, pairs, rtol: float, atol: float, what: str, otherwise: str | None = None) -> str | None:
    """``None`` if ``value`` matches ``expected``, else the message that best explains the difference.

    Never the expected value itself: a learner must not be able to read the solution off a message.
    """
    if _close(value, expected, rtol, atol):
        return None
    for message, wrong in pairs:
        if _close(value, wrong, rtol, atol):
            return message
    value, expected = _as_float_array(value, what), np.asarray(expected, dtype=float)
    if np.any(expected != 0) and _close(value, -expected, rtol, atol):
        return MESSAGE_WRONG_SIGN.format(what=what)
    if not np.all(np.isfinite(value)) and np.all(np.isfinite(expected)):
        return (
            f"{what[0].upper() + what[1:]} contains nan or inf: look for the log of a zero probability "
            "or an exp that overflows (subtract the largest logit first)."
        )
    if otherwise is not None:
        return otherwise
    if _close(value, expected, rtol=1e-2, atol=1e-3):
        return f"{what[0].upper() + what[1:]} is close but not close enough: compute it instead of rounding by hand."
    return f"{what[0].upper() + what[1:]} does not match; re-read the hint."


def as_number(answer) -> float:
    """A real number, from a Python/NumPy scalar or a one-element array."""
    if isinstance(answer, (bool, np.bool_)):
        raise Mistake("Expected a number, got a boolean.")
    if isinstance(answer, numbers.Real):
        return float(answer)
    array = np.asarray(answer)
    if array.size == 1 and np.issubdtype(array.dtype, np.number):
        return float(array.reshape(()))
    raise Mistake(f"Expected a single number, got {type(answer).__name__} of shape {np.shape(answer)}.")


def _pairs(mistakes) -> list[tuple[str, object]]:
    return list(mistakes.items() if isinstance(mistakes, Mapping) else mistakes)


def compare(
    answer,
    expected,
    *,
    mistakes: Mapping[str, object] | Iterable[tuple[str, object]] = (),
    rtol: float = 1e-4,
    atol: float = 1e-6,
    what: str = "your answer",
) -> None:
    """Raise :class:`Mistake` unless ``answer`` matches ``expected``.

    ``mistakes`` pairs a message with the value a typical wrong method gives;
    the first that matches is reported. A flipped sign, a nan or inf, and a
    value rounded by hand are recognised too. Numbers and arrays both work;
    shapes must agree.
    """
    if callable(answer):
        raise Mistake(f"Expected a value for {what}, got a function; call it and pass its result.")
    if np.ndim(expected) == 0:
        value = as_number(answer)
    else:
        value = _as_float_array(answer, what)
        if value.shape != np.shape(expected):
            raise Mistake(f"Expected {what} to have shape {np.shape(expected)}, got {value.shape}.")
    message = _diagnose(value, expected, _pairs(mistakes), rtol, atol, what)
    if message is not None:
        raise Mistake(message)


def _changed_arguments(before, after) -> list[str]:
    """Positions or names of the array arguments that a call modified in place."""
    changed = []
    for name, original, used in zip(before[0], before[1], after, strict=True):
        if isinstance(original, np.ndarray) and not np.array_equal(original, used, equal_nan=True):
            changed.append(name)
    return changed


def _labelled(args: tuple, kwargs: dict) -> tuple[list[str], list]:
    names = [f"argument {i + 1}" for i in range(len(args))] + [f"`{key}`" for key in kwargs]
    return names, [*args, *kwargs.values()]


def check_function(
    function,
    cases: Iterable[tuple[str, tuple, dict]],
    reference: Callable,
    *,
    mistakes: Mapping[str, Callable] | Iterable[tuple[str, Callable]] = (),
    rtol: float = 1e-5,
    atol: float = 1e-7,
    allow_input_changes: bool = True,
) -> None:
    """Run ``function`` on every case and compare with ``reference``.

    Each case is ``(description, args, kwargs)``; make some of them edge
    cases (one row, extreme logits, eps = 0 or 1, every target ignored...).
    On the first case where the outputs differ, a known wrong implementation
    in ``mistakes`` that reproduces the learner's output names the mistake,
    and a flipped sign is recognised; otherwise the message names the case,
    never the expected value. A case on which ``reference`` raises
    ``ValueError`` or ``TypeError`` is bad input: the learner's function must
    reject it too. Each call gets its own copy of the arguments, so an answer
    that modifies its input cannot spoil the next case; with
    ``allow_input_changes=False`` modifying an array argument in place is
    itself reported as a mistake.
    """
    if not callable(function):
        raise Mistake(f"Expected a function, got {type(function).__name__}.")
    pairs = _pairs(mistakes)
    for description, args, kwargs in cases:
        try:
            expected = reference(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        except (ValueError, TypeError):
            expected = _BAD_INPUT
        got_args, got_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)  # copies: answers may modify input
        try:
            got = function(*got_args, **got_kwargs)
        except (NotImplementedError, Mistake):
            raise
        except Exception as error:
            if expected is _BAD_INPUT and isinstance(error, (ValueError, TypeError)):
                continue  # bad input, rightly rejected
            raise Mistake(f"On {description}, your function raised {type(error).__name__}: {error}") from None
        if expected is _BAD_INPUT:
            raise Mistake(f"On {description} (bad input), your function should raise ValueError or TypeError.")
        if not allow_input_changes:
            changed = _changed_arguments(_labelled(args, kwargs), [*got_args, *got_kwargs.values()])
            if changed:
                raise Mistake(
                    f"On {description}, your function modified its input ({', '.join(changed)}) in place; "
                    "work on a copy or build a new array."
                )
        if got is None:
            raise Mistake(f"Your function returned None on {description}; did you forget `return`?")
        try:
            same_shape = np.shape(got) == np.shape(expected)
        except Exception:  # ragged or exotic output
            same_shape = False
        if not same_shape:
            raise Mistake(
                f"On {description}, your function returned shape {np.shape(got)}, expected {np.shape(expected)}."
            )
        if _close(got, expected, rtol, atol):
            continue
        wrong_values = []
        for message, wrong in pairs:
            try:
                wrong_values.append((message, wrong(*copy.deepcopy(args), **copy.deepcopy(kwargs))))
            except Exception:  # a wrong implementation that cannot handle this case
                continue
        generic = f"Your function gives a different result on {description}."
        message = _diagnose(got, expected, wrong_values, rtol, atol, "your function's output", otherwise=generic)
        raise Mistake(message if message == generic else f"On {description}: {message[0].lower() + message[1:]}")


_BAD_INPUT = object()  # marks a case the reference rejects


# Typical wrong values for loss exercises ------------------------------------------------------


def loss_mistakes(
    logits,
    target,
    *,
    label_smoothing: float = 0.0,
    ignore_index: int | None = None,
    weight=None,
    reduction: str = "mean",
) -> list[tuple[str, object]]:
    """``mistakes=`` for :func:`compare`: what the typical wrong methods give on this input.

    Each pair is a standard message and the value of ``lsbook.cross_entropy``
    computed the wrong way: the other smoothing convention, probabilities
    passed as logits, no smoothing, a sum instead of the mean, padding
    counted, a plain mean despite class weights. Only the mistakes that
    change the value on this input are listed, most specific first.
    """
    from ..core.loss import cross_entropy  # here, not at the top: lsbook imports this module
    from ..core.softmax import softmax

    options = dict(label_smoothing=label_smoothing, ignore_index=ignore_index, weight=weight, reduction=reduction)
    right = cross_entropy(logits, target, **options)
    candidates = []
    if label_smoothing > 0:
        candidates.append((MESSAGE_WRONG_CONVENTION, dict(options, convention="others")))
        candidates.append((MESSAGE_NO_SMOOTHING, dict(options, label_smoothing=0.0)))
    if reduction == "mean":
        candidates.append((MESSAGE_FORGOT_MEAN, dict(options, reduction="sum")))
    wrong = [(message, cross_entropy(logits, target, **kw)) for message, kw in candidates]
    wrong.append((MESSAGE_PROBABILITIES_AS_LOGITS, cross_entropy(softmax(logits), target, **options)))
    labels = np.asarray(target)
    if ignore_index is not None and labels.shape == np.shape(logits)[:-1]:
        padded = labels == ignore_index
        if padded.any() and reduction == "mean":
            per_position = cross_entropy(logits, target, **dict(options, reduction="none"))
            wrong.append((MESSAGE_PADDING_NOT_MASKED, float(np.sum(per_position)) / labels.size))
        if padded.any() and 0 <= ignore_index < np.shape(logits)[-1]:  # padding read as a real class
            unmasked = cross_entropy(logits, target, **dict(options, ignore_index=None))
            wrong.append((MESSAGE_PADDING_NOT_MASKED, unmasked))
    if weight is not None and reduction == "mean":
        per_position = cross_entropy(logits, target, **dict(options, reduction="none"))
        kept = labels.size if ignore_index is None else int(np.sum(labels != ignore_index))
        wrong.append((MESSAGE_WEIGHTED_MEAN, float(np.sum(per_position)) / max(kept, 1)))
    return [(message, value) for message, value in wrong if not _close(value, right, 1e-6, 1e-9)]


def batch_cases(logits, labels, epsilon: float) -> list[tuple[str, tuple, dict]]:
    """Cases for :func:`check_function` of a function ``f(logits, labels, epsilon)``.

    The given batch, then the edge cases a loss or gradient must survive:
    one example, no smoothing, full smoothing, logits so large that a naive
    ``exp`` overflows, all logits equal, float32 input and two classes.
    """
    logits, labels = np.asarray(logits, dtype=float), np.asarray(labels)
    if logits.ndim != 2 or labels.shape != logits.shape[:1]:
        raise ValueError("batch_cases needs logits of shape (N, K) and labels of shape (N,)")
    two = min(2, logits.shape[1])
    return [
        ("the exercise's batch", (logits, labels, epsilon), {}),
        ("a single example", (logits[:1], labels[:1], epsilon), {}),
        ("no smoothing (eps = 0)", (logits, labels, 0.0), {}),
        ("full smoothing (eps = 1)", (logits, labels, 1.0), {}),
        ("very large logits", (logits * 1e4, labels, epsilon), {}),
        ("all logits equal", (np.zeros_like(logits), labels, epsilon), {}),
        ("float32 logits", (logits.astype(np.float32), labels, epsilon), {}),
        ("two classes", (logits[:, :two], labels % two, epsilon), {}),
    ]


def softmax_applied_twice(function: Callable) -> Callable:
    """A wrong implementation for ``mistakes=`` of :func:`check_function`: ``function`` fed probabilities.

    ``function`` takes logits first; the result is what a learner gets who
    applies a softmax to the logits before a loss that applies its own.
    """
    from ..core.softmax import softmax

    def wrong(logits, *args, **kwargs):
        return function(softmax(np.asarray(logits, dtype=float)), *args, **kwargs)

    return wrong


def negated(function: Callable) -> Callable:
    """A wrong implementation for ``mistakes=``: ``function`` with its sign flipped."""

    def wrong(*args, **kwargs):
        return -np.asarray(function(*args, **kwargs), dtype=float)

    return wrong


# ``lsbook.check("2.3", answer)``: the module is callable, so the one name serves both as the
# function learners call and as the namespace chapter checks import helpers from.
class _CallableModule(types.ModuleType):
    def __call__(self, exercise: str, answer) -> Verdict:
        return check(exercise, answer)


sys.modules[__name__].__class__ = _CallableModule
