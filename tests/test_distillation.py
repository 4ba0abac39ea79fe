"""Soft targets, the controls, Hinton's objective, erasure measures, the template plane."""

import numpy as np
import pytest

import lsbook
from lsbook.experiments.distillation import (
    best_bias_shift,
    class_similarity,
    closest_classes,
    distillation_grad,
    distillation_loss,
    flatten_wrong_classes,
    normalised_entropy,
    shuffle_wrong_classes,
    soft_targets,
    wrong_class_distribution,
    wrong_class_rank_agreement,
)
from lsbook.experiments.penultimate import cluster_tightness, project_onto_templates, template_plane_basis
from lsbook.experiments.training import Classifier, train


def test_soft_targets_flatten_with_temperature():
    z = np.array([[4.0, 1.0, 0.0]])
    assert np.allclose(soft_targets(z, 1.0), lsbook.softmax(z))
    assert np.allclose(soft_targets(z, 2.0), lsbook.softmax(z / 2))
    assert soft_targets(z, 5.0)[0, 0] < soft_targets(z, 1.0)[0, 0]
    assert np.allclose(soft_targets(z, 1e6), 1 / 3, atol=1e-5)


@pytest.mark.parametrize("temperature", [0.0, -1.0, np.inf])
def test_soft_targets_reject_bad_temperatures(temperature):
    with pytest.raises(ValueError, match="temperature"):
        soft_targets([1.0, 2.0], temperature)


def test_wrong_class_distribution_drops_the_true_class_and_renormalises():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3]])
    wrong = wrong_class_distribution(probs, [0, 1])
    assert np.allclose(wrong, [[0.0, 2 / 3, 1 / 3], [0.25, 0.0, 0.75]])


def test_wrong_class_distribution_rejects_logits_and_shapes():
    with pytest.raises(ValueError, match="not logits"):
        wrong_class_distribution(np.array([[2.0, -1.0, 0.5]]), [0])
    with pytest.raises(ValueError, match="target must have shape"):
        wrong_class_distribution(np.full((2, 3), 1 / 3), [0])
    with pytest.raises(ValueError, match="undefined"):
        wrong_class_distribution(np.array([[1.0, 0.0, 0.0]]), [0])


def test_normalised_entropy_is_one_for_uniform_and_zero_for_certain():
    rows = np.array([[0.0, 1 / 3, 1 / 3, 1 / 3], [0.0, 1.0, 0.0, 0.0]])
    assert np.allclose(normalised_entropy(rows, num_outcomes=3), [1.0, 0.0])
    with pytest.raises(ValueError, match="num_outcomes"):
        normalised_entropy(rows, num_outcomes=1)


def test_template_basis_is_orthonormal_and_spans_the_template_differences():
    rng = np.random.default_rng(0)
    templates = rng.normal(size=(3, 6))
    basis = template_plane_basis(templates)
    assert basis.shape == (2, 6)
    assert np.allclose(basis @ basis.T, np.eye(2))
    # Each difference of templates lies in the plane: projecting it loses nothing.
    for diff in (templates[1] - templates[0], templates[2] - templates[0]):
        assert np.allclose(basis.T @ (basis @ diff), diff)
    # The first axis points from the first template to the second.
    assert np.allclose(basis[0], (templates[1] - templates[0]) / np.linalg.norm(templates[1] - templates[0]))


def test_projection_keeps_distances_within_the_plane():
    rng = np.random.default_rng(1)
    templates = rng.normal(size=(3, 5))
    coords = project_onto_templates(templates, templates)
    assert np.allclose(coords[0], 0.0)
    distances = np.linalg.norm(templates[:, None] - templates[None], axis=-1)
    assert np.allclose(np.linalg.norm(coords[:, None] - coords[None], axis=-1), distances)
    # A component orthogonal to the plane does not move the projection.
    normal = rng.normal(size=5)
    basis = template_plane_basis(templates)
    normal -= basis.T @ (basis @ normal)
    assert np.allclose(project_onto_templates(templates + normal, templates), coords)


def test_projection_rejects_bad_templates_and_features():
    with pytest.raises(ValueError, match="three classes"):
        template_plane_basis(np.ones((4, 5)))
    with pytest.raises(ValueError, match="one line"):
        template_plane_basis(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]))
    with pytest.raises(ValueError, match="features must have shape"):
        project_onto_templates(np.ones((4, 3)), np.eye(3, 5))


def test_flattening_keeps_the_true_class_and_spreads_the_rest_evenly():
    probs = np.array([[0.7, 0.2, 0.1, 0.0], [0.1, 0.1, 0.5, 0.3]])
    flat = flatten_wrong_classes(probs, [0, 2])
    assert np.allclose(flat, [[0.7, 0.1, 0.1, 0.1], [1 / 6, 1 / 6, 0.5, 1 / 6]])
    assert np.allclose(flat.sum(axis=1), 1.0)
    # Only the order of the wrong classes is lost: their share of the mass is what it was.
    assert np.allclose(normalised_entropy(wrong_class_distribution(flat, [0, 2]), 3), 1.0)


