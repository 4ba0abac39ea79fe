"""Audit a label-smoothing loss: hand over a function, learn what it really computes.

Explained in chapter 7, "Label smoothing in the wild", section "How the
audit works". ``lsbook.audit(loss_fn, label_smoothing=0.1)`` calls
``loss_fn(logits, target)`` on designed inputs (:mod:`._probes`), reads the
implied target off its gradients with chapter 2's result
``dL/dz = (sum t) p - t`` (:mod:`._fit`), and reports the target, its
convention and strength, the form, the reduction, the treatment of padding,
stability and whether it matches ``F.cross_entropy`` (:mod:`.report`).

Uses :mod:`lsbook.core` only; PyTorch is imported only for
``framework="torch"``. The module itself is callable: ``lsbook.audit(...)``
is :func:`audit`.
"""

from __future__ import annotations

import numbers
import sys
import types
from collections.abc import Callable, Sequence

from ..core._checks import CONVENTIONS, check_choice, check_epsilon, check_ignore_index, check_num_classes
from ._calls import ProbeFailure, make_caller
from ._judge import Judge
from ._probes import Prober, kept_classes
from .report import AuditReport

__all__ = ["AuditReport", "audit"]

FRAMEWORKS = ("numpy", "torch")
SEED = 2024  # the probes are the same on every run
#: How closely every probe must agree with PyTorch's semantics for ``matches_pytorch``
#: (relative for values, absolute for gradients); looser for a function that computes in float32.
MATCH_TOLERANCE = 1e-5
MATCH_TOLERANCE_FLOAT32 = 1e-3


def audit(
    loss_fn: Callable,
    *,
    label_smoothing: float,
    framework: str = "numpy",
    ignore_index: int | None = None,
    num_classes: Sequence[int] = (3, 4, 7),
    convention: str = "uniform",
) -> AuditReport:
    """Find out what a label-smoothed cross-entropy function really computes.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(logits, target)``: logits of shape (N, K) and class indices
        of shape (N,) in, a single number (a reduced loss) or one loss per
        row out. NumPy arrays for ``framework="numpy"``, torch tensors for
        ``framework="torch"``.
    label_smoothing : float
        The smoothing strength eps the function is *meant* to apply.
    framework : {"numpy", "torch"}
        Gradients by central differences (NumPy) or by autograd (PyTorch,
        which must be installed for this).
    ignore_index : int, optional
        The padding target to probe with; padding is not probed without it.
    num_classes : sequence of int
        The class counts K to probe (at least one, each at least 2). Several
        are needed to tell the uniform convention from the "others" one.
    convention : {"uniform", "others"}
        The convention meant: eps/K for every class (PyTorch's), or eps/(K-1)
        for every wrong class (fairseq's).

    Returns
    -------
    AuditReport
        Its attributes and ``findings`` say what the function computes; a
        function that raises, or returns nan, a wrong shape or a non-number
        on an ordinary probe, gets a report whose ``error`` says so.

    Raises
    ------
    TypeError, ValueError
        For bad arguments to ``audit`` itself (not for faults of ``loss_fn``).
    ImportError
        For ``framework="torch"`` when PyTorch is not installed.

    Examples
    --------
    >>> import lsbook
    >>> def smoothed(logits, target):
    ...     return lsbook.cross_entropy(logits, target, label_smoothing=0.1)
    >>> lsbook.audit(smoothed, label_smoothing=0.1).ok
    True
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, loss_fn(logits, target), got {type(loss_fn).__name__}")
    epsilon = check_epsilon(label_smoothing)
    framework = check_choice(framework, FRAMEWORKS, "framework")
    convention = check_choice(convention, CONVENTIONS, "convention")
    ignore_index = check_ignore_index(ignore_index)
    class_counts = _check_class_counts(num_classes)
    caller = make_caller(loss_fn, framework)
    name = getattr(loss_fn, "__qualname__", None) or type(loss_fn).__name__

    prober = Prober(caller, class_counts, ignore_index, SEED)
    try:
        prober.reduction()  # first: it also tells the precision the function computes in
        prober.rows()
    except ProbeFailure as failure:
        return AuditReport(name, epsilon, convention, class_counts, ignore_index,
                           error=str(failure), findings=[str(failure)], calls=caller.calls)
    if ignore_index is not None:
        prober.padding()
    prober.large_logits(kept_classes(class_counts[0], ignore_index)[0])
    judge = Judge(prober.evidence, label_smoothing=epsilon, convention=convention,
                  ignore_index=ignore_index, tol=prober.tol)
    tolerance = MATCH_TOLERANCE_FLOAT32 if caller.low_precision else MATCH_TOLERANCE
    return judge.report(name, caller.calls, match_tolerance=tolerance)


def _check_class_counts(num_classes) -> tuple[int, ...]:
    if isinstance(num_classes, numbers.Integral) and not isinstance(num_classes, bool):
        num_classes = (num_classes,)
    if not isinstance(num_classes, Sequence) or isinstance(num_classes, str) or len(num_classes) == 0:
        raise TypeError(f"num_classes must be a sequence of class counts such as (3, 4, 7), got {num_classes!r}")
    counts = tuple(check_num_classes(k, "each entry of num_classes") for k in num_classes)
    if len(set(counts)) != len(counts):
        raise ValueError(f"num_classes must not repeat a class count, got {counts}")
    return counts


# ``lsbook.audit(loss_fn, ...)``: the module is callable, so one name is both the function
# a reader calls and the namespace that holds AuditReport.
class _CallableModule(types.ModuleType):
    def __call__(self, loss_fn: Callable, **kwargs) -> AuditReport:
        return audit(loss_fn, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
