"""The registry and the verdict (lsbook.check), on checks registered by the tests.

The comparison engine is tested in tests/test_check_compare.py, the catalogue
and the shared wrong answers in tests/test_check_wrong_answers.py, what every
book exercise must do in tests/test_check_exercises.py, and each chapter's
typical mistakes in tests/test_checks_chNN.py.
"""

import numpy as np
import pytest

import lsbook
import lsbook.selfstudy.check as chk
from lsbook.selfstudy import mistakes
from lsbook.selfstudy.check import CheckerError, Verdict
from lsbook.selfstudy.compare import Case, check_function, compare

EXPECTED = 0.6278789


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the duration of a test, so test checks never leak into the book's."""
    monkeypatch.setattr(chk, "_EXERCISES", {})
    monkeypatch.setattr(chk, "_load_checks", lambda: None)
    return chk._EXERCISES


def mean_square(x):
    return float(np.mean(np.asarray(x, dtype=float) ** 2))


@pytest.fixture
def a_number(registry):
    """Exercise 1.1, whose answer is a number."""
    chk.register("1.1", solution=EXPECTED)(lambda answer: compare(answer, EXPECTED))


@pytest.fixture
def a_function(registry):
    """Exercise 1.2, whose answer is a function."""
    cases = [Case("a short vector", (np.array([1.0, 2.0]),)), Case("zeros", (np.zeros(3),))]
    chk.register("1.2", solution=mean_square)(lambda f: check_function(f, cases, mean_square))


# The verdict ----------------------------------------------------------------------------------


def test_the_module_is_callable_as_check(a_number):
    assert lsbook.check("1.1", EXPECTED) == chk.check("1.1", EXPECTED)
    assert bool(lsbook.check("1.1", EXPECTED)) and not lsbook.check("1.1", 0.5)


def test_verdicts_read_correct_or_not_yet(a_number):
    assert str(chk.check("1.1", EXPECTED)) == "Exercise 1.1: correct. Well done."
    wrong = chk.check("1.1", 0.1)
    assert isinstance(wrong, Verdict) and wrong.attempted and str(wrong).startswith("Exercise 1.1: not yet.")
    assert repr(wrong) == str(wrong)


@pytest.mark.parametrize("placeholder", [None, ...])
def test_a_placeholder_is_not_attempted(a_number, a_function, placeholder):
    for exercise in ["1.1", "1.2"]:
        verdict = chk.check(exercise, placeholder)
        assert not verdict and not verdict.attempted
        assert str(verdict) == f"Exercise {exercise}: not attempted. Replace the placeholder with your answer."


def test_a_stub_function_is_not_attempted(a_function):
    def stub(x):
        raise NotImplementedError

    assert str(chk.check("1.2", stub)) == "Exercise 1.2: not attempted. Your function is still a stub."


def test_an_exercise_id_may_be_given_as_a_number(a_number):
    assert chk.check(1.1, EXPECTED)


# The kind of answer --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, kind",
    [(2.0, "a number (float)"), (np.float32(2.0), "a number (float32)"),
     (np.array([1.0, 2.0]), "an array of shape (2,)"),
     ("f", "text (a str)"), (True, "a boolean (True)"), ([1.0], "a list of 1 item")],
)
def test_a_function_exercise_names_what_it_got_instead(a_function, answer, kind):
    verdict = chk.check("1.2", answer)
    assert not verdict and verdict.attempted
    assert verdict.message == (f"Expected a function, got {kind}. "
                               "Define the function with `def` and pass its name, without calling it.")


@pytest.mark.parametrize(
    "answer, kind",
    [(mean_square, "a function"), (True, "a boolean (True)"), ("0.63", "text (a str)"),
     (np.array([True, False]), "an array of booleans of shape (2,)"), ([[1.0], [1.0, 2.0]], "a list of 2 items"),
     (1j, "a complex number (complex)"), ({"a": 1}, "a dict"), ([1.0, None], "a list of 2 items")],
)
def test_a_number_exercise_names_what_it_got_instead(a_number, answer, kind):
    verdict = chk.check("1.1", answer)
    assert not verdict and verdict.attempted
    assert verdict.message.startswith(f"Expected a number or an array of numbers, got {kind}.")


