"""Hand-derivable values from the chapter brief (sections 1-2), and basic semantics."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lsbook

# Weather, K = 4 (sunny, cloudy, rainy, stormy), true class rainy.
WEATHER_P = np.array([0.1, 0.2, 0.6, 0.1])
WEATHER_Z = np.log(WEATHER_P)  # softmax(log p) = p
RAINY, SUNNY = 2, 0

BATCH_LOGITS = np.array([[2.0, 0.5, -1.0], [0.1, 1.8, 0.2], [1.2, 0.7, 0.3], [0.0, -0.2, 2.4]])
BATCH_TARGETS = np.array([0, 1, 0, 2])
BATCH_GRAD = np.array(
    [[-0.0369, 0.0355, 0.0014], [0.0247, -0.0528, 0.0281], [-0.1091, 0.0670, 0.0422], [0.0111, 0.0076, -0.0187]]
)
ROUNDED_4 = 5e-5 + 1e-12  # a value printed to 4 decimals is within half a unit of the last place


# --- the weather example ----------------------------------------------------------------------


def test_weather_smoothed_target():
    np.testing.assert_allclose(lsbook.smooth_labels(RAINY, 4, 0.1), [0.025, 0.025, 0.925, 0.025], atol=1e-15)


def test_weather_smoothed_loss():
    loss = lsbook.cross_entropy(WEATHER_Z, RAINY, label_smoothing=0.1)
    assert float(loss) == pytest.approx(0.62787890, abs=5e-9)
    assert float(loss) == pytest.approx(0.6279, abs=ROUNDED_4)


def test_weather_hard_loss_is_minus_log_p_true():
    loss = lsbook.cross_entropy(WEATHER_Z, RAINY)
    assert float(loss) == pytest.approx(-math.log(0.6), rel=1e-12)
    assert float(loss) == pytest.approx(0.5108, abs=ROUNDED_4)


def test_weather_per_class_terms_and_the_split_of_the_difference():
    """q_k log p_k per class, and 0.1171 = off-class share 0.1554 - true-class loss 0.0383 (not 0.1279)."""
    terms = lsbook.smooth_labels(RAINY, 4, 0.1) * lsbook.log_softmax(WEATHER_Z)
    np.testing.assert_allclose(terms, [-0.0576, -0.0402, -0.4725, -0.0576], atol=ROUNDED_4)
    smoothed = float(lsbook.cross_entropy(WEATHER_Z, RAINY, label_smoothing=0.1))
    hard = float(lsbook.cross_entropy(WEATHER_Z, RAINY))
    off_class_share = -(terms.sum() - terms[RAINY])
    true_class_drop = hard - (-terms[RAINY])
    assert smoothed - hard == pytest.approx(0.1171, abs=ROUNDED_4)
    assert off_class_share == pytest.approx(0.1554, abs=ROUNDED_4)
    assert true_class_drop == pytest.approx(0.5108 - 0.4725, abs=2 * ROUNDED_4)
    assert smoothed - hard == pytest.approx(off_class_share - true_class_drop, abs=1e-12)
    assert off_class_share != pytest.approx(0.1279, abs=1e-3)


def test_weather_gradient_smoothed_and_hard():
    smoothed = lsbook.cross_entropy_grad(WEATHER_Z, RAINY, label_smoothing=0.1)
    hard = lsbook.cross_entropy_grad(WEATHER_Z, RAINY)
    np.testing.assert_allclose(smoothed, [0.075, 0.175, -0.325, 0.075], atol=1e-12)
    np.testing.assert_allclose(hard, [0.10, 0.20, -0.40, 0.10], atol=1e-12)
    assert smoothed[RAINY] == pytest.approx(-13 / 40, abs=1e-12)
    assert smoothed[SUNNY] == pytest.approx(0.075, abs=1e-12)
    assert hard[SUNNY] == pytest.approx(0.10, abs=1e-12)
    assert 1 - smoothed[RAINY] / hard[RAINY] == pytest.approx(0.1875, abs=1e-12)  # 18.75% smaller


@pytest.mark.parametrize(
    ("epsilon", "true_class", "other"),
    [(0.0, 1.000, 0.000), (0.1, 0.925, 0.025), (0.2, 0.850, 0.050), (0.3, 0.775, 0.075)],
)
def test_epsilon_sensitivity_of_the_target_k4(epsilon, true_class, other):
    q = lsbook.smooth_labels(RAINY, 4, epsilon)
    expected = np.full(4, other)
    expected[RAINY] = true_class
    np.testing.assert_allclose(q, expected, atol=1e-12)
    assert q.sum() == pytest.approx(1.0, abs=1e-12)
    loss = lsbook.cross_entropy(WEATHER_Z, RAINY, label_smoothing=epsilon)
    assert float(loss) == pytest.approx(-(expected * np.log(WEATHER_P)).sum(), rel=1e-12)


# --- the other worked examples ----------------------------------------------------------------


def test_k5_target_and_gradient():
    p = np.array([0.05, 0.80, 0.05, 0.06, 0.04])
    np.testing.assert_allclose(lsbook.smooth_labels(1, 5, 0.1), [0.02, 0.92, 0.02, 0.02, 0.02], atol=1e-12)
    np.testing.assert_allclose(
        lsbook.cross_entropy_grad(np.log(p), 1, label_smoothing=0.1), [0.03, -0.12, 0.03, 0.04, 0.02], atol=1e-12
    )
    np.testing.assert_allclose(lsbook.cross_entropy_grad(np.log(p), 1), [0.05, -0.20, 0.05, 0.06, 0.04], atol=1e-12)


def test_over_confident_prediction_is_pushed_down():
    """Past 0.925 the smoothed true-class gradient turns positive; starved classes are nudged up."""
    p = np.array([0.02, 0.01, 0.95, 0.02])
    hard = lsbook.cross_entropy_grad(np.log(p), 2)
    smoothed = lsbook.cross_entropy_grad(np.log(p), 2, label_smoothing=0.1)
    assert hard[2] == pytest.approx(-0.05, abs=1e-12)
    assert smoothed[2] == pytest.approx(0.025, abs=1e-12)
    off = np.array([0, 1, 3])
    np.testing.assert_allclose(smoothed[off], p[off] - 0.025, atol=1e-12)
    assert np.all(smoothed[off] < 0)


@pytest.mark.parametrize(("p_true", "gap"), [(0.998, math.log(1497)), (0.925, math.log(37))])
def test_logit_chase_k4(p_true, gap):
    """With the other three logits at 0, a true logit of log(p * 3 / (1 - p)) reaches p."""
    assert lsbook.softmax([0.0, 0.0, gap, 0.0])[2] == pytest.approx(p_true, rel=1e-12)


@pytest.mark.parametrize(("num_classes", "gap"), [(4, math.log(37)), (10, math.log(91)), (1000, math.log(9001))])
def test_smoothed_optimum_has_a_finite_logit_gap(num_classes, gap):
    """At z_c - z_j = log((1 - eps + eps/K) / (eps/K)) the gradient vanishes and the loss is H(q)."""
    z = np.zeros(num_classes)
    z[0] = gap
    q = lsbook.smooth_labels(0, num_classes, 0.1)
    np.testing.assert_allclose(lsbook.cross_entropy_grad(z, 0, label_smoothing=0.1), 0.0, atol=1e-12)
    assert float(lsbook.cross_entropy(z, 0, label_smoothing=0.1)) == pytest.approx(-(q * np.log(q)).sum(), rel=1e-12)
    assert lsbook.softmax(z)[0] == pytest.approx(1 - 0.1 + 0.1 / num_classes, rel=1e-12)


@pytest.mark.parametrize(
    ("num_classes", "epsilon", "convention", "ratio"),
    [(4, 0.1, "uniform", 37), (10, 0.1, "uniform", 91), (1000, 0.1, "uniform", 9001), (4, 0.1, "others", 27)],
)
def test_optimal_logit_gap_hand_values(num_classes, epsilon, convention, ratio):
    """K = 4: 0.925 / 0.025 = 37; fairseq's convention gives 0.9 / (0.1 / 3) = 27."""
    gap = lsbook.optimal_logit_gap(num_classes, epsilon, convention=convention)
    assert isinstance(gap, float)
    assert gap == pytest.approx(math.log(ratio), rel=1e-12)


