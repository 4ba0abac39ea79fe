"""The comparison engine of the checks (lsbook.selfstudy.compare), on made-up exercises."""

import numpy as np
import pytest

import lsbook
from lsbook.selfstudy import mistakes
from lsbook.selfstudy.compare import (
    AnswerRaised,
    Case,
    as_number,
    batch_cases,
    check_function,
    compare,
    learners_function,
)
from lsbook.selfstudy.mistakes import Mistake

EXPECTED = 0.6278789


def mistake(function, *args, **kwargs) -> str:
    with pytest.raises(Mistake) as raised:
        function(*args, **kwargs)
    return str(raised.value)


# compare ----------------------------------------------------------------------------------------


def test_compare_accepts_numbers_in_every_form():
    for answer in [EXPECTED, np.float32(EXPECTED), np.array(EXPECTED), np.array([EXPECTED]), EXPECTED * (1 + 5e-5)]:
        compare(answer, EXPECTED)


@pytest.mark.parametrize(
    "answer, message",
    [
        (True, "Expected a single number, got a boolean (True)."),
        ("0.63", "Expected a single number, got text (a str)."),
        ([0.6, 0.6], "Expected a single number, got a list of 2 items."),
        (lambda: EXPECTED, "Expected a single number, got a function. Call your function and pass its result."),
    ],
)
def test_compare_names_what_is_not_a_number(answer, message):
    assert mistake(compare, answer, EXPECTED) == message


def test_compare_checks_array_shapes():
    assert mistake(compare, np.zeros((3, 2)), np.zeros((2, 3))) == (
        "Expected an array of shape (2, 3), got an array of shape (3, 2)."
    )
    assert "does not match" in mistake(compare, [1.0, 2.0], np.array([1.0, 3.0]))


def test_compare_names_a_listed_mistake_before_anything_else():
    message = mistake(compare, 0.5108, EXPECTED, mistakes=[("No smoothing.", 0.5108), ("Other.", 0.5108)])
    assert message == "No smoothing."


def test_compare_recognises_a_flipped_sign_nan_and_rounding():
    assert mistake(compare, -EXPECTED, EXPECTED, what="your loss") == (
        "The sign is flipped: your loss is the negative of the right one."
    )
    assert "sign" in mistake(compare, -np.array([1.0, -2.0]), np.array([1.0, -2.0]))
    assert mistake(compare, float("nan"), EXPECTED).startswith("Your answer contains nan or inf")
    assert "nan or inf" in mistake(compare, [np.inf, 1.0], np.array([2.0, 1.0]))
    assert "close but not close enough" in mistake(compare, 0.628, EXPECTED)


def test_compare_never_reveals_the_expected_value():
    for answer in [0.1, 0.628, -0.7, float("inf"), [1.0, 2.0], "x"]:
        message = mistake(compare, answer, EXPECTED)
        assert "0.62" not in message and "0.63" not in message


def test_as_number_takes_a_one_element_array_and_nothing_larger():
    assert as_number(np.array([[2.5]])) == 2.5
    assert mistake(as_number, np.ones(2)) == "Expected a single number, got an array of shape (2,)."


# check_function ---------------------------------------------------------------------------------


def strict_mean_square(x):
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        raise ValueError("x must not be empty")
    return float(np.mean(x**2))


CASES = [
    Case("a short vector", (np.array([1.0, 2.0, 3.0]),)),
    Case("one element", (np.array([2.0]),)),
    Case("large values", (np.array([1e150, -1e150]),)),
]


def test_check_function_accepts_a_right_function_written_differently():
    check_function(lambda x: float(np.dot(x, x) / len(x)), CASES, strict_mean_square)
    check_function(lambda x: np.array([np.mean(x**2)]), CASES, strict_mean_square)  # one element is a number


def test_check_function_accepts_plain_tuples_as_cases():
    check_function(strict_mean_square, [("a vector", (np.ones(3),), {})], strict_mean_square)


def test_check_function_names_the_case_not_the_value():
    message = mistake(check_function, lambda x: float(np.mean(x**2)) if len(x) > 1 else 0.0, CASES,
                      strict_mean_square)
    assert message == "Your function gives a different result on one element."


def test_check_function_names_a_listed_mistake_and_the_case_it_showed_on():
    message = mistake(check_function, lambda x: float(np.sum(x**2)), CASES, strict_mean_square,
                      mistakes=[(mistakes.FORGOT_THE_MEAN, lambda x: float(np.sum(np.asarray(x) ** 2)))])
    assert message == f"{mistakes.FORGOT_THE_MEAN} (Seen on a short vector.)"


