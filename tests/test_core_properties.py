"""Property tests (Hypothesis; profile in conftest.py) and finite-difference gradient checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lsbook

MODERATE = st.floats(-30.0, 30.0, allow_nan=False, allow_infinity=False)
EPSILON = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def problems(draw, elements=MODERATE, max_rows=6, max_classes=7):
    """Logits (N, K), class indices (N,) and a smoothing strength."""
    num_rows = draw(st.integers(1, max_rows))
    num_classes = draw(st.integers(2, max_classes))
    logits = draw(hnp.arrays(np.float64, (num_rows, num_classes), elements=elements))
    labels = draw(hnp.arrays(np.int64, (num_rows,), elements=st.integers(0, num_classes - 1)))
    return logits, labels, draw(EPSILON)


def weights_for(num_classes):
    return st.none() | hnp.arrays(np.float64, (num_classes,), elements=st.floats(0.1, 5.0))


def _reference_log_softmax(z):
    """Independent float64 log-softmax along the last axis."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _entropy(q):
    return -np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0).sum(axis=-1)


# --- invariances and identities ---------------------------------------------------------------


@given(problem=problems(), data=st.data())
def test_loss_and_gradient_are_invariant_to_a_shift_of_each_row(problem, data):
    logits, labels, epsilon = problem
    shifts = data.draw(hnp.arrays(np.float64, (logits.shape[0], 1), elements=st.floats(-100.0, 100.0)))
    weight = data.draw(weights_for(logits.shape[1]))
    kwargs = {"label_smoothing": epsilon, "weight": weight, "reduction": "none"}
    np.testing.assert_allclose(
        lsbook.cross_entropy(logits + shifts, labels, **kwargs),
        lsbook.cross_entropy(logits, labels, **kwargs),
        rtol=1e-9,
        atol=1e-9,
    )
    np.testing.assert_allclose(
        lsbook.cross_entropy_grad(logits + shifts, labels, **kwargs),
        lsbook.cross_entropy_grad(logits, labels, **kwargs),
        atol=1e-9,
    )


@given(problem=problems(), reduction=st.sampled_from(["mean", "sum", "none"]))
def test_gradient_rows_sum_to_zero_without_weights(problem, reduction):
    logits, labels, epsilon = problem
    grad = lsbook.cross_entropy_grad(logits, labels, label_smoothing=epsilon, reduction=reduction)
    np.testing.assert_allclose(grad.sum(axis=-1), 0.0, atol=1e-12)


@given(problem=problems(), convention=st.sampled_from(["uniform", "others"]))
def test_loss_is_at_least_the_entropy_of_the_target(problem, convention):
    """Gibbs: -sum q log p >= H(q) for every row."""
    logits, labels, epsilon = problem
    q = lsbook.smooth_labels(labels, logits.shape[1], epsilon, convention=convention)
    losses = lsbook.cross_entropy(logits, labels, label_smoothing=epsilon, reduction="none", convention=convention)
    assert np.all(losses >= _entropy(q) - 1e-9)


