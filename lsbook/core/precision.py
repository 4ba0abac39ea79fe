"""When the true-class probability rounds to one: floating-point formats and the logit chase.

Explained in chapter 1, section "When the probability rounds to one".
A format with ``bits`` significand bits (the implicit leading bit included)
has ``1 - 2**-bits`` as its largest number below one, so a probability
rounds to exactly one once it passes the midpoint ``1 - 2**-(bits + 1)``
(round to nearest, ties to even; the tie goes to one). With the ``K - 1``
other logits equal, that happens at the logit gap
``log((K - 1) * (1 - d) / d)`` with ``d = 2**-(bits + 1)``: the logit chase
of chapter 1 asked for the probability ``1 - d``.

NumPy has no bfloat16, so :func:`round_to_bfloat16` emulates it: it rounds
float32 values to the 8 significand bits of bfloat16 (as ``torch.bfloat16``
does) and returns them as float32.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ._checks import check_choice, check_integer, check_num_classes

#: Significand bits, the implicit leading bit included, of the formats the book compares.
SIGNIFICAND_BITS = {"float64": 53, "float32": 24, "float16": 11, "bfloat16": 8}


def significand_bits(dtype: str) -> int:
    """The significand bits of a format named in :data:`SIGNIFICAND_BITS` (``"float32"``, ``"bfloat16"``, ...)."""
    return SIGNIFICAND_BITS[check_choice(dtype, tuple(SIGNIFICAND_BITS), "dtype")]


def rounding_gap(num_classes: int, bits: int) -> float:
    """The logit gap from which the true-class probability, correctly rounded to ``bits`` significand bits, is 1.

    The true logit exceeds each of the ``num_classes - 1`` other logits,
    which are equal, by the gap ``g``; then ``1 - p_c = (K - 1) / (e**g + K - 1)``,
    and ``p_c`` rounds to one once that is at most half the spacing of the
    format just below one, ``d = 2**-(bits + 1)``. A softmax computed in the
    format itself may reach one a little earlier: chapter 1 measures it.
    ``bits`` counts the implicit leading bit (24 for float32, see
    :func:`significand_bits`).

    Examples
    --------
    >>> round(rounding_gap(4, significand_bits("float32")), 2)  # log(3 (1 - 2**-25) / 2**-25)
    18.43
    """
    num_classes = check_num_classes(num_classes)
    bits = check_integer(bits, "bits", minimum=2)
    half_spacing = 2.0 ** -(bits + 1)
    return math.log((num_classes - 1) * (1.0 - half_spacing) / half_spacing)


def round_to_bfloat16(values: ArrayLike) -> np.ndarray:
    """``values`` rounded to the nearest bfloat16 (ties to even), returned as float32.

    bfloat16 keeps float32's sign and 8-bit exponent and the top 7 stored
    bits of its significand, so rounding float32 to bfloat16 is rounding
    the bit pattern to a multiple of ``2**16``. Values are first converted
    to float32 (itself a rounding for float64 input). nan stays nan, and
    infinities stay infinite; a finite value beyond bfloat16's largest
    number becomes infinite, as in hardware.
    """
    single = np.array(values, dtype=np.float32, copy=True)
    bits = single.view(np.uint32)
    finite = np.isfinite(single)
    # Add just under half of 2**16, plus the bit that makes ties go to the even neighbour.
    lowest_kept_bit = (bits >> 16) & 1
    rounded = (bits + np.uint32(0x7FFF) + lowest_kept_bit) & np.uint32(0xFFFF0000)
    bits[finite] = rounded[finite]
    return single
