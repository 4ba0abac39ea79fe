"""The self-study check framework itself (lsbook.check), on checks registered by the tests.

The chapters' own checks are tested in tests/test_checks_chNN.py.
"""

import numpy as np
import pytest

import lsbook
import lsbook.selfstudy.check as chk
from lsbook.selfstudy.check import Mistake, Verdict, check_function, compare, loss_mistakes

EXPECTED = 0.6278789


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the duration of a test, so test checks never leak into the book's."""
    monkeypatch.setattr(chk, "_CHECKERS", {})
    monkeypatch.setattr(chk, "_load_checks", lambda: None)
    return chk._CHECKERS


def mistake(function, *args, **kwargs) -> str:
    with pytest.raises(Mistake) as raised:
        function(*args, **kwargs)
    return str(raised.value)


# check(), register(), Verdict ---------------------------------------------------------------


def test_the_module_is_callable_as_check(registry):
    chk.register("1.1")(lambda answer: compare(answer, EXPECTED))
    assert lsbook.check("1.1", EXPECTED) == chk.check("1.1", EXPECTED)
    assert bool(lsbook.check("1.1", EXPECTED)) and not lsbook.check("1.1", 0.5)


@pytest.mark.parametrize("placeholder", [None, ...])
def test_a_placeholder_is_not_attempted(registry, placeholder):
    chk.register("1.1")(lambda answer: compare(answer, EXPECTED))
    verdict = chk.check("1.1", placeholder)
    assert not verdict and not verdict.attempted
    assert str(verdict).startswith("Exercise 1.1: not attempted.")


def test_a_stub_function_is_not_attempted(registry):
    chk.register("1.2")(lambda f: check_function(f, [("a case", (1.0,), {})], np.exp))

    def stub(x):
        raise NotImplementedError

    verdict = chk.check("1.2", stub)
    assert str(verdict) == "Exercise 1.2: not attempted. Your function is still a stub."


def test_verdicts_read_correct_or_not_yet(registry):
    chk.register("1.1")(lambda answer: compare(answer, EXPECTED))
    assert str(chk.check("1.1", EXPECTED)) == "Exercise 1.1: correct. Well done."
    wrong = chk.check("1.1", 0.1)
    assert isinstance(wrong, Verdict) and wrong.attempted and str(wrong).startswith("Exercise 1.1: not yet.")


def test_an_unknown_exercise_is_an_error_naming_the_known_ones(registry):
    chk.register("1.1")(lambda answer: None)
    with pytest.raises(ValueError, match=r"no exercise '9\.9'.*1\.1"):
        chk.check("9.9", 1.0)


def test_an_exercise_has_one_check(registry):
    chk.register("1.1")(lambda answer: None)
    with pytest.raises(ValueError, match="already has a check"):
        chk.register("1.1")(lambda answer: None)


def test_exercises_are_in_chapter_order(registry):
    for exercise in ["2.10", "10.1", "2.9", "1.1"]:
        chk.register(exercise)(lambda answer: None)
    assert chk.exercises() == ["1.1", "2.9", "2.10", "10.1"]


def test_an_answer_that_crashes_the_checker_is_reported_not_raised(registry):
    chk.register("1.2")(lambda f: f(0))
    verdict = chk.check("1.2", lambda x: 1 / x)
    assert not verdict and "ZeroDivisionError" in str(verdict)


def test_the_book_checks_load_and_have_well_formed_ids():
    for exercise in lsbook.check.exercises():
        chapter, number = exercise.split(".")
        assert chapter.isdigit() and number.isdigit() and int(number) >= 1


# compare --------------------------------------------------------------------------------


def test_compare_accepts_numbers_in_every_form():
    for answer in [EXPECTED, np.float32(EXPECTED), np.array(EXPECTED), np.array([EXPECTED]), EXPECTED * (1 + 5e-5)]:
        compare(answer, EXPECTED)


@pytest.mark.parametrize(
    "answer, message",
    [
        (True, "got a boolean"),
        ("0.63", "Expected a single number"),
        ([0.6, 0.6], "Expected a single number"),
        (lambda: EXPECTED, "got a function"),
    ],
)
def test_compare_rejects_what_is_not_a_number(answer, message):
    assert message in mistake(compare, answer, EXPECTED)