@pytest.mark.parametrize("convention", ["uniform", "others"])
@pytest.mark.parametrize(("num_classes", "epsilon"), [(2, 0.3), (5, 0.05), (7, 0.6)])
def test_the_gradient_vanishes_at_the_optimal_logit_gap(num_classes, epsilon, convention):
    z = np.zeros(num_classes)
    z[0] = lsbook.optimal_logit_gap(num_classes, epsilon, convention=convention)
    kwargs = {"label_smoothing": epsilon, "convention": convention}
    np.testing.assert_allclose(lsbook.cross_entropy_grad(z, 0, **kwargs), 0.0, atol=1e-12)


def test_optimal_logit_gap_limits():
    assert lsbook.optimal_logit_gap(4, 0.0) == math.inf  # hard targets: no finite minimum
    assert lsbook.optimal_logit_gap(4, 0.0, convention="others") == math.inf
    assert lsbook.optimal_logit_gap(4, 1.0) == 0.0  # the uniform target: all logits equal
    assert lsbook.optimal_logit_gap(4, 1.0, convention="others") == -math.inf  # true class gets nothing


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "name"),
    [((1, 0.1), {}, ValueError, "num_classes"), ((4.0, 0.1), {}, TypeError, "num_classes"),
     ((4, 1.5), {}, ValueError, "label_smoothing"), ((4, -0.1), {}, ValueError, "label_smoothing"),
     ((4, "0.1"), {}, TypeError, "label_smoothing"), ((4, 0.1), {"convention": "fairseq"}, ValueError, "convention")],
)
def test_optimal_logit_gap_rejects_bad_input(args, kwargs, error, name):
    with pytest.raises(error, match=rf"\b{name}\b"):
        lsbook.optimal_logit_gap(*args, **kwargs)


