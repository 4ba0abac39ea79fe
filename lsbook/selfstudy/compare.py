"""The comparison engine of the checks: is an answer right, and if not, which mistake does it look like?

Two entry points, one per kind of answer:

- :func:`compare` for a number or an array: the answer against the expected
  value, then against the value each typical wrong method gives;
- :func:`check_function` for a function: the learner's function and a
  reference run on the same :class:`Case` list, and on the first case where
  they differ, the typical wrong implementations tell which mistake it is.

Both raise :class:`~lsbook.selfstudy.mistakes.Mistake` with the catalogue's
words, and never reveal the expected value. A learner's function is called
through :func:`learners_function`, so that an exception it raises is told
apart from an exception of the check itself (:class:`AnswerRaised`).
"""

from __future__ import annotations

import copy
import functools
import numbers
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np

from . import mistakes as say
from .mistakes import Mistake

#: A typical mistake: the catalogue's message and the wrong value (``compare``) or the wrong
#: implementation (``check_function``) that reproduces it.
Pairs = Iterable[tuple[str, Any]]


# The learner's function --------------------------------------------------------------------


class AnswerRaised(Exception):
    """The learner's function raised ``error``: the answer's fault, not the check's."""

    def __init__(self, error: BaseException):
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error


class _LearnersFunction:
    """A learner's function whose exceptions come out as :class:`AnswerRaised`."""

    def __init__(self, function: Callable):
        self.function = function
        functools.update_wrapper(self, function)

    def __call__(self, *args, **kwargs):
        try:
            return self.function(*args, **kwargs)
        except Exception as error:
            raise AnswerRaised(error) from error


def learners_function(function: Callable) -> Callable:
    """``function`` with every exception it raises wrapped in :class:`AnswerRaised` (idempotent)."""
    return function if isinstance(function, _LearnersFunction) else _LearnersFunction(function)


# Numbers -----------------------------------------------------------------------------------


def as_numbers(answer, expected: str = say.NUMBERS) -> np.ndarray:
    """``answer`` as a float array; :class:`Mistake` for a function, a boolean, text, ..."""
    if answer is None or callable(answer) or isinstance(answer, (bool, np.bool_, str, bytes)):
        raise Mistake(say.wrong_kind(expected, answer))
    try:
        array = np.asarray(answer)
    except ValueError:  # a ragged list
        raise Mistake(say.wrong_kind(expected, answer)) from None
    if array.dtype == object:  # a list mixing types: every item must be a real number (None would become nan)
        real = all(isinstance(item, numbers.Real) and not isinstance(item, (bool, np.bool_)) for item in array.flat)
    else:
        real = np.issubdtype(array.dtype, np.number) and not np.issubdtype(array.dtype, np.complexfloating)
    if not real:
        raise Mistake(say.wrong_kind(expected, answer))
    return array.astype(float)


def as_number(answer) -> float:
    """A real number, from a Python or NumPy scalar or a one-element array."""
    array = as_numbers(answer, say.A_NUMBER)
    if array.size != 1:
        raise Mistake(say.wrong_kind(say.A_NUMBER, answer))
    return float(array.reshape(()))


def _shaped_like(answer, shape: tuple[int, ...]) -> np.ndarray:
    """``answer`` as a float array of ``shape`` (any one-element array for a number)."""
    array = as_numbers(answer, say.an_array(shape))
    if shape == () and array.size == 1:
        return array.reshape(())
    if array.shape != shape:
        raise Mistake(say.wrong_kind(say.an_array(shape), answer))
    return array


def close(a, b, rtol: float, atol: float) -> bool:
    """Whether ``a`` and ``b`` are numbers or arrays of one shape that agree within the tolerances."""
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):  # not numbers at all: certainly not a match
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _diagnose(value: np.ndarray, expected, pairs, rtol: float, atol: float, what: str) -> str | None:
    """``None`` if ``value`` matches ``expected``; else the message that explains the difference, or ``""``.

    The listed mistakes come first, then a flipped sign, then nan or inf; ``""``
    means none of them explains it, and the caller words that for its kind of answer.
    """
    if close(value, expected, rtol, atol):
        return None
    for message, wrong in pairs:
        if close(value, wrong, rtol, atol):
            return message
    expected = np.asarray(expected, dtype=float)
    if np.any(expected != 0) and close(value, -expected, rtol, atol):
        return say.worded(say.FLIPPED_SIGN, what)
    if not np.all(np.isfinite(value)) and np.all(np.isfinite(expected)):
        return say.worded(say.NOT_FINITE, what)
    return ""  # no explanation found: the caller words it


def compare(answer, expected, *, mistakes: Pairs = (), rtol: float = 1e-4, atol: float = 1e-6,
            what: str = "your answer") -> None:
    """Raise :class:`Mistake` unless the number or array ``answer`` matches ``expected``.

    ``mistakes`` lists ``(message, wrong_value)`` pairs, the message from
    :mod:`lsbook.selfstudy.mistakes` where the catalogue has it; the first
    wrong value the answer matches names the mistake. A flipped sign, nan or
    inf and a value rounded by hand are recognised too. Shapes must agree
    (a one-element array counts as a number).
    """
    value = _shaped_like(answer, np.shape(expected))
    message = _diagnose(value, expected, list(mistakes), rtol, atol, what)
    if message == "":
        rounded = close(value, expected, rtol=1e-2, atol=1e-3)
        message = say.worded(say.ROUNDED if rounded else say.NO_MATCH, what)
    if message is not None:
        raise Mistake(message)


# Functions -------------------------------------------------------------------------------------