def test_check_function_recognises_a_flipped_sign():
    assert "sign is flipped" in mistake(check_function, lambda x: -strict_mean_square(x), CASES, strict_mean_square)


def test_check_function_skips_a_wrong_implementation_that_fails_on_the_case():
    def fails(x):
        raise IndexError

    message = mistake(check_function, lambda x: 0.0, CASES, strict_mean_square,
                      mistakes=[("Fails.", fails), ("Zero.", lambda x: 0.0)])
    assert message == "Zero. (Seen on a short vector.)"


def test_check_function_reports_the_kind_of_output_none_and_errors_on_a_case():
    assert mistake(check_function, lambda x: x**2, CASES, strict_mean_square) == (
        "On a short vector, your function returned an array of shape (3,); it should return a single number."
    )
    assert "forget `return`" in mistake(check_function, lambda x: None, CASES, strict_mean_square)
    assert mistake(check_function, lambda x: strict_mean_square(x) + 0 * x[1], CASES, strict_mean_square).startswith(
        "On one element, your function raised IndexError")
    assert mistake(check_function, lambda x: "a half", CASES, strict_mean_square) == (
        "On a short vector, your function returned text (a str); it should return a single number."
    )
    assert mistake(check_function, 3.0, CASES, strict_mean_square).startswith("Expected a function, got a number")


def test_check_function_compares_through_a_key():
    def sorted_values(x):
        return np.sort(np.asarray(x, dtype=float))

    cases = [Case("a vector", (np.array([3.0, 1.0, 2.0]),))]
    check_function(lambda x: x[::-1], cases, lambda x: x, key=sorted_values)  # right up to the order
    assert "different result" in mistake(check_function, lambda x: x + 1, cases, lambda x: x, key=sorted_values)


def test_check_function_can_forbid_a_function_that_overwrites_its_input():
    def in_place(x):
        x **= 2
        return float(np.mean(x))

    check_function(in_place, CASES, strict_mean_square)  # allowed by default: each call gets its own copy
    message = mistake(check_function, in_place, CASES, strict_mean_square, allow_input_changes=False)
    assert "modified its input (argument 1) in place" in message


def test_check_function_expects_bad_input_to_be_rejected():
    cases = [*CASES, Case("an empty vector", (np.array([]),), bad_input=True)]
    check_function(strict_mean_square, cases, strict_mean_square)
    sloppy = lambda x: float(np.mean(np.asarray(x) ** 2)) if len(x) else 0.0  # noqa: E731
    message = mistake(check_function, sloppy, cases, strict_mean_square)
    assert message == "On an empty vector (bad input), your function should raise ValueError or TypeError."


def test_check_function_lets_a_stub_through_as_the_learners():
    def stub(x):
        raise NotImplementedError

    with pytest.raises(AnswerRaised) as raised:
        check_function(stub, CASES, strict_mean_square)
    assert isinstance(raised.value.error, NotImplementedError)


def test_a_learners_function_is_wrapped_once_and_keeps_its_name():
    wrapped = learners_function(strict_mean_square)
    assert learners_function(wrapped) is wrapped and wrapped.__name__ == "strict_mean_square"
    assert wrapped(np.ones(2)) == 1.0
    with pytest.raises(AnswerRaised, match="ValueError: x must not be empty"):
        wrapped(np.array([]))


# batch_cases ------------------------------------------------------------------------------------

LOGITS = np.random.default_rng(7).normal(size=(4, 4))
LABELS = np.array([0, 3, 1, 2])


def reference_loss(logits, labels, epsilon):
    return lsbook.cross_entropy(logits, labels, label_smoothing=epsilon)


def naive_loss(logits, labels, epsilon):
    """Right in exact arithmetic, but exp overflows on large logits."""
    p = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
    q = lsbook.smooth_labels(labels, logits.shape[-1], epsilon)
    return float(-(q * np.log(p)).sum(axis=-1).mean())


def test_batch_cases_pass_a_stable_loss_and_catch_an_overflowing_one():
    cases = batch_cases(LOGITS, LABELS, 0.1)
    assert len(cases) == 8
    check_function(lambda z, y, e: float(np.mean(-(lsbook.smooth_labels(y, z.shape[-1], e) * lsbook.log_softmax(z))
                                                 .sum(axis=-1))), cases, reference_loss, rtol=1e-4)
    with np.errstate(all="ignore"):
        message = mistake(check_function, naive_loss, cases, reference_loss)
    assert message.startswith("Your function's output contains nan or inf")
    assert message.endswith("(Seen on very large logits.)")


def test_batch_cases_reject_a_batch_of_the_wrong_shape():
    with pytest.raises(ValueError, match="shape"):
        batch_cases(LOGITS[0], np.array([1]), 0.1)