def test_batch_of_four_float64():
    loss = lsbook.cross_entropy(BATCH_LOGITS, BATCH_TARGETS, label_smoothing=0.1)
    grad = lsbook.cross_entropy_grad(BATCH_LOGITS, BATCH_TARGETS, label_smoothing=0.1)
    assert np.asarray(loss).dtype == np.float64
    assert float(loss) == pytest.approx(0.473107826, abs=5e-10)
    np.testing.assert_allclose(grad, BATCH_GRAD, atol=ROUNDED_4)


def test_batch_of_four_float32_stays_float32():
    """float32 in, float32 out, close to the float64 value (never compared exactly)."""
    logits = BATCH_LOGITS.astype(np.float32)
    loss = lsbook.cross_entropy(logits, BATCH_TARGETS, label_smoothing=0.1)
    grad = lsbook.cross_entropy_grad(logits, BATCH_TARGETS, label_smoothing=0.1)
    assert np.asarray(loss).dtype == np.float32
    assert grad.dtype == np.float32
    assert float(loss) == pytest.approx(0.473107826, rel=1e-6)
    np.testing.assert_allclose(grad, BATCH_GRAD, atol=ROUNDED_4)
    np.testing.assert_allclose(
        grad, lsbook.cross_entropy_grad(BATCH_LOGITS, BATCH_TARGETS, label_smoothing=0.1), rtol=0, atol=1e-7
    )


def test_others_convention_target():
    """fairseq: the true class gets exactly 1 - eps, the others eps / (K - 1)."""
    q = lsbook.smooth_labels(RAINY, 4, 0.1, convention="others")
    np.testing.assert_allclose(q, [0.1 / 3, 0.1 / 3, 0.9, 0.1 / 3], atol=1e-15)
    assert q.sum() == pytest.approx(1.0, abs=1e-15)
    loss = lsbook.cross_entropy(WEATHER_Z, RAINY, label_smoothing=0.1, convention="others")
    assert float(loss) == pytest.approx(-(q * np.log(WEATHER_P)).sum(), rel=1e-12)
    grad = lsbook.cross_entropy_grad(WEATHER_Z, RAINY, label_smoothing=0.1, convention="others")
    np.testing.assert_allclose(grad, WEATHER_P - q, atol=1e-12)


def test_smooth_labels_shape_follows_the_target():
    q = lsbook.smooth_labels(np.array([[0, 1, 2], [2, 2, 0]]), 3, 0.3)
    assert q.shape == (2, 3, 3)
    assert q.dtype == np.float64
    np.testing.assert_allclose(q.sum(axis=-1), 1.0, atol=1e-12)
    np.testing.assert_allclose(q[1, 0], [0.1, 0.1, 0.8], atol=1e-12)


# --- shapes -----------------------------------------------------------------------------------


