"""The designed inputs the audit feeds a loss function, and what it records.

Explained in chapter 7, section "How the audit works". Four kinds of probe,
all in float64 with a fixed seed:

- single rows, one per true class and three random points each, at every
  number of classes probed: the implied target (see :mod:`._fit`);
- two batches of five rows, one of a single class and one of mixed
  classes, against the same rows one at a time: the reduction;
- a batch with padding rows (``target = ignore_index``), against the same
  batch without them: how padding is treated;
- one row with logits of size 1e4: stability.

Every call is recorded, so that the audit can compare it afterwards with
PyTorch's semantics (:func:`lsbook.cross_entropy`).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ._calls import Caller, ProbeFailure
from ._fit import RowFit, fit_target

POINTS_PER_ROW = 3  # two determine the target, the third tests it
BATCH_ROWS = 5
PADDING_ROWS = 2  # of the BATCH_ROWS rows of the padding probe
LARGE_LOGIT = 1e4
LOGIT_SCALE = 1.5


@dataclass(frozen=True)
class Record:
    """One call of the audited function: its input and what came back."""

    logits: np.ndarray
    target: np.ndarray
    values: np.ndarray
    gradient: np.ndarray | None = None


@dataclass
class Evidence:
    """Everything the probes saw, before any judgement."""

    num_classes: tuple[int, ...]
    fits: dict[int, list[RowFit]] = field(default_factory=dict)  # K -> one fit per true class
    records: list[Record] = field(default_factory=list)
    reduction: str | None = None
    reduction_numbers: dict[str, float] = field(default_factory=dict)
    padding: str | None = None
    padding_detail: dict = field(default_factory=dict)
    large_value: float | None = None
    large_gradient: np.ndarray | None = None
    large_failure: str | None = None
    large_row: Record | None = None


@contextmanager
def describing(what: str):
    """Prefix a :class:`ProbeFailure` with the probe it happened in."""
    try:
        yield
    except ProbeFailure as failure:
        raise ProbeFailure(f"On {what}, {failure}") from None


def _require_finite(record: Record, what: str) -> None:
    if not np.all(np.isfinite(record.values)):
        raise ProbeFailure(f"On {what}, it returned {_show(record.values)} for ordinary logits")
    if record.gradient is not None and not np.all(np.isfinite(record.gradient)):
        raise ProbeFailure(f"On {what}, its gradient contains nan or inf for ordinary logits")


def _show(values: np.ndarray) -> str:
    return f"{float(values):g}" if values.ndim == 0 else np.array2string(values, precision=4)


def kept_classes(num_classes: int, ignore_index: int | None) -> list[int]:
    """The classes a real target can have (all but the padding index)."""
    return [c for c in range(num_classes) if c != ignore_index]


class Prober:
    """Runs the probes against one :class:`Caller` and collects :class:`Evidence`."""

    def __init__(self, caller: Caller, num_classes: tuple[int, ...], ignore_index: int | None, seed: int):
        self.caller = caller
        self.ignore_index = ignore_index
        self.rng = np.random.default_rng(seed)
        self.evidence = Evidence(num_classes)

    @property
    def first_k(self) -> int:
        return self.evidence.num_classes[0]

    def _values(self, logits, target, what: str) -> Record:
        with describing(what):
            record = Record(logits, target, self.caller.values(logits, target))
        _require_finite(record, what)
        self.evidence.records.append(record)
        return record

    def _gradient(self, logits, target, what: str, *, finite: bool = True) -> Record:
        with describing(what):
            values, grad = self.caller.gradient(logits, target)
        record = Record(logits, target, values, grad)
        if finite:
            _require_finite(record, what)
        self.evidence.records.append(record)
        return record

    def _logits(self, rows: int, k: int) -> np.ndarray:
        return self.rng.normal(scale=LOGIT_SCALE, size=(rows, k))

    # The probes ---------------------------------------------------------------------------

    def rows(self) -> None:
        """Implied targets: every kept class at every K, from three single-row probes each."""
        for k in self.evidence.num_classes:
            points = self._logits(POINTS_PER_ROW, k)
            fits = []
            for c in kept_classes(k, self.ignore_index):
                what = f"a single row with K = {k} and true class {c}"
                target = np.array([c])
                records = [self._gradient(points[j : j + 1], target, what) for j in range(POINTS_PER_ROW)]
                values = np.array([float(r.values.sum()) for r in records])
                gradients = np.concatenate([r.gradient for r in records])
                fits.append(fit_target(points, gradients, values, c))
            self.evidence.fits[k] = fits

    def reduction(self) -> None:
        """Batch value against the rows' own values: mean, weighted mean, sum, none or other."""
        k = self.first_k
        classes = kept_classes(k, self.ignore_index)
        logits = self._logits(BATCH_ROWS, k)
        same = np.full(BATCH_ROWS, classes[0])
        mixed = np.array([classes[i % len(classes)] for i in range(BATCH_ROWS)])
        outcome = {}
        for name, target in (("same", same), ("mixed", mixed)):
            batch = self._values(logits, target, f"a batch of {BATCH_ROWS} rows with K = {k}").values
            rows = np.array([
                float(self._values(logits[i : i + 1], target[i : i + 1], f"a single row with K = {k}").values.sum())
                for i in range(BATCH_ROWS)
            ])
            outcome[name] = (batch, rows)
        self.evidence.reduction, self.evidence.reduction_numbers = _classify_reduction(outcome, self._close)

    def padding(self) -> None:
        """A batch with padding rows among real ones, against the same batch without them."""
        k, pad = self.first_k, self.ignore_index
        classes = kept_classes(k, pad)
        real = BATCH_ROWS - PADDING_ROWS
        kept_logits = self._logits(real, k)
        kept_target = np.array([classes[i % len(classes)] for i in range(real)])
        padded_rows = np.linspace(1, BATCH_ROWS - 1, PADDING_ROWS).astype(int)  # spread among the real rows
        is_padding = np.isin(np.arange(BATCH_ROWS), padded_rows)
        logits = np.empty((BATCH_ROWS, k))
        logits[~is_padding], logits[is_padding] = kept_logits, self._logits(PADDING_ROWS, k)
        target = np.full(BATCH_ROWS, pad)
        target[~is_padding] = kept_target
        detail = {"rows": len(target), "padded": len(padded_rows)}
        self.evidence.padding_detail = detail
        try:
            full = self._gradient(logits, target, "a batch with padding rows", finite=False)
            without = self._values(kept_logits, kept_target, "the same batch without its padding rows")
        except ProbeFailure as failure:
            self.evidence.padding, detail["failure"] = "fails", str(failure)
            return
        if not (np.all(np.isfinite(full.values)) and np.all(np.isfinite(full.gradient))):
            self.evidence.padding = "fails"
            detail["failure"] = f"With padding rows it returned {_show(full.values)}"
            return
        pad_gradient = full.gradient[padded_rows]
        detail.update(with_padding=full.values, without_padding=without.values)
        if np.max(np.abs(pad_gradient)) > self.tol:
            detail["largest_gradient"] = float(np.max(np.abs(pad_gradient)))
            pad_values = np.zeros(len(padded_rows))  # the values cannot be split by row; the fit needs gradients only
            detail["pull"] = fit_target(logits[padded_rows], pad_gradient, pad_values, pad if 0 <= pad < k else 0)
            self.evidence.padding = "included"
            return
        self.evidence.padding = _classify_padding(full.values, without.values, padded_rows, self._close)

    def large_logits(self, true_class: int) -> None:
        """One row with logits of size 1e4, where every reasonable loss is finite."""
        k = self.first_k
        base = self._logits(1, k)
        logits = LARGE_LOGIT * base / np.max(np.abs(base))
        target = np.array([true_class])
        try:
            with describing(f"a row with logits of size {LARGE_LOGIT:g}"):
                if self.caller.exact_gradients:
                    values, grad = self.caller.gradient(logits, target)
                else:  # central differences of a loss near 1e4 say little; the value says enough
                    values, grad = self.caller.values(logits, target), None
        except ProbeFailure as failure:
            self.evidence.large_failure = str(failure)
            return
        self.evidence.large_row = Record(logits, target, values, grad)
        self.evidence.large_value = float(values.sum())
        self.evidence.large_gradient = None if grad is None else grad[0]

    # Tolerances ---------------------------------------------------------------------------

    @property
    def tol(self) -> float:
        """How closely read-off numbers must agree to count as equal.

        Central differences are good to about 1e-9 in float64, but a loss
        that clips its logarithm (log(p + 1e-7)) is a cross-entropy only to
        about 1e-5 at ordinary logits; 1e-4 calls it one, and the large-logit
        probe still exposes the clipping. Looser when the function rounds to
        float32.
        """
        return 2e-3 if self.caller.low_precision else 1e-4

    def _close(self, a, b) -> bool:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=self.tol, atol=self.tol))


