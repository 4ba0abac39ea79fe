"""Chapter 5's exercise checks: independent reference answers pass, typical mistakes are named."""

import numpy as np

import lsbook
from lsbook import check
from lsbook.experiments.penultimate import project_onto_templates
from lsbook.selfstudy import mistakes
from lsbook.selfstudy.checks import ch05


def soft_targets(logits, temperature):
    scaled = np.asarray(logits, dtype=float) / temperature
    e = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_5_1_reference_passes_and_typical_mistakes_are_named():
    assert check("5.1", soft_targets)
    assert check("5.1", ch05._power_not_renormalised).message.startswith(mistakes.NOT_RENORMALISED)
    assert check("5.1", lambda z, t: soft_targets(z, 1 / t)).message.startswith(mistakes.TEMPERATURE_MULTIPLIES)
    assert check("5.1", lambda z, t: soft_targets(z, 1) / t).message.startswith(mistakes.TEMPERATURE_AFTER_SOFTMAX)
    assert "last axis" in check("5.1", lambda z, t: lsbook.softmax(np.asarray(z) / t, axis=0)).message


def test_5_1_renormalised_power_is_accepted():
    def power(logits, temperature):
        p = lsbook.softmax(logits) ** (1 / temperature)
        return p / p.sum(axis=-1, keepdims=True)

    assert check("5.1", power)


def test_5_2_reference_passes_and_typical_mistakes_are_named():
    gap = np.log(0.91 / 0.01)
    assert check("5.2", np.exp(gap / 4) / (np.exp(gap / 4) + 9))
    assert "T = 1" in check("5.2", 0.91).message
    assert check("5.2", np.exp(gap * 4) / (np.exp(gap * 4) + 9)).message == mistakes.TEMPERATURE_MULTIPLIES
    assert check("5.2", 0.91 ** (1 / 4)).message == mistakes.NOT_RENORMALISED
    assert check("5.2", np.exp(gap / 4) / (np.exp(gap / 4) + 10)).message == mistakes.OTHER_CLASSES_COUNT


def test_5_3_any_orthonormal_basis_passes_and_mistakes_are_named():
    def rotated_and_flipped(features, templates):
        coords = project_onto_templates(features, templates) + 3.0
        rotation = np.array([[0.6, 0.8], [0.8, -0.6]])  # orthogonal, with a reflection
        return coords @ rotation

    assert check("5.3", rotated_and_flipped)
    assert "through the three templates" in check("5.3", ch05._plane_through_origin).message
    assert "Orthonormalise" in check("5.3", ch05._raw_differences).message
    assert "it should return an array of shape (10, 2)" in check("5.3", lambda features, templates: features).message


def test_5_4_reference_passes_and_mistakes_are_named():
    def wrong_classes(probs, labels):
        wrong = np.array(probs, dtype=float)
        wrong[np.arange(len(labels)), labels] = 0.0
        return wrong / wrong.sum(axis=1, keepdims=True)

    assert check("5.4", wrong_classes)
    assert check("5.4", ch05._not_renormalised).message.startswith(mistakes.NOT_RENORMALISED)
    assert "not the predicted one" in check("5.4", lambda p, y: wrong_classes(p, p.argmax(axis=1))).message


def spearman_by_formula(first, second, labels):
    """The rank agreement as a learner would write it, row by row with scipy-free ranks."""
    result = []
    for a, b, label in zip(np.asarray(first, float), np.asarray(second, float), labels, strict=True):
        a, b = np.delete(a, label), np.delete(b, label)
        d = np.argsort(np.argsort(a)) - np.argsort(np.argsort(b))
        m = a.size
        result.append(1 - 6 * np.sum(d**2) / (m * (m**2 - 1)))
    return np.array(result)


def test_5_5_reference_passes_and_typical_mistakes_are_named():
    assert check("5.5", spearman_by_formula)
    assert "Drop the true class" in check("5.5", ch05._spearman_over_all_classes).message
    assert "Rank the wrong classes first" in check("5.5", ch05._pearson_of_values).message
    assert "m = K - 1" in check("5.5", ch05._k_instead_of_k_minus_1).message