@given(problem=problems(), convention=st.sampled_from(["uniform", "others"]))
def test_loss_equals_the_entropy_and_gradient_vanishes_at_p_equal_q(problem, convention):
    _, labels, epsilon = problem
    num_classes = problem[0].shape[1]
    q = lsbook.smooth_labels(labels, num_classes, epsilon, convention=convention)
    assume(np.all(q > 0) or epsilon == 0.0)  # a zero target class needs a -inf logit times 0
    with np.errstate(divide="ignore"):
        logits = np.log(q)  # -inf where q = 0 (eps = 0): masked classes
    kwargs = {"label_smoothing": epsilon, "convention": convention}
    np.testing.assert_allclose(
        lsbook.cross_entropy(logits, labels, reduction="none", **kwargs), _entropy(q), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(lsbook.cross_entropy_grad(logits, labels, **kwargs), 0.0, atol=1e-12)


@given(problem=problems())
def test_no_smoothing_is_minus_log_p_of_the_true_class(problem):
    logits, labels, _ = problem
    expected = -_reference_log_softmax(logits)[np.arange(labels.size), labels]
    np.testing.assert_allclose(lsbook.cross_entropy(logits, labels, reduction="none"), expected, rtol=1e-12, atol=1e-12)
    assert float(lsbook.cross_entropy(logits, labels)) == pytest.approx(expected.mean(), rel=1e-12, abs=1e-12)


@given(problem=problems(), data=st.data())
def test_smoothed_loss_matches_the_explicit_target(problem, data):
    """-sum_k w_k q_k log p_k with q from smooth_labels, for both conventions."""
    logits, labels, epsilon = problem
    convention = data.draw(st.sampled_from(["uniform", "others"]))
    weight = data.draw(weights_for(logits.shape[1]))
    q = lsbook.smooth_labels(labels, logits.shape[1], epsilon, convention=convention)
    w = np.ones(logits.shape[1]) if weight is None else weight
    expected = -(w * q * _reference_log_softmax(logits)).sum(axis=-1)
    losses = lsbook.cross_entropy(
        logits, labels, label_smoothing=epsilon, weight=weight, reduction="none", convention=convention
    )
    np.testing.assert_allclose(losses, expected, rtol=1e-10, atol=1e-10)


@given(problem=problems(max_rows=8), data=st.data())
def test_ignore_index_equals_dropping_those_rows(problem, data):
    logits, labels, epsilon = problem
    ignore_index = data.draw(st.sampled_from([-100, -1, 0]))  # 0: a real class is ignored
    dropped = data.draw(hnp.arrays(np.bool_, labels.shape))
    target = np.where(dropped, ignore_index, labels)
    kept = target != ignore_index
    weight = data.draw(weights_for(logits.shape[1]))
    common = {"label_smoothing": epsilon, "weight": weight}
    for reduction in ("mean", "sum"):
        kwargs = {**common, "reduction": reduction}
        loss = lsbook.cross_entropy(logits, target, ignore_index=ignore_index, **kwargs)
        grad = lsbook.cross_entropy_grad(logits, target, ignore_index=ignore_index, **kwargs)
        np.testing.assert_array_equal(grad[~kept], 0.0)
        if not kept.any():
            assert np.isnan(loss) if reduction == "mean" else float(loss) == 0.0
            continue
        expected = lsbook.cross_entropy(logits[kept], target[kept], **kwargs)
        assert float(loss) == pytest.approx(float(expected), rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(
            grad[kept], lsbook.cross_entropy_grad(logits[kept], target[kept], **kwargs), rtol=1e-12, atol=1e-15
        )


@given(problem=problems())
def test_others_convention_is_uniform_at_a_rescaled_epsilon(problem):
    """The "others" convention at eps equals "uniform" at eps * K / (K - 1), when that is <= 1."""
    logits, labels, epsilon = problem
    num_classes = logits.shape[1]
    rescaled = epsilon * num_classes / (num_classes - 1)
    assume(rescaled <= 1.0)
    np.testing.assert_allclose(
        lsbook.smooth_labels(labels, num_classes, epsilon, convention="others"),
        lsbook.smooth_labels(labels, num_classes, rescaled),
        atol=1e-15,
    )
    for function in (lsbook.cross_entropy, lsbook.cross_entropy_grad):
        np.testing.assert_allclose(
            function(logits, labels, label_smoothing=epsilon, convention="others", reduction="none"),
            function(logits, labels, label_smoothing=rescaled, reduction="none"),
            rtol=1e-12,
            atol=1e-12,
        )


# --- gradients against finite differences -----------------------------------------------------


def _check_gradient(logits, target, **kwargs):
    def total_loss(z):
        return float(np.sum(lsbook.cross_entropy(z, target, **kwargs)))

    np.testing.assert_allclose(
        lsbook.cross_entropy_grad(logits, target, **kwargs),
        lsbook.numeric_gradient(total_loss, logits, step=1e-5),
        atol=1e-7,
    )


@given(
    problem=problems(elements=st.floats(-5.0, 5.0), max_rows=4, max_classes=5),
    reduction=st.sampled_from(["mean", "sum", "none"]),
    data=st.data(),
)
def test_gradient_matches_finite_differences(problem, reduction, data):
    logits, labels, epsilon = problem
    weight = data.draw(weights_for(logits.shape[1]))
    _check_gradient(logits, labels, label_smoothing=epsilon, weight=weight, reduction=reduction)


FD_CONFIGS = {
    "plain": {},
    "smoothing": {"label_smoothing": 0.1},
    "others": {"label_smoothing": 0.3, "convention": "others"},
    "weights": {"weight": [0.3, 2.0, 1.0, 0.7]},
    "weights-smoothing": {"weight": [0.3, 2.0, 1.0, 0.7], "label_smoothing": 0.2},
    "ignore": {"ignore_index": -100, "label_smoothing": 0.1},
    "ignore-weights": {"ignore_index": -100, "label_smoothing": 0.1, "weight": [0.3, 2.0, 1.0, 0.7]},
    "probabilities": {"probabilities": True},
    "probabilities-smoothing": {"probabilities": True, "label_smoothing": 0.25},
    "probabilities-weights": {"probabilities": True, "label_smoothing": 0.1, "weight": [0.3, 2.0, 1.0, 0.7]},
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("config", FD_CONFIGS.values(), ids=FD_CONFIGS.keys())
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)], ids=["2-D", "3-D"])
def test_gradient_matches_finite_differences_for_each_feature(config, reduction, shape):
    rng = np.random.default_rng(11)
    logits = rng.normal(0.0, 2.0, size=shape)
    kwargs = {key: value for key, value in config.items() if key != "probabilities"}
    if config.get("probabilities"):
        target = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    else:
        target = rng.integers(0, shape[-1], size=shape[:-1])
        if "ignore_index" in kwargs:
            target.reshape(-1)[[0, 3]] = kwargs["ignore_index"]
    _check_gradient(logits, target, reduction=reduction, **kwargs)