def test_single_row_equals_a_batch_of_one():
    """Logits of shape (K,) with a scalar target behave like (1, K) with one label."""
    z = np.array([0.3, -1.2, 2.0, 0.1])
    single = lsbook.cross_entropy(z, 1, label_smoothing=0.2)
    batch = lsbook.cross_entropy(z[None, :], [1], label_smoothing=0.2)
    assert float(single) == pytest.approx(float(batch), rel=1e-14)
    grad = lsbook.cross_entropy_grad(z, 1, label_smoothing=0.2)
    assert grad.shape == (4,)
    np.testing.assert_allclose(grad, lsbook.cross_entropy_grad(z[None, :], [1], label_smoothing=0.2)[0], atol=1e-15)
    assert np.shape(lsbook.cross_entropy(z, 1, reduction="none")) == ()
    assert lsbook.smooth_labels(1, 4, 0.2).shape == (4,)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_sequence_batch_equals_flattened_rows(reduction):
    """(B, T, K) logits give the same numbers as the (B*T, K) rows, reshaped."""
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(2, 3, 5))
    target = rng.integers(0, 5, size=(2, 3))
    target[0, 1] = -100
    kwargs = {"label_smoothing": 0.1, "ignore_index": -100, "reduction": reduction}
    loss = lsbook.cross_entropy(logits, target, **kwargs)
    flat = lsbook.cross_entropy(logits.reshape(6, 5), target.reshape(6), **kwargs)
    assert np.shape(loss) == ((2, 3) if reduction == "none" else ())
    np.testing.assert_allclose(np.reshape(loss, -1), np.reshape(flat, -1), rtol=1e-14)
    grad = lsbook.cross_entropy_grad(logits, target, **kwargs)
    assert grad.shape == (2, 3, 5)
    np.testing.assert_allclose(
        grad.reshape(6, 5), lsbook.cross_entropy_grad(logits.reshape(6, 5), target.reshape(6), **kwargs), atol=1e-15
    )
    np.testing.assert_array_equal(grad[0, 1], 0.0)


def test_float_labels_holding_whole_numbers_are_accepted():
    float_labels = BATCH_TARGETS.astype(np.float64)
    for function in (lsbook.cross_entropy, lsbook.cross_entropy_grad):
        np.testing.assert_allclose(
            function(BATCH_LOGITS, float_labels, label_smoothing=0.1),
            function(BATCH_LOGITS, BATCH_TARGETS, label_smoothing=0.1),
            rtol=1e-15,
        )
    np.testing.assert_allclose(lsbook.smooth_labels(float_labels, 3, 0.1), lsbook.smooth_labels(BATCH_TARGETS, 3, 0.1))


def test_integer_logits_are_computed_as_float64():
    loss = lsbook.cross_entropy([[2, 0, -1]], [0], label_smoothing=0.1)
    assert np.asarray(loss).dtype == np.float64
    assert float(loss) == pytest.approx(float(lsbook.cross_entropy([[2.0, 0.0, -1.0]], [0], label_smoothing=0.1)))


# --- reductions, ignore_index, weights --------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [{}, {"ignore_index": 1}, {"weight": [0.5, 2.0, 1.5]}, {"weight": [0.5, 2.0, 1.5], "ignore_index": 1}],
    ids=["plain", "ignore", "weights", "weights-ignore"],
)
def test_reductions_are_consistent(extra):
    """sum = sum of none; mean = sum / (kept count, or sum of w[y] over kept); gradients alike."""
    kwargs = {"label_smoothing": 0.1, **extra}
    none = lsbook.cross_entropy(BATCH_LOGITS, BATCH_TARGETS, reduction="none", **kwargs)
    total = lsbook.cross_entropy(BATCH_LOGITS, BATCH_TARGETS, reduction="sum", **kwargs)
    mean = lsbook.cross_entropy(BATCH_LOGITS, BATCH_TARGETS, reduction="mean", **kwargs)
    kept = BATCH_TARGETS != extra.get("ignore_index", -100)
    weight = np.asarray(extra.get("weight", np.ones(3)))
    denominator = weight[BATCH_TARGETS[kept]].sum()
    assert none.shape == (4,)
    np.testing.assert_array_equal(none[~kept], 0.0)
    assert float(total) == pytest.approx(none.sum(), rel=1e-14)
    assert float(mean) == pytest.approx(none.sum() / denominator, rel=1e-14)
    grad_none = lsbook.cross_entropy_grad(BATCH_LOGITS, BATCH_TARGETS, reduction="none", **kwargs)
    grad_sum = lsbook.cross_entropy_grad(BATCH_LOGITS, BATCH_TARGETS, reduction="sum", **kwargs)
    grad_mean = lsbook.cross_entropy_grad(BATCH_LOGITS, BATCH_TARGETS, reduction="mean", **kwargs)
    np.testing.assert_allclose(grad_none, grad_sum, atol=1e-15)
    np.testing.assert_allclose(grad_mean, grad_sum / denominator, atol=1e-15)


