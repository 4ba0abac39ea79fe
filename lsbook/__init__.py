"""lsbook: label-smoothed cross-entropy, as taught by the executable book.

Class axis last everywhere. The core API:

- :func:`smooth_labels` - the smoothed target distribution (chapter 1)
- :func:`softmax`, :func:`log_softmax`, :func:`logsumexp` - stable building blocks
- :func:`cross_entropy`, :func:`cross_entropy_grad` - the loss and its gradient,
  in one pass over the logits, with PyTorch's semantics (chapters 1, 2 and 6)
- :func:`optimal_logit_gap` - where the smoothed loss leaves the logits (chapter 2)
- :func:`numeric_gradient` - central finite differences, to check any gradient (chapter 2)
- :func:`entropy`, :func:`kl_divergence`, :func:`confidence_penalty` - the information-theoretic view (chapter 3)
- :mod:`check` - the self-study exercises: ``lsbook.check("2.3", answer)``
"""

from . import check  # callable: lsbook.check("N.M", answer) checks an exercise
from .gradcheck import numeric_gradient
from .information import confidence_penalty, confidence_penalty_grad, entropy, kl_divergence
from .loss import cross_entropy, cross_entropy_grad
from .softmax import log_softmax, logsumexp, softmax
from .targets import optimal_logit_gap, smooth_labels, target_coefficients

__all__ = [
    "check",
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

__version__ = "0.1.0"