def test_compare_checks_array_shapes():
    assert "shape (2, 3)" in mistake(compare, np.zeros((3, 2)), np.zeros((2, 3)))
    assert "Expected an array of numbers" not in mistake(compare, [1.0, 2.0], np.array([1.0, 3.0]))


def test_compare_names_a_listed_mistake_before_anything_else():
    message = mistake(compare, 0.5108, EXPECTED, mistakes=[("No smoothing.", 0.5108), ("Other.", 0.5108)])
    assert message == "No smoothing."


def test_compare_recognises_a_flipped_sign_nan_and_rounding():
    assert "sign" in mistake(compare, -EXPECTED, EXPECTED)
    assert "sign" in mistake(compare, -np.array([1.0, -2.0]), np.array([1.0, -2.0]))
    assert "nan or inf" in mistake(compare, float("nan"), EXPECTED)
    assert "nan or inf" in mistake(compare, [np.inf, 1.0], np.array([2.0, 1.0]))
    assert "close but not close enough" in mistake(compare, 0.628, EXPECTED)


def test_compare_never_reveals_the_expected_value():
    for answer in [0.1, 0.628, -0.7, float("inf")]:
        message = mistake(compare, answer, EXPECTED)
        assert "0.62" not in message and "0.63" not in message


# check_function -------------------------------------------------------------------------


def mean_square(x):
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        raise ValueError("x must not be empty")
    return float(np.mean(x**2))


CASES = [
    ("a short vector", (np.array([1.0, 2.0, 3.0]),), {}),
    ("one element", (np.array([2.0]),), {}),
    ("large values", (np.array([1e150, -1e150]),), {}),
]


def test_check_function_accepts_a_right_function_written_differently():
    check_function(lambda x: float(np.dot(x, x) / len(x)), CASES, mean_square)


def test_check_function_names_the_case_not_the_value():
    message = mistake(check_function, lambda x: float(np.mean(x**2)) if len(x) > 1 else 0.0, CASES, mean_square)
    assert message == "Your function gives a different result on one element."


def test_check_function_names_a_listed_mistake():
    message = mistake(check_function, lambda x: float(np.sum(x**2)), CASES, mean_square,
                      mistakes=[("forgot the mean.", lambda x: float(np.sum(np.asarray(x) ** 2)))])
    assert message == "On a short vector: forgot the mean."


def test_check_function_recognises_a_flipped_sign():
    assert "sign" in mistake(check_function, lambda x: -mean_square(x), CASES, mean_square)


def test_check_function_reports_shape_none_and_errors_on_a_case():
    assert "returned shape (3,)" in mistake(check_function, lambda x: x**2, CASES, mean_square)
    assert "forget `return`" in mistake(check_function, lambda x: None, CASES, mean_square)
    assert "On one element, your function raised IndexError" in mistake(
        check_function, lambda x: mean_square(x) + 0 * x[1], CASES, mean_square)
    assert "Expected a function" in mistake(check_function, 3.0, CASES, mean_square)
    assert "Expected numbers for your function's output, got str" in mistake(
        check_function, lambda x: "a half", CASES, mean_square)


def test_check_function_can_forbid_a_function_that_overwrites_its_input():
    def in_place(x):
        x **= 2
        return float(np.mean(x))

    check_function(in_place, CASES, mean_square)  # allowed by default: each call gets its own copy
    message = mistake(check_function, in_place, CASES, mean_square, allow_input_changes=False)
    assert "modified its input (argument 1) in place" in message


def test_check_function_expects_bad_input_to_be_rejected():
    cases = [*CASES, ("an empty vector", (np.array([]),), {})]
    check_function(mean_square, cases, mean_square)
    sloppy = lambda x: float(np.mean(np.asarray(x) ** 2)) if len(x) else 0.0  # noqa: E731
    assert "(bad input), your function should raise ValueError" in mistake(check_function, sloppy, cases, mean_square)


def test_check_function_lets_a_stub_through_as_not_implemented():
    def stub(x):
        raise NotImplementedError

    with pytest.raises(NotImplementedError):
        check_function(stub, CASES, mean_square)


def test_helpers_build_typical_wrong_functions():
    x = np.array([[1.0, 2.0, 0.5]])
    assert np.allclose(chk.negated(mean_square)(x), -mean_square(x))
    assert np.isclose(chk.softmax_applied_twice(mean_square)(x), mean_square(lsbook.softmax(x)))