@pytest.mark.parametrize("epsilon", [0.0, 0.1])
def test_all_ignored_gives_nan_mean_and_zero_gradient(epsilon):
    target = np.full(4, -100)
    kwargs = {"label_smoothing": epsilon, "ignore_index": -100}
    assert np.isnan(lsbook.cross_entropy(BATCH_LOGITS, target, **kwargs))
    assert float(lsbook.cross_entropy(BATCH_LOGITS, target, reduction="sum", **kwargs)) == 0.0
    np.testing.assert_array_equal(lsbook.cross_entropy(BATCH_LOGITS, target, reduction="none", **kwargs), 0.0)
    grad = lsbook.cross_entropy_grad(BATCH_LOGITS, target, **kwargs)
    assert grad.shape == BATCH_LOGITS.shape
    np.testing.assert_array_equal(grad, 0.0)


def _optimal_true_probability(weight, epsilon=0.1, lo=-20.0, hi=20.0):
    """Bisection on the logit gap g (logits [g, 0], true class 0) for a zero gradient."""
    for _ in range(200):
        gap = 0.5 * (lo + hi)
        slope = lsbook.cross_entropy_grad([gap, 0.0], 0, label_smoothing=epsilon, weight=weight)[0]
        lo, hi = (gap, hi) if slope < 0 else (lo, gap)
    return float(lsbook.softmax([0.5 * (lo + hi), 0.0])[0])


def test_class_weights_move_the_optimum():
    """K = 2, eps = 0.1, w = [0.1, 0.9]: the optimum is p proportional to w * q, p_true ~ 0.679, not 0.95."""
    weight = np.array([0.1, 0.9])
    q = lsbook.smooth_labels(0, 2, 0.1)
    assert _optimal_true_probability(None) == pytest.approx(0.95, abs=1e-9)
    p_true = _optimal_true_probability(weight)
    assert p_true == pytest.approx(0.679, abs=5e-4)
    assert p_true == pytest.approx((weight * q / (weight * q).sum())[0], abs=1e-9)


def test_class_weights_scale_each_row_by_the_weighted_target():
    """Row loss is sum_k w_k q_k (-log p_k): compare with the explicit K-sized form."""
    weight = np.array([0.5, 2.0, 1.5])
    losses = lsbook.cross_entropy(BATCH_LOGITS, BATCH_TARGETS, label_smoothing=0.2, weight=weight, reduction="none")
    q = lsbook.smooth_labels(BATCH_TARGETS, 3, 0.2)
    expected = -(weight * q * lsbook.log_softmax(BATCH_LOGITS)).sum(axis=-1)
    np.testing.assert_allclose(losses, expected, rtol=1e-13)


def test_probability_targets_mix_with_uniform_and_mean_divides_by_n():
    """Target t becomes (1 - eps) t + eps / K; the weighted mean still divides by N."""
    rng = np.random.default_rng(3)
    t = rng.dirichlet(np.ones(3), size=4)
    weight = np.array([0.5, 2.0, 1.5])
    smoothed = 0.8 * t + 0.2 / 3
    expected_rows = -(weight * smoothed * lsbook.log_softmax(BATCH_LOGITS)).sum(axis=-1)
    loss = lsbook.cross_entropy(BATCH_LOGITS, t, label_smoothing=0.2, weight=weight)
    assert float(loss) == pytest.approx(expected_rows.mean(), rel=1e-13)
    one_hot = np.eye(3)[BATCH_TARGETS]
    np.testing.assert_allclose(
        lsbook.cross_entropy(BATCH_LOGITS, one_hot, label_smoothing=0.1, reduction="none"),
        lsbook.cross_entropy(BATCH_LOGITS, BATCH_TARGETS, label_smoothing=0.1, reduction="none"),
        rtol=1e-14,
    )