# --- softmax and friends ----------------------------------------------------------------------


SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=6)


@given(z=hnp.arrays(np.float64, SHAPES, elements=st.floats(-50.0, 50.0)), data=st.data())
def test_softmax_sums_to_one_and_log_softmax_is_its_log(z, data):
    axis = data.draw(st.integers(-z.ndim, z.ndim - 1))
    p = lsbook.softmax(z, axis=axis)
    assert p.shape == z.shape
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, atol=1e-12)
    np.testing.assert_allclose(lsbook.log_softmax(z, axis=axis), np.log(p), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(lsbook.logsumexp(z, axis=axis), np.log(np.exp(z).sum(axis=axis)), rtol=1e-12, atol=1e-12)


HUGE = st.floats(-1e30, 1e30, allow_nan=False, allow_infinity=False)


@given(problem=problems(elements=HUGE))
def test_huge_finite_logits_stay_finite(problem):
    """Logits up to 1e30 in size: no overflow, probabilities still sum to one."""
    logits, labels, epsilon = problem
    p = lsbook.softmax(logits)
    log_p = lsbook.log_softmax(logits)
    lse = lsbook.logsumexp(logits)
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(log_p)) and np.all(np.isfinite(lse))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-12)
    assert np.all(log_p <= 0.0)
    peak = logits.max(axis=-1)
    assert np.all(lse >= peak)
    assert np.all(lse - peak <= np.log(logits.shape[1]) + 2 * np.spacing(np.abs(peak)))  # up to rounding
    loss = lsbook.cross_entropy(logits, labels, label_smoothing=epsilon, reduction="none")
    assert np.all(np.isfinite(loss)) and np.all(loss >= 0.0)
    assert np.all(np.isfinite(lsbook.cross_entropy_grad(logits, labels, label_smoothing=epsilon)))