def _classify_reduction(outcome: dict, close) -> tuple[str, dict[str, float]]:
    same_batch, same_rows = outcome["same"]
    mixed_batch, mixed_rows = outcome["mixed"]
    numbers = {
        "batch": float(mixed_batch.sum()) if mixed_batch.ndim else float(mixed_batch),
        "mean": float(mixed_rows.mean()),
        "sum": float(mixed_rows.sum()),
    }
    if same_batch.ndim == 1:
        return ("none" if close(same_batch, same_rows) and close(mixed_batch, mixed_rows) else "other"), numbers
    if close(same_batch, same_rows.mean()):
        return ("mean" if close(mixed_batch, mixed_rows.mean()) else "weighted mean"), numbers
    if close(same_batch, same_rows.sum()) and close(mixed_batch, mixed_rows.sum()):
        return "sum", numbers
    return "other", numbers


def _classify_padding(with_padding, without_padding, padded_rows, close) -> str:
    """Padding rows get no gradient; do they still count, in the value or in the mean?"""
    if with_padding.ndim == 1:  # one value per row
        kept = np.delete(with_padding, padded_rows)
        if close(kept, without_padding) and close(with_padding[padded_rows], 0.0):
            return "excluded"
        return "included"
    if close(with_padding, without_padding):
        return "excluded"
    if close(with_padding, without_padding * (BATCH_ROWS - len(padded_rows)) / BATCH_ROWS):
        return "masked but counted in the mean"
    return "included"
