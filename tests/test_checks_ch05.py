"""Chapter 5's exercise checks: reference answers pass, typical mistakes are named."""

import numpy as np
import pytest

from lsbook import check
from lsbook.experiments.distillation import soft_targets, wrong_class_distribution
from lsbook.experiments.penultimate import project_onto_templates
from lsbook.selfstudy.checks import ch05


def test_5_1_reference_passes_and_typical_mistakes_are_named():
    assert check("5.1", soft_targets)
    assert "renormalise" in check("5.1", ch05._power_not_renormalised).message
    assert "multiplying" in check("5.1", ch05._multiplied_by_temperature).message
    assert "before the softmax" in check("5.1", ch05._probabilities_divided).message
    assert "last axis" in check("5.1", ch05._softmax_over_examples).message


def test_5_1_renormalised_power_is_accepted():
    def power(logits, temperature):
        p = ch05.softmax(logits) ** (1 / temperature)
        return p / p.sum(axis=-1, keepdims=True)

    assert check("5.1", power)


def test_5_2_reference_passes_and_forgotten_temperature_is_named():
    gap = np.log(0.91 / 0.01)
    assert check("5.2", np.exp(gap / 4) / (np.exp(gap / 4) + 9))
    assert "T = 1" in check("5.2", 0.91).message
    assert "K - 1" in check("5.2", np.exp(gap / 4) / (np.exp(gap / 4) + 10)).message


def test_5_3_any_orthonormal_basis_passes_and_mistakes_are_named():
    assert check("5.3", project_onto_templates)

    def rotated_and_flipped(features, templates):
        coords = project_onto_templates(features, templates) + 3.0
        rotation = np.array([[0.6, 0.8], [0.8, -0.6]])  # orthogonal, with a reflection
        return coords @ rotation

    assert check("5.3", rotated_and_flipped)
    assert "through the three templates" in check("5.3", ch05._plane_through_origin).message
    assert "orthonormalise" in check("5.3", ch05._raw_differences).message
    assert "shape" in check("5.3", lambda features, templates: features).message


def test_5_4_reference_passes_and_mistakes_are_named():
    assert check("5.4", wrong_class_distribution)
    assert "sums to 1" in check("5.4", ch05._not_renormalised).message
    assert "not the predicted one" in check("5.4", ch05._predicted_class_removed).message


def _stub(*args, **kwargs):
    raise NotImplementedError


@pytest.mark.parametrize(("exercise", "placeholder"), [("5.1", _stub), ("5.2", None), ("5.3", _stub), ("5.4", _stub)])
def test_stubs_count_as_not_attempted(exercise, placeholder):
    verdict = check(exercise, placeholder)
    assert not verdict and not verdict.attempted