def test_shuffling_permutes_only_the_wrong_classes():
    rng = np.random.default_rng(0)
    probs = lsbook.softmax(rng.normal(0, 2, (50, 6)))
    labels = rng.integers(0, 6, 50)
    shuffled = shuffle_wrong_classes(probs, labels, seed=1)
    rows = np.arange(50)
    assert np.array_equal(shuffled[rows, labels], probs[rows, labels])
    assert np.allclose(np.sort(shuffled, axis=1), np.sort(probs, axis=1))  # same values in each row
    assert not np.allclose(shuffled, probs)
    assert np.array_equal(shuffle_wrong_classes(probs, labels, seed=1), shuffled)


def test_distillation_loss_by_hand():
    # One example, K = 2, student logits [0, 0]: softmax(z / T) = softmax(z) = [1/2, 1/2].
    # KD = -(0.8 log 0.5 + 0.2 log 0.5) = log 2 and CE = log 2, so the loss is (alpha T^2 + 1 - alpha) log 2.
    loss = distillation_loss([[0.0, 0.0]], [0], [[0.8, 0.2]], temperature=2.0, alpha=0.75)
    assert loss == pytest.approx((0.75 * 4 + 0.25) * np.log(2))
    # Gradient: alpha T (1/2 - s) + (1 - alpha)(1/2 - onehot) = 1.5 * [-0.3, 0.3] + 0.25 * [-0.5, 0.5].
    grad = distillation_grad([[0.0, 0.0]], [0], [[0.8, 0.2]], temperature=2.0, alpha=0.75)
    assert np.allclose(grad, [[-0.575, 0.575]])


@pytest.mark.parametrize(("temperature", "alpha"), [(1.0, 0.5), (4.0, 0.9), (3.0, 0.0), (2.0, 1.0)])
def test_distillation_grad_matches_finite_differences(temperature, alpha):
    rng = np.random.default_rng(1)
    z = rng.normal(0, 2, (5, 4))
    labels = rng.integers(0, 4, 5)
    soft = soft_targets(rng.normal(0, 3, (5, 4)), temperature)
    numeric = lsbook.numeric_gradient(
        lambda logits: distillation_loss(logits, labels, soft, temperature=temperature, alpha=alpha), z
    )
    analytic = distillation_grad(z, labels, soft, temperature=temperature, alpha=alpha)
    assert np.allclose(analytic, numeric, atol=1e-7)


def test_a_distilled_student_trains_and_alpha_zero_is_plain_training():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(60, 4))
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0)
    soft = soft_targets(rng.normal(size=(60, 3)) + 3 * np.eye(3)[y], 2.0)
    student = Classifier(4, 3, 5, seed=0)
    history = train(student, x, y, soft_target=soft, temperature=2.0, alpha=0.9, epochs=20, seed=0)
    assert history[-1] < history[0]
    assert history[-1] == pytest.approx(
        distillation_loss(student.logits(x), y, soft, temperature=2.0, alpha=0.9)
    )
    plain, distilled = Classifier(4, 3, 5, seed=0), Classifier(4, 3, 5, seed=0)
    train(plain, x, y, epochs=3, seed=0)
    train(distilled, x, y, soft_target=soft, temperature=2.0, alpha=0.0, epochs=3, seed=0)
    assert np.allclose(plain.logits(x), distilled.logits(x))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"alpha": 1.5}, ValueError, "alpha"),
        ({"label_smoothing": 0.1}, ValueError, "label_smoothing must be 0"),
        ({"soft_target": np.full((4, 3), 1 / 3)}, ValueError, "soft_target must have shape"),
    ],
)
def test_training_with_soft_targets_rejects_bad_arguments(kwargs, error, match):
    x, y = np.zeros((5, 2)), np.array([0, 1, 2, 0, 1])
    options = {"soft_target": np.full((5, 3), 1 / 3)} | kwargs
    with pytest.raises(error, match=match):
        train(Classifier(2, 3), x, y, epochs=1, **options)


def test_rank_agreement_by_hand_and_under_rescaling():
    first = np.array([[9.0, 1.0, 2.0, 3.0], [0.0, 5.0, 1.0, 2.0]])
    second = np.array([[9.0, 1.0, 3.0, 2.0], [0.0, 5.0, 2.0, 1.0]])
    # Row 1: wrong classes 1, 2, 3 ranked (0, 1, 2) and (0, 2, 1): rho = 1 - 6 * 2 / (3 * 8) = 0.5.
    # Row 2: wrong classes 0, 2, 3 ranked (0, 1, 2) and (0, 2, 1): also 0.5.
    assert np.allclose(wrong_class_rank_agreement(first, second, [0, 1]), [0.5, 0.5])
    assert np.allclose(wrong_class_rank_agreement(first, first, [0, 1]), 1.0)
    reversed_order = np.array([[9.0, 3.0, 2.0, 1.0]])
    assert np.allclose(wrong_class_rank_agreement(first[:1], reversed_order, [0]), -1.0)
    # Scale-free: logits times 0.01 or probabilities at any temperature rank alike.
    rng = np.random.default_rng(3)
    z = rng.normal(size=(20, 10))
    labels = rng.integers(0, 10, 20)
    assert np.allclose(wrong_class_rank_agreement(z, 0.01 * z + 5, labels), 1.0)
    assert np.allclose(wrong_class_rank_agreement(z, soft_targets(z, 7.0), labels), 1.0)