def test_a_number_exercise_takes_every_form_of_a_number(a_number):
    for answer in [EXPECTED, np.float32(EXPECTED), np.array(EXPECTED), np.array([EXPECTED]), [EXPECTED],
                   np.array([EXPECTED], dtype=object)]:
        assert chk.check("1.1", answer), answer


# Whose fault: the learner's function, or the check ----------------------------------------------


def test_an_exception_of_the_learners_function_is_the_learners(a_function):
    def broken(x):
        return undefined_name  # noqa: F821 (the learner's bug)

    verdict = chk.check("1.2", broken)
    assert not verdict and verdict.attempted
    assert verdict.message.startswith("On a short vector, your function raised NameError")


def test_an_exception_of_a_learners_function_called_by_the_checker_is_the_learners(registry):
    chk.register("1.3", solution=lambda x: 1 / x)(lambda f: f(0))
    verdict = chk.check("1.3", lambda x: 1 / x)
    assert not verdict and verdict.attempted
    assert verdict.message == "Your function raised ZeroDivisionError: division by zero"


def test_a_bug_in_a_checker_is_the_checks_not_the_learners(registry):
    def buggy(answer):
        return undefined_name  # noqa: F821 (the checker's bug)

    chk.register("1.4", solution=1.0)(buggy)
    with pytest.raises(CheckerError, match=r"check of exercise 1\.4 failed by itself \(NameError.*not of your answer"
                       ) as raised:
        chk.check("1.4", 1.0)
    assert isinstance(raised.value.__cause__, NameError)  # the traceback shows the checker's line


def test_a_bug_in_a_reference_is_the_checks_not_the_learners(registry):
    def buggy_reference(x):
        raise TypeError("the reference is broken")

    cases = [Case("a vector", (np.ones(2),))]
    chk.register("1.5", solution=mean_square)(lambda f: check_function(f, cases, buggy_reference))
    with pytest.raises(CheckerError, match="TypeError: the reference is broken"):
        chk.check("1.5", mean_square)


def test_a_stub_raised_inside_a_checker_is_not_mistaken_for_the_learners(registry):
    def unfinished(answer):
        raise NotImplementedError("check still to be written")

    chk.register("1.6", solution=mean_square)(unfinished)
    with pytest.raises(CheckerError, match="NotImplementedError"):
        chk.check("1.6", mean_square)


# The registry ------------------------------------------------------------------------------------


def test_an_unknown_exercise_is_an_error_naming_the_known_ones(a_number):
    with pytest.raises(ValueError, match=r"no exercise '9\.9'.*1\.1"):
        chk.check("9.9", 1.0)


def test_an_exercise_has_one_check(a_number):
    with pytest.raises(ValueError, match="already has a check"):
        chk.register("1.1", solution=1.0)(lambda answer: None)


def test_exercises_are_in_chapter_order(registry):
    for exercise in ["2.10", "10.1", "2.9", "1.1"]:
        chk.register(exercise, solution=1.0)(lambda answer: None)
    assert chk.exercises() == ["1.1", "2.9", "2.10", "10.1"]


def test_the_solution_decides_the_kind_of_answer(a_number, a_function):
    assert not chk.lookup("1.1").takes_a_function and chk.lookup("1.2").takes_a_function
    assert chk.lookup("1.2").solution is mean_square


def test_the_book_checks_load_and_have_well_formed_ids():
    for exercise in lsbook.check.exercises():
        chapter, number = exercise.split(".")
        assert chapter.isdigit() and number.isdigit() and int(number) >= 1


def test_the_verdicts_words_are_the_catalogues(a_function):
    verdict = chk.check("1.2", lambda x: "text")
    assert verdict.message == mistakes.returned_wrong_kind("a short vector", mistakes.A_NUMBER, "text")
