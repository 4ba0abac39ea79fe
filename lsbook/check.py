"""Self-study checks: is an exercise answer right, and if not, why?

Used by the exercises at the end of every chapter. ``check("2.3", answer)``
accepts a number, an array or a function, and answers with a :class:`Verdict`
that says "correct", or names the kind of mistake the answer looks like
(wrong convention, probabilities passed as logits, a forgotten mean, a
flipped sign, ...) without printing the solution.

Each chapter's checks live in :mod:`lsbook.checks`, one module per chapter,
registered with :func:`register`. The comparison helpers below do the work:
they raise :class:`Mistake` with a helpful message.
"""

from __future__ import annotations

import copy
import importlib
import numbers
import pkgutil
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


def _close(a, b, rtol: float, atol: float) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


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
    the first that matches is reported. A flipped sign is recognised too.
    Numbers and arrays both work; shapes must agree.
    """
    if np.ndim(expected) == 0:
        value = as_number(answer)
    else:
        try:
            value = np.asarray(answer, dtype=float)
        except (TypeError, ValueError):
            raise Mistake(f"Expected an array of numbers for {what}.") from None
        if value.shape != np.shape(expected):
            raise Mistake(f"Expected {what} to have shape {np.shape(expected)}, got {value.shape}.")
    if _close(value, expected, rtol, atol):
        return
    pairs = mistakes.items() if isinstance(mistakes, Mapping) else mistakes
    for message, wrong in pairs:
        if _close(value, wrong, rtol, atol):
            raise Mistake(message)
    if np.any(np.asarray(expected) != 0) and _close(value, -np.asarray(expected, dtype=float), rtol, atol):
        raise Mistake(f"The sign of {what} is flipped.")
    raise Mistake(f"{what[0].upper() + what[1:]} does not match; re-read the hint.")


def check_function(
    function,
    cases: Iterable[tuple[str, tuple, dict]],
    reference: Callable,
    *,
    mistakes: Mapping[str, Callable] | Iterable[tuple[str, Callable]] = (),
    rtol: float = 1e-5,
    atol: float = 1e-7,
) -> None:
    """Run ``function`` on every case and compare with ``reference``.

    Each case is ``(description, args, kwargs)``. On the first case where
    the outputs differ, a known wrong implementation in ``mistakes`` that
    reproduces the learner's output names the mistake; otherwise the
    message names the case, never the expected value.
    """
    if not callable(function):
        raise Mistake(f"Expected a function, got {type(function).__name__}.")
    pairs = list(mistakes.items() if isinstance(mistakes, Mapping) else mistakes)
    for description, args, kwargs in cases:
        expected = reference(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        got = function(*copy.deepcopy(args), **copy.deepcopy(kwargs))  # a copy: answers may modify input
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
        for message, wrong in pairs:
            try:
                if _close(got, wrong(*copy.deepcopy(args), **copy.deepcopy(kwargs)), rtol, atol):
                    raise Mistake(f"On {description}: {message}")
            except Mistake:
                raise
            except Exception:  # a wrong implementation that cannot handle this case
                continue
        raise Mistake(f"Your function gives a different result on {description}.")