def test_best_bias_shift_by_hand():
    logits = np.array([[2.0, 0.0], [2.0, 1.5], [0.0, 3.0]])
    assert best_bias_shift(logits, [0, 1, 1], 1, [0.0, 1.0, 3.0]) == 1.0
    # Every shift scores alike: the smallest in absolute value wins.
    assert best_bias_shift(logits[2:], [1], 1, [-1.0, 0.5, 2.0]) == 0.5


def test_cluster_tightness_by_hand_and_scale_free():
    coords = np.array([[0.0, 1.0], [0.0, -1.0], [10.0, 1.0], [10.0, -1.0]])
    assert cluster_tightness(coords, [0, 0, 1, 1]) == pytest.approx(0.1)
    assert cluster_tightness(3 * coords + 7, [0, 0, 1, 1]) == pytest.approx(0.1)
    # Weight 0 drops a point: class 0 shrinks to one point (spread 0), centres (0, 1) and (10, 0).
    weighted = cluster_tightness(coords, [0, 0, 1, 1], sample_weight=[1, 0, 1, 1])
    assert weighted == pytest.approx(0.5 / np.sqrt(101))


def test_class_similarity_averages_the_wrong_class_distributions_of_each_class():
    probs = np.array([[0.8, 0.1, 0.1], [0.6, 0.4, 0.0], [0.2, 0.6, 0.2], [0.1, 0.1, 0.8]])
    found = class_similarity(probs, [0, 0, 1, 2])
    # Class 0: the mean of (0, 1/2, 1/2) and (0, 1, 0); class 1: (1/2, 0, 1/2); class 2: (1/2, 1/2, 0).
    assert found == pytest.approx(np.array([[0, 0.75, 0.25], [0.5, 0, 0.5], [0.5, 0.5, 0]]))
    missing = class_similarity(probs[:2], [0, 0])
    assert np.all(np.isnan(missing[1:])) and missing[0] == pytest.approx([0, 0.75, 0.25])


def test_closest_classes_takes_the_class_whose_wrong_mass_is_most_concentrated():
    similarity = np.array([
        [0.0, 0.3, 0.3, 0.4],  # 0: its two nearest (3 and one of 1, 2) take 0.7
        [0.1, 0.0, 0.8, 0.1],  # 1: its two nearest, 2 and then 0 (ties go to the lower class), take 0.9
        [0.3, 0.3, 0.0, 0.4],
        [0.4, 0.3, 0.3, 0.0],
    ])
    assert closest_classes(similarity, 3) == (0, 1, 2)
    assert closest_classes(similarity, 2) == (1, 2)
    # Relabelling the classes relabels the answer.
    order = np.array([3, 1, 0, 2])
    assert closest_classes(similarity[np.ix_(order, order)], 2) == tuple(sorted(
        int(np.flatnonzero(order == c)[0]) for c in (1, 2)))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: flatten_wrong_classes(np.array([[2.0, -1.0]]), [0]), ValueError, "not logits"),
        (lambda: shuffle_wrong_classes(np.full((2, 3), 1 / 3), [0]), ValueError, "target must have shape"),
        (lambda: distillation_loss([[0.0, 0.0]], [0], [[0.5, 0.5]], temperature=0.0, alpha=0.5), ValueError,
         "temperature"),
        (lambda: distillation_grad([[0.0, 0.0]], [0], [[0.5, 0.3, 0.2]], temperature=1.0, alpha=0.5), ValueError,
         "soft_target must have"),
        (lambda: wrong_class_rank_agreement(np.zeros((2, 3)), np.zeros((2, 3)), [0, 0]), ValueError, "K >= 4"),
        (lambda: wrong_class_rank_agreement(np.zeros((1, 4)), np.zeros((1, 4)), [0]), ValueError, "same score"),
        (lambda: best_bias_shift(np.zeros((2, 3)), [0, 1], 3, [0.0]), ValueError, "shifted_class"),
        (lambda: best_bias_shift(np.zeros((2, 3)), [0, 1], 1, []), ValueError, "shifts"),
        (lambda: cluster_tightness(np.zeros((3, 2)), [0, 0, 0]), ValueError, "two classes"),
        (lambda: closest_classes(np.zeros((3, 2))), ValueError, "square"),
        (lambda: closest_classes(np.full((3, 3), np.nan)), ValueError, "finite"),
        (lambda: closest_classes(np.zeros((3, 3)), 4), ValueError, "at most the number of classes"),
        (lambda: closest_classes(np.zeros((3, 3)), 1), ValueError, "size"),
        (lambda: cluster_tightness(np.zeros((3, 2)), [0, 1, 1], sample_weight=[0, 1, 1]), ValueError,
         "without weight"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
