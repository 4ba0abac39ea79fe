"""The exercises' registry and verdict: ``check("2.3", answer)`` says "correct", or which mistake it looks like.

Each chapter's checks (:mod:`lsbook.selfstudy.checks`) register one checker
per exercise with :func:`register`, together with the exercise's solution;
the kind of the solution (a function, or a number or array) is the kind of
answer the exercise takes. :func:`check` then

1. reports ``None`` or ``...`` as "not attempted";
2. reports an answer of the wrong kind in one wording for every exercise;
3. runs the checker, which raises :class:`~lsbook.selfstudy.mistakes.Mistake`
   when the answer is wrong (see :mod:`lsbook.selfstudy.compare`);
4. tells the learner's failures from the check's own: an exception raised by
   the learner's function is reported as the learner's (a stub that raises
   ``NotImplementedError`` is "not attempted"), while an exception inside the
   checker is a bug of the book and raises :class:`CheckerError`.

The module itself is callable: ``import lsbook`` then
``lsbook.check("2.3", answer)`` is :func:`check`.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .compare import AnswerRaised, as_numbers, learners_function
from .mistakes import A_FUNCTION, RAISED, Mistake, wrong_kind

PLACEHOLDER = "Replace the placeholder with your answer."
STUB = "Your function is still a stub."
CORRECT = "Well done."


@dataclass(frozen=True)
class Exercise:
    """A registered exercise: its checker, and the solution that shows which kind of answer it takes."""

    id: str
    checker: Callable[[Any], None]
    solution: Any

    @property
    def takes_a_function(self) -> bool:
        return callable(self.solution)


_EXERCISES: dict[str, Exercise] = {}


class CheckerError(RuntimeError):
    """A check failed by itself: a bug of the book, which says nothing about the learner's answer."""


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


def register(exercise: str, *, solution: Any) -> Callable:
    """Decorator: make ``checker(answer)`` the check of ``exercise`` (an id such as ``"2.3"``).

    ``solution`` is a right answer: the reference function of an exercise
    whose answer is a function, else the expected number or array. The
    checker receives a function answer wrapped so that its exceptions count
    as the learner's, and a number or array answer as a float array.
    """

    def decorate(checker: Callable[[Any], None]) -> Callable[[Any], None]:
        if exercise in _EXERCISES:
            raise ValueError(f"exercise {exercise!r} already has a check")
        _EXERCISES[exercise] = Exercise(exercise, checker, solution)
        return checker

    return decorate


def _load_checks() -> None:
    from . import checks

    for module in pkgutil.iter_modules(checks.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{checks.__name__}.{module.name}")


def exercises() -> list[str]:
    """The ids of every exercise that has a check, in chapter order."""
    _load_checks()
    return sorted(_EXERCISES, key=lambda ex: tuple(int(part) for part in ex.split(".")))


def lookup(exercise: str) -> Exercise:
    """The registered exercise ``exercise``; ValueError naming the known ones if there is none."""
    known = exercises()
    if exercise not in _EXERCISES:
        raise ValueError(f"no exercise {exercise!r}; exercises with checks: {', '.join(known)}")
    return _EXERCISES[exercise]


def _as_answer(entry: Exercise, answer):
    """The answer as the checker receives it, or :class:`Mistake` if it is of the wrong kind."""
    if entry.takes_a_function:
        if not callable(answer):
            raise Mistake(wrong_kind(A_FUNCTION, answer))
        return learners_function(answer)
    return as_numbers(answer)


def check(exercise: str, answer) -> Verdict:
    """Check ``answer`` to ``exercise`` (an id such as ``"2.3"``) and say what it looks like."""
    exercise = str(exercise)
    entry = lookup(exercise)
    if answer is None or answer is Ellipsis:
        return Verdict(exercise, False, PLACEHOLDER, attempted=False)
    try:
        entry.checker(_as_answer(entry, answer))
    except Mistake as mistake:
        return Verdict(exercise, False, str(mistake))
    except AnswerRaised as raised:  # the learner's function failed: say how, don't crash
        if isinstance(raised.error, NotImplementedError):
            return Verdict(exercise, False, STUB, attempted=False)
        return Verdict(exercise, False, RAISED.format(error=raised))
    except Exception as error:
        raise CheckerError(
            f"The check of exercise {exercise} failed by itself ({type(error).__name__}: {error}). "
            "This is a bug of the book, not of your answer: please report it, with the traceback above."
        ) from error
    return Verdict(exercise, True, CORRECT)


# ``lsbook.check("2.3", answer)``: the module is callable, so the one name serves both as the
# function learners call and as the namespace of the registry (``lsbook.check.exercises()``).
class _CallableModule(types.ModuleType):
    def __call__(self, exercise: str, answer) -> Verdict:
        return check(exercise, answer)


sys.modules[__name__].__class__ = _CallableModule
