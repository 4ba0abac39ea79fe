"""Tests of lsbook.core.precision: the rounding gap against its definition, bfloat16 against PyTorch."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import torch

from lsbook.core.precision import SIGNIFICAND_BITS, round_to_bfloat16, rounding_gap, significand_bits


def one_minus_p(gap: float, num_classes: int) -> mpmath.mpf:
    """1 - p_c with 60 significant digits: the true logit ``gap`` above K - 1 equal logits."""
    with mpmath.workdps(60):
        return (num_classes - 1) / (mpmath.exp(mpmath.mpf(gap)) + num_classes - 1)


def rounds_to_one(gap: float, num_classes: int, dtype: str) -> bool:
    """Is p_c, computed far more precisely than ``dtype`` and then rounded to it, exactly one?"""
    with mpmath.workdps(60):
        p = 1 - one_minus_p(gap, num_classes)
    with mpmath.workprec(significand_bits(dtype)):  # unary + rounds to nearest, ties to even
        return +p == 1


@pytest.mark.parametrize("dtype", sorted(SIGNIFICAND_BITS))
@pytest.mark.parametrize("num_classes", [2, 4, 10, 1000, 32000])
def test_the_gap_is_where_the_rounded_probability_becomes_one(dtype, num_classes):
    gap = rounding_gap(num_classes, significand_bits(dtype))
    assert rounds_to_one(gap + 1e-9, num_classes, dtype)
    assert not rounds_to_one(gap - 1e-6, num_classes, dtype)


def test_float32_and_float16_agree_with_numpy_rounding():
    for dtype, numpy_type in [("float32", np.float32), ("float16", np.float16)]:
        gap = rounding_gap(4, significand_bits(dtype))
        below, above = (float(1 - one_minus_p(g, 4)) for g in (gap - 1e-3, gap + 1e-3))
        assert numpy_type(below) < 1 and numpy_type(above) == 1


def test_the_book_numbers():
    """K = 4: the gap is the logit the chase needs for p = 1 - 2**-(bits + 1)."""
    assert rounding_gap(4, 24) == pytest.approx(math.log(3 * (2**25 - 1)))
    assert rounding_gap(4, 8) == pytest.approx(math.log(3 * (2**9 - 1)))
    assert rounding_gap(1000, 53) > rounding_gap(4, 53) > rounding_gap(4, 24)
    assert significand_bits("bfloat16") == 8 and significand_bits("float64") == 53


def test_bfloat16_rounding_matches_pytorch():
    rng = np.random.default_rng(16)
    values = np.concatenate([
        rng.normal(scale=10.0, size=20000).astype(np.float32),
        rng.uniform(0.99, 1.0, size=20000).astype(np.float32),  # just below one: the chapter's case
        np.float32([0.0, -0.0, 1e-40, -3e-39, 3.4e38, -3.4e38, np.inf, -np.inf]),
        # exact ties between two bfloat16 numbers: the bit pattern ends in 0x8000
        (np.arange(1, 200, dtype=np.uint32) << 16 | np.uint32(0x8000)).view(np.float32),
    ])
    expected = torch.from_numpy(values).bfloat16().float().numpy()
    np.testing.assert_array_equal(round_to_bfloat16(values), expected)


def test_bfloat16_keeps_nan_shape_and_input():
    values = np.array([[np.nan, 1.0], [2.0, 3.0]])
    before = values.copy()
    rounded = round_to_bfloat16(values)
    assert rounded.dtype == np.float32 and rounded.shape == (2, 2)
    assert np.isnan(rounded[0, 0]) and rounded[1, 1] == 3.0
    np.testing.assert_array_equal(values, before)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="dtype"):
        significand_bits("float8")
    with pytest.raises(ValueError, match="num_classes"):
        rounding_gap(1, 24)
    with pytest.raises(TypeError, match="num_classes"):
        rounding_gap(4.0, 24)
    with pytest.raises(TypeError, match="bits"):
        rounding_gap(4, "float32")
    with pytest.raises(ValueError, match="bits"):
        rounding_gap(4, 1)
