"""What every exercise of the book does, whatever it asks: one test per case, run over ``lsbook.check.exercises()``.

Each chapter's typical wrong answers, and reference solutions written
independently of the checks, are tested in tests/test_checks_chNN.py.
"""

import numpy as np
import pytest

import lsbook
from lsbook import check
from lsbook.selfstudy import mistakes
from lsbook.selfstudy.check import lookup

EXERCISES = lsbook.check.exercises()
FUNCTIONS = [ex for ex in EXERCISES if lookup(ex).takes_a_function]
NUMBERS = [ex for ex in EXERCISES if not lookup(ex).takes_a_function]


def stub(*args, **kwargs):
    raise NotImplementedError


def test_every_chapter_has_exercises_of_both_kinds():
    assert len(EXERCISES) >= 28 and len(FUNCTIONS) >= 10 and len(NUMBERS) >= 10
    assert {ex.split(".")[0] for ex in EXERCISES} >= {"1", "2", "3", "4", "5", "6"}


@pytest.mark.parametrize("exercise", EXERCISES)
def test_the_registered_solution_passes(exercise):
    verdict = check(exercise, lookup(exercise).solution)
    assert verdict.correct and str(verdict) == f"Exercise {exercise}: correct. Well done."


@pytest.mark.parametrize("exercise", EXERCISES)
@pytest.mark.parametrize("placeholder", [None, ...], ids=["None", "Ellipsis"])
def test_a_placeholder_is_not_attempted(exercise, placeholder):
    verdict = check(exercise, placeholder)
    assert not verdict.correct and not verdict.attempted
    assert str(verdict) == f"Exercise {exercise}: not attempted. Replace the placeholder with your answer."


@pytest.mark.parametrize("exercise", FUNCTIONS)
def test_a_stub_is_not_attempted(exercise):
    verdict = check(exercise, stub)
    assert not verdict.correct and not verdict.attempted
    assert str(verdict) == f"Exercise {exercise}: not attempted. Your function is still a stub."


@pytest.mark.parametrize("exercise", FUNCTIONS)
def test_a_number_where_a_function_is_expected_gets_the_same_words(exercise):
    verdict = check(exercise, 2.0)
    assert not verdict.correct and verdict.attempted
    assert verdict.message == mistakes.wrong_kind(mistakes.A_FUNCTION, 2.0)


@pytest.mark.parametrize("exercise", NUMBERS)
def test_a_function_where_a_number_is_expected_gets_the_same_words(exercise):
    verdict = check(exercise, stub)
    assert not verdict.correct and verdict.attempted
    assert verdict.message == mistakes.wrong_kind(mistakes.NUMBERS, stub)


@pytest.mark.parametrize("exercise", FUNCTIONS)
def test_an_error_in_the_learners_function_is_reported_as_the_learners(exercise):
    def broken(*args, **kwargs):
        raise KeyError("oops")

    verdict = check(exercise, broken)
    assert not verdict.correct and verdict.attempted
    assert verdict.message.startswith("On ") and "your function raised KeyError: 'oops'" in verdict.message


@pytest.mark.parametrize("exercise", FUNCTIONS)
def test_a_function_that_is_off_is_not_correct(exercise):
    solution = lookup(exercise).solution

    def off(*args, **kwargs):
        return np.asarray(solution(*args, **kwargs), dtype=float) * 1.5 + 0.1

    verdict = check(exercise, off)
    assert not verdict.correct and verdict.attempted, str(verdict)


@pytest.mark.parametrize("exercise", NUMBERS)
def test_a_number_that_is_off_is_not_correct_and_the_value_is_not_given_away(exercise):
    solution = np.asarray(lookup(exercise).solution, dtype=float)
    verdict = check(exercise, solution * 1.5 + 0.1)
    assert not verdict.correct and verdict.attempted
    assert f"{solution.ravel()[0]:.3f}"[:-1] not in verdict.message
