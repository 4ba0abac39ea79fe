"""Calling the audited loss function safely, in NumPy or in PyTorch.

Explained in chapter 7, section "How the audit works". The audit hands the
function float64 logits and int64 class indices and reads back its value
and its gradient: central differences (:func:`lsbook.numeric_gradient`)
for a NumPy function, autograd for a PyTorch one. Anything the function
does wrong on the way (an exception, ``None``, a string, an array of the
wrong shape, a detached tensor) becomes a :class:`ProbeFailure` with a
plain message, which the audit turns into a report instead of a traceback.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from ..core.gradcheck import numeric_gradient

#: Central-difference steps: small where the function computes in float64,
#: larger where it rounds to float32 (rounding error grows like 1 / step).
STEP_FLOAT64 = 1e-5
STEP_FLOAT32 = 3e-3


class ProbeFailure(Exception):
    """The audited function misbehaved on a probe; the message says how, in words for the report."""


def import_torch():
    """PyTorch, or a clear ImportError saying what to do without it."""
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            'framework="torch" needs PyTorch, which is not installed in this environment; '
            'install torch, or audit a NumPy version of the loss with framework="numpy"'
        ) from error
    return torch


def _describe(value) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__.split('.')[0]}.{kind.__name__}"


def as_loss_values(output, num_rows: int) -> np.ndarray:
    """The function's output as float64: shape ``()`` for one number, ``(num_rows,)`` for one per row.

    Raises :class:`ProbeFailure` for anything else. nan and inf pass: whether
    they are a fault depends on the probe.
    """
    if output is None:
        raise ProbeFailure("it returned None (a missing `return`?)")
    if isinstance(output, (bool, np.bool_, str, bytes)):
        raise ProbeFailure(f"it returned a {_describe(output)} ({output!r}), not a number")
    try:
        array = np.asarray(output)
    except Exception:  # objects NumPy cannot even look at
        raise ProbeFailure(f"it returned a {_describe(output)}, not a number") from None
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        of_dtype = f" of dtype {array.dtype}" if isinstance(output, np.ndarray) else ""
        raise ProbeFailure(f"it returned a {_describe(output)}{of_dtype}, not real numbers")
    if array.size == 1:
        return array.astype(np.float64).reshape(())
    if array.shape == (num_rows,):
        return array.astype(np.float64)
    raise ProbeFailure(
        f"for {num_rows} rows of logits it returned shape {array.shape}; "
        f"expected a single number or one loss per row, shape ({num_rows},)"
    )


class Caller:
    """Calls ``loss_fn(logits, target)`` and counts the calls; subclasses know the framework."""

    #: Whether gradients are exact (autograd) rather than central differences, which lose
    #: their accuracy where the loss is large, as at logits of size 1e4 in float32.
    exact_gradients = False

    def __init__(self, loss_fn: Callable):
        self.loss_fn = loss_fn
        self.calls = 0
        self.low_precision = False  # set when the function returns float32 or narrower values

    def _invoke(self, *args):
        self.calls += 1
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")  # overflow or log(0) warnings are findings, not noise
                return self.loss_fn(*args)
        except ProbeFailure:
            raise
        except Exception as error:  # the function's own fault: report it, do not propagate it
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise ProbeFailure(f"it raised {type(error).__name__}" + (f": {message}" if message else "")) from None

    def _note_precision(self, itemsize: int) -> None:
        if itemsize < 8:
            self.low_precision = True

    def values(self, logits: np.ndarray, target: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def gradient(self, logits: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(values, d sum(values) / d logits)`` at one batch."""
        raise NotImplementedError


class NumpyCaller(Caller):
    """A NumPy loss: arrays in, a number or one number per row out; central differences for gradients."""

    def values(self, logits, target):
        output = self._invoke(logits.copy(), target.copy())  # copies: the function may modify its input
        if type(output).__module__.startswith("torch"):
            raise ProbeFailure('it returned a torch tensor; audit it with framework="torch"')
        values = as_loss_values(output, logits.shape[0])
        self._note_precision(np.asarray(output).dtype.itemsize)
        return values

    def gradient(self, logits, target):
        values = self.values(logits, target)
        step = STEP_FLOAT32 if self.low_precision else STEP_FLOAT64
        grad = numeric_gradient(lambda z: float(self.values(z, target).sum()), logits, step=step)
        return values, grad


class TorchCaller(Caller):
    """A PyTorch loss: float64 tensors in, a tensor out; autograd for gradients."""

    exact_gradients = True

    def __init__(self, loss_fn: Callable):
        super().__init__(loss_fn)
        self.torch = import_torch()

    def _run(self, logits, target, *, track: bool):
        torch = self.torch
        z = torch.tensor(logits, dtype=torch.float64, requires_grad=track)
        output = self._invoke(z, torch.as_tensor(target, dtype=torch.long))
        if not isinstance(output, torch.Tensor):
            raise ProbeFailure(
                f"it returned a {_describe(output)}, not a tensor, so autograd cannot differentiate it"
            )
        self._note_precision(output.element_size() if output.is_floating_point() else 8)
        values = as_loss_values(output.detach().to("cpu", torch.float64).numpy(), logits.shape[0])
        return z, output, values

    def values(self, logits, target):
        return self._run(logits, target, track=False)[2]

    def gradient(self, logits, target):
        torch = self.torch
        z, output, values = self._run(logits, target, track=True)
        total = output.sum()
        if not total.requires_grad:
            raise ProbeFailure(
                "its result does not depend on the logits through autograd "
                "(detached, converted to NumPy, or built from .item())"
            )
        try:
            (grad,) = torch.autograd.grad(total, z, allow_unused=True)
        except Exception as error:
            raise ProbeFailure(f"its backward pass raised {type(error).__name__}: {error}") from None
        grad = np.zeros(logits.shape) if grad is None else grad.detach().to("cpu", torch.float64).numpy()
        return values, grad


def make_caller(loss_fn: Callable, framework: str) -> Caller:
    return TorchCaller(loss_fn) if framework == "torch" else NumpyCaller(loss_fn)