# --- masked classes ---------------------------------------------------------------------------


def test_masked_class_is_finite_without_smoothing_and_infinite_with_it():
    """A -inf logit: finite loss (that of the other K - 1 classes) at eps = 0, inf at eps > 0."""
    z = np.array([[1.0, -np.inf, 0.5, 0.2], [0.3, -np.inf, -0.7, 2.0]])
    target = np.array([0, 3])
    hard = lsbook.cross_entropy(z, target)
    assert np.isfinite(hard)
    assert float(hard) == pytest.approx(float(lsbook.cross_entropy(z[:, [0, 2, 3]], [0, 2])), rel=1e-14)
    assert np.isposinf(lsbook.cross_entropy(z, target, label_smoothing=0.1))
    assert np.all(np.isposinf(lsbook.cross_entropy(z, target, label_smoothing=0.1, reduction="none")))
    grad_hard = lsbook.cross_entropy_grad(z, target)
    grad_smooth = lsbook.cross_entropy_grad(z, target, label_smoothing=0.1, reduction="sum")
    assert np.all(np.isfinite(grad_hard)) and np.all(np.isfinite(grad_smooth))
    np.testing.assert_array_equal(grad_hard[:, 1], 0.0)
    np.testing.assert_allclose(grad_smooth[:, 1], -0.1 / 4, atol=1e-15)  # p - q = 0 - eps/K
    assert np.all(np.isfinite(lsbook.log_softmax(z)[:, [0, 2, 3]]))
    np.testing.assert_array_equal(lsbook.softmax(z)[:, 1], 0.0)


@pytest.mark.parametrize("magnitude", [1e6, 5.16864336e16, -1e30])
@pytest.mark.parametrize("epsilon", [0.0, 0.1, 1.0])
def test_equal_huge_logits_give_log_k(magnitude, epsilon):
    """Equal logits make p uniform, so every row loses log K however large the logits are."""
    losses = lsbook.cross_entropy(np.full((3, 6), magnitude), [0, 2, 5], label_smoothing=epsilon, reduction="none")
    np.testing.assert_allclose(losses, np.log(6), rtol=1e-12)


# --- vocabulary scale -------------------------------------------------------------------------


def _float64_reference_losses(logits32, target, epsilon, chunk=8):
    """Per-row smoothed loss lse(z) - (1 - eps) z_c - eps mean(z), in float64, a few rows at a time."""
    out = np.empty(logits32.shape[0])
    buffer = np.empty((chunk, logits32.shape[1]))
    for start in range(0, logits32.shape[0], chunk):
        rows = slice(start, min(start + chunk, logits32.shape[0]))
        z = buffer[: rows.stop - rows.start]
        np.copyto(z, logits32[rows])  # exact float32 -> float64
        peak = z.max(axis=1)
        z_true = z[np.arange(z.shape[0]), target[rows]]
        z_mean = z.mean(axis=1)
        z -= peak[:, None]
        np.exp(z, out=z)
        lse = peak + np.log(z.sum(axis=1))
        out[rows] = lse - (1 - epsilon) * z_true - epsilon * z_mean
    return out


def test_vocabulary_scale_float32_matches_float64_reference():
    """K = 32000, 2048 float32 rows offset by up to +-100: within 1e-5 relative of float64."""
    rng = np.random.default_rng(32000)
    num_rows, num_classes, epsilon = 2048, 32000, 0.1
    # Cheap to build: row i is a window of one random sequence, shifted by its own offset.
    sequence = 4.0 * rng.standard_normal(num_rows + num_classes, dtype=np.float32)
    offsets = rng.uniform(-100.0, 100.0, size=(num_rows, 1)).astype(np.float32)
    logits = np.lib.stride_tricks.sliding_window_view(sequence, num_classes)[:num_rows] + offsets
    target = rng.integers(0, num_classes, size=num_rows)
    losses = lsbook.cross_entropy(logits, target, label_smoothing=epsilon, reduction="none")
    reference = _float64_reference_losses(logits, target, epsilon)
    assert losses.dtype == np.float32
    np.testing.assert_allclose(losses, reference, rtol=1e-5)
    assert float(losses.astype(np.float64).mean()) == pytest.approx(reference.mean(), rel=1e-5)
