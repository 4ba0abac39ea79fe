"""lsbook: label-smoothed cross-entropy, as taught by the executable book.

Class axis last everywhere; the smoothing strength is ``label_smoothing``
(eps in the book's maths) and class indices are ``target``, as in
``torch.nn.functional.cross_entropy``. The flat public API:

- :func:`smooth_labels` - the smoothed target distribution (chapter 1)
- :func:`softmax`, :func:`log_softmax`, :func:`logsumexp` - stable building blocks
- :func:`cross_entropy`, :func:`cross_entropy_grad` - the loss and its gradient,
  in one pass over the logits, with PyTorch's semantics (chapters 1, 2 and 6)
- :func:`optimal_logit_gap` - where the smoothed loss leaves the logits (chapter 2)
- :func:`numeric_gradient` - central finite differences, to check any gradient (chapter 2)
- :func:`entropy`, :func:`kl_divergence`, :func:`confidence_penalty` - the information-theoretic view (chapter 3)
- :func:`linear_cross_entropy`, :func:`linear_cross_entropy_grad` - the loss of a linear
  output layer and its gradients, without building the logits (chapter 6)
- :func:`set_num_threads` - how many threads large inputs are spread over (chapter 6)
- :mod:`check` - the self-study exercises: ``lsbook.check("2.3", answer)``
- :mod:`audit` - what someone else's loss function really computes:
  ``lsbook.audit(loss_fn, label_smoothing=0.1)`` (chapter 7)

The folders show the layering (arrows point down): :mod:`lsbook.core` (the
numerics), :mod:`lsbook.sequence` (vocabulary scale), :mod:`lsbook.experiments`
(chapters 4-5), :mod:`lsbook.page` (figures and the explorer) and
:mod:`lsbook.selfstudy` (the exercise checks).
"""

from . import audit  # callable: lsbook.audit(loss_fn, label_smoothing=0.1) probes a loss function
from .core import (
    confidence_penalty,
    confidence_penalty_grad,
    cross_entropy,
    cross_entropy_grad,
    entropy,
    kl_divergence,
    log_softmax,
    logsumexp,
    numeric_gradient,
    optimal_logit_gap,
    smooth_labels,
    softmax,
    target_coefficients,
)
from .core._blocks import get_num_threads, set_num_threads
from .selfstudy import check  # callable: lsbook.check("N.M", answer) checks an exercise
from .sequence import linear_cross_entropy, linear_cross_entropy_grad

__all__ = [
    "audit",
    "check",
    "confidence_penalty",
    "confidence_penalty_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "entropy",
    "get_num_threads",
    "kl_divergence",
    "linear_cross_entropy",
    "linear_cross_entropy_grad",
    "log_softmax",
    "logsumexp",
    "numeric_gradient",
    "optimal_logit_gap",
    "set_num_threads",
    "smooth_labels",
    "softmax",
    "target_coefficients",
]

__version__ = "0.2.0"