# loss_mistakes ------------------------------------------------------------------------------

RNG = np.random.default_rng(7)
LOGITS = RNG.normal(size=(5, 4))
LABELS = np.array([0, 3, -100, 2, 1])
OPTIONS = dict(label_smoothing=0.1, ignore_index=-100)


def right_loss(**changes):
    return lsbook.cross_entropy(LOGITS, LABELS, **dict(OPTIONS, **changes))


def check_loss(answer, **options):
    compare(answer, right_loss(**options), mistakes=loss_mistakes(LOGITS, LABELS, **dict(OPTIONS, **options)))


def test_loss_mistakes_accept_the_right_loss():
    check_loss(right_loss())


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda: right_loss(convention="others"), chk.MESSAGE_WRONG_CONVENTION),
        (lambda: right_loss(label_smoothing=0.0), chk.MESSAGE_NO_SMOOTHING),
        (lambda: right_loss(reduction="sum"), chk.MESSAGE_FORGOT_MEAN),
        (lambda: lsbook.cross_entropy(lsbook.softmax(LOGITS), LABELS, **OPTIONS), chk.MESSAGE_PROBABILITIES_AS_LOGITS),
        (lambda: right_loss(reduction="sum") / LABELS.size, chk.MESSAGE_PADDING_NOT_MASKED),
        (lambda: -right_loss(), "sign"),
    ],
    ids=["convention", "no smoothing", "sum", "probabilities", "padding counted", "sign"],
)
def test_loss_mistakes_name_each_typical_mistake(wrong, message):
    assert message in mistake(check_loss, wrong())


def test_loss_mistakes_catch_padding_read_as_a_class_and_an_unweighted_mean():
    labels = np.array([0, 3, 0, 2, 1])  # 0 is the padding index here
    options = dict(label_smoothing=0.1, ignore_index=0, weight=np.array([1.0, 2.0, 0.5, 3.0]))
    right = lsbook.cross_entropy(LOGITS, labels, **options)
    mistakes = loss_mistakes(LOGITS, labels, **options)
    padded_as_class = lsbook.cross_entropy(LOGITS, labels, **dict(options, ignore_index=None))
    assert mistake(compare, padded_as_class, right, mistakes=mistakes) == chk.MESSAGE_PADDING_NOT_MASKED
    plain_mean = lsbook.cross_entropy(LOGITS, labels, **dict(options, reduction="sum")) / 3
    assert mistake(compare, plain_mean, right, mistakes=mistakes) == chk.MESSAGE_WEIGHTED_MEAN


def test_loss_mistakes_leave_out_what_changes_nothing():
    messages = [message for message, _ in loss_mistakes(LOGITS[:1], LABELS[:1])]
    assert chk.MESSAGE_WRONG_CONVENTION not in messages  # no smoothing: both conventions agree
    assert chk.MESSAGE_FORGOT_MEAN not in messages  # one row: the sum is the mean


def naive_loss(logits, labels, epsilon):
    """Right in exact arithmetic, but exp overflows on large logits."""
    p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    q = lsbook.smooth_labels(labels, logits.shape[-1], epsilon)
    return float(-(q * np.log(p)).sum(axis=-1).mean())


def reference_loss(logits, labels, epsilon):
    return lsbook.cross_entropy(logits, labels, label_smoothing=epsilon)


def test_batch_cases_pass_a_stable_loss_and_catch_an_overflowing_one():
    cases = chk.batch_cases(LOGITS[:4], np.array([0, 3, 1, 2]), 0.1)
    assert len(cases) == 8
    check_function(lambda z, y, e: float(np.mean(-(lsbook.smooth_labels(y, z.shape[-1], e) * lsbook.log_softmax(z))
                                                 .sum(axis=-1))), cases, reference_loss, rtol=1e-4)
    with np.errstate(all="ignore"):
        message = mistake(check_function, naive_loss, cases, reference_loss)
    assert message.startswith("On very large logits: your function's output contains nan or inf")


def test_batch_cases_reject_a_batch_of_the_wrong_shape():
    with pytest.raises(ValueError, match="shape"):
        chk.batch_cases(LOGITS[0], np.array([1]), 0.1)
