"""The catalogue of mistakes (lsbook.selfstudy.mistakes) and the shared wrong answers (wrong_answers)."""

import ast
from pathlib import Path

import numpy as np
import pytest

import lsbook
from lsbook.selfstudy import mistakes
from lsbook.selfstudy.compare import check_function, compare
from lsbook.selfstudy.mistakes import Mistake
from lsbook.selfstudy.wrong_answers import (
    gradient_slips,
    loss_mistakes,
    loss_slips,
    one_hot,
    others_target,
    overwritten_target,
    softmax_applied_twice,
)

CHECKS = Path(lsbook.__file__).parent / "selfstudy" / "checks"
CATALOGUE = {name: value for name, value in vars(mistakes).items() if name.isupper() and isinstance(value, str)}
TYPICAL = {name: CATALOGUE[name] for name in list(CATALOGUE)[list(CATALOGUE).index("WRONG_CONVENTION"):]}


def mistake(function, *args, **kwargs) -> str:
    with pytest.raises(Mistake) as raised:
        function(*args, **kwargs)
    return str(raised.value)


# The catalogue ----------------------------------------------------------------------------------


def test_every_typical_mistake_is_a_sentence_worded_once():
    assert len(TYPICAL) >= 15
    for name, message in TYPICAL.items():
        assert message[0].isupper() and message.endswith("."), name
    assert len(set(TYPICAL.values())) == len(TYPICAL)


def string_literals(path: Path) -> list[str]:
    return [node.value for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Constant)
            and isinstance(node.value, str)]


@pytest.mark.parametrize("path", sorted(CHECKS.glob("ch*.py")), ids=lambda p: p.name)
def test_chapters_take_the_typical_mistakes_from_the_catalogue(path):
    """A chapter that writes one of these phrases itself is rewording a catalogue entry."""
    phrases = ["forgot the mean", "sum over the", "applied twice", "overwrit", "in bits", "not masked",
               "wrong convention", "fairseq convention", "hard one-hot", "renormalis", "multiplied by t"]
    own = [text for text in string_literals(path) if any(phrase in text.lower() for phrase in phrases)]
    assert own == [], f"{path.name} words a mistake the catalogue has: {own}"


def test_every_typical_mistake_is_used_by_a_check():
    sources = "\n".join(path.read_text() for path in [*CHECKS.glob("ch*.py"), CHECKS.parent / "wrong_answers.py"])
    unused = [name for name in TYPICAL if f"mistakes.{name}" not in sources and f"say.{name}" not in sources]
    assert unused == []


@pytest.mark.parametrize(
    "answer, kind",
    [(None, "None"), (np.bool_(False), "a boolean (False)"), (np.float64(1.0), "a number (float64)"),
     (np.array(1.0), "a number (a 0-d array)"), (np.array(["a"]), "an array of <U1 of shape (1,)"),
     ((1, 2), "a tuple of 2 items"), (object(), "a object"), (print, "a function")],
)
def test_kind_of_names_any_answer(answer, kind):
    assert mistakes.kind_of(answer) == kind


# Shared wrong targets -----------------------------------------------------------------------------


def test_the_wrong_targets_are_the_slips_they_stand_for():
    target, k, eps = np.array([2, 0]), 4, 0.2
    np.testing.assert_allclose(one_hot(target, k), np.eye(k)[target])
    others = others_target(target, k, eps)
    np.testing.assert_allclose(others[0], [eps / 3, eps / 3, 1 - eps, eps / 3])
    overwritten = overwritten_target(target, k, eps)
    np.testing.assert_allclose(overwritten[0], [eps / 4, eps / 4, 1 - eps, eps / 4])
    np.testing.assert_allclose(overwritten.sum(axis=-1), 1 - eps / k)


LOSS_BATCH = (np.random.default_rng(1).normal(size=(5, 4)) * 3, np.array([0, 3, 1, 2, 3]), 0.1)


def reference_loss(logits, target, eps):
    return lsbook.cross_entropy(logits, target, label_smoothing=eps)


@pytest.mark.parametrize("index", [i for i, (message, _) in enumerate(loss_slips()) if message != mistakes.OVERFLOW])
def test_each_loss_slip_is_recognised_as_itself(index):
    """On an ordinary batch; the overflow, which only large logits show, has a test of its own below."""
    message, wrong = loss_slips()[index]
    assert message in mistakes.__dict__.values()
    assert not np.isclose(wrong(*LOSS_BATCH), reference_loss(*LOSS_BATCH))
    cases = [("a batch", LOSS_BATCH, {})]
    assert mistake(check_function, wrong, cases, reference_loss, mistakes=loss_slips()) == (
        f"{message} (Seen on a batch.)"
    )


@pytest.mark.parametrize("index", range(len(gradient_slips())))
def test_each_gradient_slip_is_recognised_as_itself(index):
    message, wrong = gradient_slips()[index]

    def reference(logits, target, eps):
        return lsbook.cross_entropy_grad(logits, target, label_smoothing=eps)

    cases = [("a batch", LOSS_BATCH, {})]
    found = mistake(check_function, wrong, cases, reference, mistakes=gradient_slips())
    assert found == f"{message} (Seen on a batch.)"


def test_an_overflowing_loss_is_named_as_an_overflow_not_as_the_log_of_the_logits():
    def naive(logits, target, eps):
        logits = np.asarray(logits, dtype=float)
        with np.errstate(all="ignore"):
            log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return -(lsbook.smooth_labels(target, logits.shape[1], eps) * log_p).sum(axis=1).mean()

    cases = [("large logits", (np.array([[1000.0, 999.0, -1000.0]]), np.array([0]), 0.2), {})]
    assert mistake(check_function, naive, cases, reference_loss, mistakes=loss_slips()).startswith(mistakes.OVERFLOW)


def test_softmax_applied_twice_feeds_probabilities_to_the_function():
    x = np.array([[1.0, 2.0, 0.5]])
    assert softmax_applied_twice(np.sum)(x) == pytest.approx(1.0)


# loss_mistakes ----------------------------------------------------------------------------------

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
        (lambda: right_loss(convention="others"), mistakes.WRONG_CONVENTION),
        (lambda: right_loss(label_smoothing=0.0), mistakes.NO_SMOOTHING),
        (lambda: right_loss(reduction="sum"), mistakes.FORGOT_THE_MEAN),
        (lambda: lsbook.cross_entropy(lsbook.softmax(LOGITS), LABELS, **OPTIONS), mistakes.SOFTMAX_TWICE),
        (lambda: right_loss(reduction="sum") / LABELS.size, mistakes.PADDING_COUNTED),
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
    found = loss_mistakes(LOGITS, labels, **options)
    padded_as_class = lsbook.cross_entropy(LOGITS, labels, **dict(options, ignore_index=None))
    assert mistake(compare, padded_as_class, right, mistakes=found) == mistakes.PADDING_NOT_MASKED
    plain_mean = lsbook.cross_entropy(LOGITS, labels, **dict(options, reduction="sum")) / 3
    assert mistake(compare, plain_mean, right, mistakes=found) == mistakes.WEIGHTED_MEAN


def test_loss_mistakes_leave_out_what_changes_nothing():
    messages = [message for message, _ in loss_mistakes(LOGITS[:1], LABELS[:1])]
    assert mistakes.WRONG_CONVENTION not in messages  # no smoothing: both conventions agree
    assert mistakes.FORGOT_THE_MEAN not in messages  # one row: the sum is the mean
