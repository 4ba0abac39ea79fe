"""The checks of chapter 2: independent reference answers pass, typical mistakes are named."""

import numpy as np
import pytest

import lsbook
from lsbook import check
from lsbook.selfstudy import mistakes


def softmax_rows(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def smoothed_target(labels, k, eps):
    q = np.full(np.shape(labels) + (k,), eps / k)
    q[np.arange(len(labels)), labels] += 1.0 - eps
    return q


# Reference answers written independently of the checker ---------------------------------


def grad_21():
    p = np.array([0.96, 0.01, 0.01, 0.015, 0.005])
    q = np.full(5, 0.1 / 5)
    q[0] += 0.9
    return p - q


def gap_others(eps, k):
    return np.log((1 - eps) * (k - 1) / eps)


def mean_grad(logits, labels, eps):
    logits = np.asarray(logits, dtype=float)
    n, k = logits.shape
    return (softmax_rows(logits) - smoothed_target(np.asarray(labels), k, eps)) / n


def prior_gaps(label, prior, eps):
    # q_c / q_j with q_c = 1 - eps + eps u_c and q_j = eps u_j
    prior = np.asarray(prior, dtype=float)
    q_true = 1 - eps + eps * prior[label]
    gaps = np.log(q_true) - np.log(eps * prior)
    gaps[label] = 0.0
    return gaps


REFERENCES = {"2.1": grad_21(), "2.2": gap_others, "2.3": 1 - 0.1 + 0.1 / 10, "2.4": mean_grad, "2.5": prior_gaps}


@pytest.mark.parametrize("exercise", sorted(REFERENCES))
def test_reference_answer_is_correct(exercise):
    verdict = check(exercise, REFERENCES[exercise])
    assert verdict.correct, str(verdict)
    assert "correct" in str(verdict)


def assert_mistake(exercise, answer, words):
    verdict = check(exercise, answer)
    assert not verdict.correct and verdict.attempted
    assert words in verdict.message, verdict.message


def test_21_names_hard_target_convention_slip_and_sign():
    p = np.array([0.96, 0.01, 0.01, 0.015, 0.005])
    onehot = np.eye(5)[0]
    assert_mistake("2.1", p - onehot, mistakes.NO_SMOOTHING)
    others = np.full(5, 0.1 / 4)
    others[0] = 0.9
    assert_mistake("2.1", p - others, mistakes.WRONG_CONVENTION)
    overwritten = np.full(5, 0.02)
    overwritten[0] = 0.9
    assert_mistake("2.1", p - overwritten, mistakes.OVERWRITTEN_TRUE_CLASS)
    assert_mistake("2.1", -grad_21(), "sign")
    assert_mistake("2.1", grad_21()[:4], "Expected an array of shape (5,), got an array of shape (4,).")


def test_22_names_uniform_convention_and_missing_log():
    assert_mistake("2.2", lambda e, k: np.log((1 - e + e / k) / (e / k)), "uniform convention")
    assert_mistake("2.2", lambda e, k: (1 - e) * (k - 1) / e, mistakes.RATIO_NOT_ITS_LOG)
    assert_mistake("2.2", lambda e, k: np.log((1 - e) * k / e), mistakes.OTHER_CLASSES_COUNT)


def test_23_names_forgotten_share_and_hard_bound():
    assert_mistake("2.3", 0.9, mistakes.OVERWRITTEN_TRUE_CLASS)
    assert_mistake("2.3", 1.0, mistakes.NO_SMOOTHING)
    assert_mistake("2.3", 0.01, mistakes.WRONG_CLASS_TARGET)
    assert_mistake("2.3", 0.925, "K = 4")
    assert_mistake("2.3", 0.5, "does not match")


def test_24_names_the_typical_mistakes():
    assert_mistake("2.4", lambda z, y, e: mean_grad(z, y, e) * len(z), mistakes.FORGOT_THE_MEAN)
    assert_mistake("2.4", lambda z, y, e: -mean_grad(z, y, e), "The sign is flipped")
    assert_mistake("2.4", lambda z, y, e: mean_grad(z, y, 0.0), mistakes.NO_SMOOTHING)

    def others(z, y, e):
        z = np.asarray(z, dtype=float)
        n, k = z.shape
        q = np.full((n, k), e / (k - 1))
        q[np.arange(n), y] = 1 - e
        return (softmax_rows(z) - q) / n

    assert_mistake("2.4", others, mistakes.WRONG_CONVENTION)

    def overwritten(z, y, e):
        z = np.asarray(z, dtype=float)
        n, k = z.shape
        q = np.full((n, k), e / k)
        q[np.arange(n), y] = 1 - e
        return (softmax_rows(z) - q) / n

    assert_mistake("2.4", overwritten, mistakes.OVERWRITTEN_TRUE_CLASS)
    assert_mistake("2.4", lambda z, y, e: (np.asarray(z) - smoothed_target(y, np.shape(z)[1], e)) / len(z),
                   mistakes.LOGITS_AS_PROBABILITIES)
    assert_mistake("2.4", lambda z, y, e: None, "return")


def test_24_learner_function_may_modify_its_input():
    def in_place(z, y, e):
        z -= z.max(axis=1, keepdims=True)  # modifies the caller's array
        return mean_grad(z, y, e)

    assert check("2.4", in_place).correct


def test_25_names_the_typical_mistakes():
    assert_mistake("2.5", lambda c, u, e: prior_gaps(c, np.full(len(u), 1 / len(u)), e), "uniform prior")

    def no_prior_on_true(c, u, e):
        q = e * np.asarray(u, dtype=float)
        q[c] = 1 - e
        return np.log(q[c] / q)

    assert_mistake("2.5", no_prior_on_true, "eps * u_c")
    assert_mistake("2.5", lambda c, u, e: -prior_gaps(c, u, e), "sign")
    assert_mistake("2.5", lambda c, u, e: np.exp(prior_gaps(c, u, e)), mistakes.RATIO_NOT_ITS_LOG)

    def probabilities(c, u, e):
        q = e * np.asarray(u, dtype=float)
        q[c] += 1 - e
        return q

    assert_mistake("2.5", probabilities, "not gaps between logits")
    assert_mistake("2.5", lambda c, u, e: prior_gaps(c, u, e)[:-1], "should return an array of shape")


def test_25_prior_ranks_the_wrong_classes():
    """The point of the exercise: with a non-uniform prior the wrong logits are not equal."""
    gaps = prior_gaps(2, [0.5, 0.3, 0.05, 0.15], 0.1)
    assert np.argsort(np.delete(gaps, 2)).tolist() == [0, 1, 2]  # sunny, cloudy, stormy
    assert np.allclose(np.delete(prior_gaps(0, np.full(4, 0.25), 0.1), 0), np.log(37))


def test_checker_expected_values_agree_with_the_chapter():
    """The expected answers come from lsbook and match the book's worked numbers."""
    z = np.log([0.02, 0.01, 0.95, 0.02])
    grad = lsbook.cross_entropy_grad(z, 2, label_smoothing=0.1)
    assert grad[2] == pytest.approx(0.025, abs=1e-12)
    assert gap_others(0.1, 4) == pytest.approx(np.log(27))
