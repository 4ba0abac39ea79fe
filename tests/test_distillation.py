"""Soft targets, wrong-class distributions and the template plane."""

import numpy as np
import pytest

import lsbook
from lsbook.experiments.distillation import normalised_entropy, soft_targets, wrong_class_distribution
from lsbook.experiments.penultimate import project_onto_templates, template_plane_basis


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