class Case(NamedTuple):
    """One call of a function under test: ``function(*args, **kwargs)``.

    ``description`` names the case in messages ("a single row", "eps = 0");
    on a ``bad_input`` case the learner's function must raise ValueError or
    TypeError (the reference is not called).
    """

    description: str
    args: tuple
    kwargs: dict = {}  # shared default, never modified: every call gets a deep copy
    bad_input: bool = False


def _copies(case: Case) -> tuple[tuple, dict]:
    """Fresh copies of a case's arguments, so that a function that modifies its input spoils nothing."""
    return copy.deepcopy(case.args), copy.deepcopy(case.kwargs)


def _changed_arguments(case: Case, args: tuple, kwargs: dict) -> list[str]:
    """The array arguments that a call modified in place, named for the message."""
    names = [f"argument {i + 1}" for i in range(len(case.args))] + [f"`{key}`" for key in case.kwargs]
    before, after = [*case.args, *case.kwargs.values()], [*args, *kwargs.values()]
    return [name for name, original, used in zip(names, before, after, strict=True)
            if isinstance(original, np.ndarray) and not np.array_equal(original, used, equal_nan=True)]


def _output(got, expected, description: str) -> np.ndarray:
    """The learner's output as a float array shaped like ``expected``, or the wrong-kind :class:`Mistake`."""
    shape = np.shape(expected)
    try:
        return _shaped_like(got, shape)
    except Mistake:
        raise Mistake(say.returned_wrong_kind(description, say.an_array(shape), got)) from None


def check_function(function, cases: Iterable[Case | tuple], reference: Callable, *, mistakes: Pairs = (),
                   key: Callable | None = None, rtol: float = 1e-5, atol: float = 1e-7,
                   allow_input_changes: bool = True) -> None:
    """Raise :class:`Mistake` unless ``function`` agrees with ``reference`` on every case.

    ``cases`` are :class:`Case` (or ``(description, args, kwargs)`` tuples);
    make some of them edge cases (one row, extreme logits, eps = 0 or 1).
    ``mistakes`` lists ``(message, wrong_function)`` pairs: on the first case
    where the outputs differ, the first wrong implementation that reproduces
    the learner's output names the mistake; a flipped sign and nan or inf are
    recognised too; otherwise the message names the case, never the value.
    With ``key``, outputs are compared through ``key(output)``, for answers
    that are right up to a free choice (e.g. a basis). Each call gets its
    own copy of the arguments; with ``allow_input_changes=False``,
    modifying an array argument in place is itself a mistake.

    An exception of the learner's function is reported as the learner's; an
    exception of ``reference`` (or of anything else here) is a bug of the
    check and propagates.
    """
    if not callable(function):
        raise Mistake(say.wrong_kind(say.A_FUNCTION, function))
    function, compared = learners_function(function), key or (lambda output: output)
    pairs = list(mistakes)
    for case in (Case(*case) for case in cases):
        args, kwargs = _copies(case)
        try:
            got = function(*args, **kwargs)
        except AnswerRaised as raised:
            if isinstance(raised.error, NotImplementedError):
                raise  # a stub: not attempted
            if case.bad_input and isinstance(raised.error, (ValueError, TypeError)):
                continue  # bad input, rightly rejected
            raise Mistake(say.RAISED_ON.format(case=case.description, error=raised)) from None
        if case.bad_input:
            raise Mistake(say.ACCEPTED_BAD_INPUT.format(case=case.description))
        if not allow_input_changes and (changed := _changed_arguments(case, args, kwargs)):
            raise Mistake(say.MODIFIED_INPUT.format(case=case.description, names=", ".join(changed)))
        reference_args, reference_kwargs = _copies(case)
        expected = reference(*reference_args, **reference_kwargs)
        output = _output(got, expected, case.description)
        message = _diagnose(compared(output), compared(expected), _wrong_outputs(pairs, case, compared),
                            rtol, atol, "your function's output")
        if message == "":
            raise Mistake(say.DIFFERS_ON.format(case=case.description))
        if message is not None:
            raise Mistake(say.SEEN_ON.format(message=message, case=case.description))


def _wrong_outputs(pairs, case: Case, compared: Callable):
    """``(message, output)`` of each wrong implementation on ``case``, lazily, in order."""
    for message, wrong in pairs:
        args, kwargs = _copies(case)
        try:
            with np.errstate(all="ignore"):  # a wrong method may well overflow: that is its point
                output = compared(wrong(*args, **kwargs))
        except Exception:  # a wrong implementation that cannot handle this case
            continue
        yield message, output


def batch_cases(logits, target, label_smoothing: float) -> list[Case]:
    """Cases for :func:`check_function` of a loss or gradient ``f(logits, target, label_smoothing)``.

    The given batch, then the edge cases such a function must survive: one
    example, no smoothing, full smoothing, logits so large that a naive
    ``exp`` overflows, all logits equal, float32 input and two classes.
    """
    logits, target = np.asarray(logits, dtype=float), np.asarray(target)
    if logits.ndim != 2 or target.shape != logits.shape[:1]:
        raise ValueError("batch_cases needs logits of shape (N, K) and target of shape (N,)")
    two = min(2, logits.shape[1])
    eps = label_smoothing
    return [
        Case("the exercise's batch", (logits, target, eps)),
        Case("a single example", (logits[:1], target[:1], eps)),
        Case("no smoothing (eps = 0)", (logits, target, 0.0)),
        Case("full smoothing (eps = 1)", (logits, target, 1.0)),
        Case("very large logits", (logits * 1e4, target, eps)),
        Case("all logits equal", (np.zeros_like(logits), target, eps)),
        Case("float32 logits", (logits.astype(np.float32), target, eps)),
        Case("two classes", (logits[:, :two], target % two, eps)),
    ]
