"""The numerics every chapter teaches: targets, softmax, the loss and its gradient.

Imports NumPy alone and nothing else of :mod:`lsbook`; every other folder builds on it.
"""

from .gradcheck import numeric_gradient
from .information import confidence_penalty, confidence_penalty_grad, entropy, kl_divergence
from .loss import cross_entropy, cross_entropy_grad
from .softmax import log_softmax, logsumexp, softmax
from .targets import optimal_logit_gap, smooth_labels, target_coefficients

__all__ = [
    "confidence_penalty",
    "confidence_penalty_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "entropy",
    "kl_divergence",
    "log_softmax",
    "logsumexp",
    "numeric_gradient",
    "optimal_logit_gap",
    "smooth_labels",
    "softmax",
    "target_coefficients",
]
