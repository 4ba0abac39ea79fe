"""From what the probes saw to a report: attributes, and findings in words.

Explained in chapter 7, section "Reading a report". Findings come most
serious first: a gradient that no target explains, a target that depends on
the class, a target that does not sum to one, the wrong convention or
strength, padding that still trains, instability, and last what only
changes the logged numbers (the KL form, the reduction).
"""

from __future__ import annotations

import numpy as np

from ..core.loss import cross_entropy, cross_entropy_grad
from ..core.softmax import log_softmax
from ..core.targets import smooth_labels
from ._fit import (
    RowFit,
    Symmetry,
    convention_of,
    convention_strengths,
    floor_of,
    form_of,
    optimum_of,
    symmetry_of,
    target_entry_for,
)
from ._probes import BATCH_ROWS, LARGE_LOGIT, Evidence, Record
from .report import AuditReport, format_vector, snap


class Judge:
    """Turns :class:`Evidence` into an :class:`AuditReport`."""

    def __init__(self, evidence: Evidence, *, label_smoothing: float, convention: str,
                 ignore_index: int | None, tol: float):
        self.evidence = evidence
        self.epsilon = label_smoothing
        self.meant = convention
        self.ignore_index = ignore_index
        self.tol = tol
        self.first_k = evidence.num_classes[0]
        self.first_fit = evidence.fits[self.first_k][0]
        self.all_fits = [fit for fits in evidence.fits.values() for fit in fits]
        self.findings: list[str] = []

    # Attributes ---------------------------------------------------------------------------

    def gradients_fit(self) -> bool:
        return all(fit.misfit <= self.tol for fit in self.all_fits)

    def values_fit(self) -> bool:
        return all(np.ptp(fit.offsets) <= self.tol * max(1.0, abs(fit.offset)) for fit in self.all_fits)

    def form(self) -> str:
        forms = {form_of(fit, self.tol) for fit in self.all_fits}
        return forms.pop() if len(forms) == 1 else "other"

    def symmetries(self) -> list[Symmetry]:
        return [symmetry_of(self.evidence.fits[k], self.tol) for k in self.evidence.num_classes]

    def stable(self) -> bool:
        evidence = self.evidence
        if evidence.large_failure is not None or not np.isfinite(evidence.large_value):
            return False
        if evidence.large_gradient is not None and not np.all(np.isfinite(evidence.large_gradient)):
            return False
        expected = self.expected_large_value()
        return expected is None or abs(evidence.large_value - expected) <= self.tol * max(1.0, abs(expected))

    def expected_large_value(self) -> float | None:
        """What the function's own target and form give at the large logits."""
        row = self.evidence.large_row
        if row is None or not self.gradients_fit():
            return None
        return float(-(log_softmax(row.logits)[0] @ self.first_fit.target) + self.first_fit.offset)

    def pytorch_deviation(self, reduction: str | None) -> float:
        """The largest difference between the probes and PyTorch's semantics (inf if not comparable)."""
        if reduction not in ("mean", "sum", "none"):
            return np.inf
        if self.ignore_index is not None and self.evidence.padding != "excluded":
            return np.inf
        options = dict(label_smoothing=self.epsilon, convention=self.meant,
                       ignore_index=self.ignore_index, reduction=reduction)
        records = self.evidence.records + ([self.evidence.large_row] if self.evidence.large_row else [])
        return max(_deviation(record, options) for record in records)

    # Report -------------------------------------------------------------------------------

    def report(self, function: str, calls: int, match_tolerance: float) -> AuditReport:
        evidence = self.evidence
        fits = self.gradients_fit()
        convention, effective = ("other", None)
        symmetries = self.symmetries() if fits else []
        if fits:
            convention, effective = convention_of(symmetries, self.meant, self.tol)
        stable = self.stable()
        deviation = self.pytorch_deviation(evidence.reduction)
        matches = bool(deviation <= match_tolerance)

        self._find_target(fits, symmetries, convention, effective)
        self._find_padding()
        self._find_stability(stable)
        if fits:
            self._find_form()
        self._find_reduction()
        if not matches and not self.findings:
            self.findings.append(
                f"It differs from F.cross_entropy with label_smoothing={self.epsilon:g} "
                f"by up to {snap(deviation):.3g} on the probes."
            )
        fit = self.first_fit
        return AuditReport(
            function=function,
            label_smoothing=self.epsilon,
            meant_convention=self.meant,
            num_classes=evidence.num_classes,
            ignore_index=self.ignore_index,
            target=fit.target.copy() if fits else None,
            target_sum=fit.total if fits else None,
            convention=convention,
            effective_epsilon=effective,
            form=self.form() if fits else "other",
            reduction=evidence.reduction,
            padding=evidence.padding,
            stable=stable,
            matches_pytorch=matches,
            findings=self.findings,
            targets={k: rows[0].target.copy() for k, rows in evidence.fits.items()} if fits else {},
            optimum=optimum_of(fit, self.tol) if fits else None,
            floor=floor_of(fit, self.tol) if fits else None,
            calls=calls,
        )

    # Findings, most serious first ---------------------------------------------------------

    def _find_target(self, fits: bool, symmetries: list[Symmetry], convention: str, effective) -> None:
        if not fits:
            worst = max(self.all_fits, key=lambda fit: fit.misfit)
            self.findings.append(
                "Its gradient is not (\u03a3t)\u00b7p \u2212 t for any fixed target t "
                f"(misfit {snap(worst.misfit):.3g} at K = {worst.num_classes}): it is not a cross-entropy "
                "against a target, so no target, "
                "convention or form can be read off it."
            )
            return
        if not self.values_fit():
            spread = max(np.ptp(fit.offsets) for fit in self.all_fits)
            self.findings.append(
                "The value it returns is not the loss its gradient trains: the two differ by an amount "
                f"that changes with the logits (by up to {snap(spread):.3g})."
            )
        negative = [fit for fit in self.all_fits if optimum_of(fit, self.tol) is None]
        if negative:
            fit = negative[0]
            self.findings.append(
                f"Its implied target {format_vector(fit.target)} (K = {fit.num_classes}, true class "
                f"{fit.true_class}) has negative entries or a sum of zero or less: the loss has no minimum."
            )
            return
        self._find_symmetry(symmetries)
        self._find_sum()
        if all(not s.class_dependent and s.uneven_row is None for s in symmetries):
            self._find_convention(symmetries, convention, effective)

    def _find_symmetry(self, symmetries: list[Symmetry]) -> None:
        for symmetry in symmetries:
            if symmetry.class_dependent:
                shares = symmetry.true_share
                low, high = min(shares, key=shares.get), max(shares, key=shares.get)
                self.findings.append(
                    f"The target depends on the true class: at K = {symmetry.num_classes} training drives the "
                    f"true-class probability to {snap(shares[low]):.4f} when the true class is {low} but to "
                    f"{snap(shares[high]):.4f} when it is {high}. Class weights inside the loss have this effect, "
                    "and so does a target built differently for each class."
                )
                return
        uneven = next((s.uneven_row for s in symmetries if s.uneven_row is not None), None)
        if uneven is not None:
            detail = ""
            if self._padding_class_left_out(symmetries):
                detail = (f" (the padding class {self.ignore_index} gets nothing, the other wrong classes share "
                          f"\u03b5 = {snap(self._shared_without_padding(uneven)):.4g} equally)")
            self.findings.append(
                f"The wrong classes get unequal shares{detail}: at K = {uneven.num_classes} a row of class "
                f"{uneven.true_class} is trained toward {format_vector(uneven.normalised)}."
            )

    def _padding_class_left_out(self, symmetries: list[Symmetry]) -> bool:
        """True when every uneven row is even apart from a zero at the padding class."""
        pad = self.ignore_index
        if pad is None:
            return False
        for fits in self.evidence.fits.values():
            for fit in fits:
                if not 0 <= pad < fit.num_classes or abs(fit.normalised[pad]) > self.tol:
                    return False
                others = fit.off_class(skip=pad)
                if others.size and np.ptp(others) > self.tol:
                    return False
        return True

    def _shared_without_padding(self, fit: RowFit) -> float:
        return float(np.sum(fit.off_class(skip=self.ignore_index)))

    def _find_sum(self) -> None:
        sums = {k: fits[0].total for k, fits in self.evidence.fits.items()}
        if all(abs(total - 1.0) <= self.tol for total in sums.values()):
            return
        listed = ", ".join(f"{snap(total):.4f} at K = {k}" for k, total in sums.items())
        total = sums[self.first_k]
        meant = smooth_labels(self.first_fit.true_class, self.first_k, self.epsilon, convention=self.meant)
        if np.allclose(self.first_fit.normalised, meant, atol=self.tol):
            consequence = f"a learning rate {snap(total):.4g} times the one meant, toward the target meant"
        else:
            consequence = (f"{snap(total):.4g} times the loss of the normalised target t / \u03a3t, "
                           "which is not the target meant")
        self.findings.append(
            f"The implied target sums to {listed}, not 1: the gradient is (\u03a3t)\u00b7p \u2212 t, so training "
            f"sees {consequence}."
        )

    def _find_convention(self, symmetries: list[Symmetry], convention: str, effective) -> None:
        k = self.first_k
        meant_share = target_entry_for(self.meant, k, self.epsilon)
        found_share = float(self.first_fit.normalised[self.first_fit.true_class])
        if convention == "other":
            strengths = convention_strengths(symmetries)["uniform"]
            pairs = zip(strengths, symmetries, strict=True)
            listed = ", ".join(f"{snap(eps):.4f} at K = {s.num_classes}" for eps, s in pairs)
            self.findings.append(
                f"Normalised, its target smooths with a strength that changes with K (read as \u03b5/K: {listed}): "
                "it follows neither the \u03b5/K nor the \u03b5/(K\u22121) convention."
            )
            return
        same_strength = abs(effective - self.epsilon) <= self.tol
        if convention != self.meant:
            spread = "the K \u2212 1 wrong classes (the \u201cothers\u201d convention)" if convention == "others" \
                else "all K classes (the uniform convention)"
            self.findings.append(
                f"It spreads \u03b5 = {snap(effective):.4g} over {spread}, where the {self.meant} convention was "
                f"meant: the true class is trained toward {snap(found_share):.4f} at K = {k} "
                f"instead of {snap(meant_share):.4f}."
            )
        elif abs(effective) <= self.tol and self.epsilon > 0:
            self.findings.append(
                f"It does not smooth at all (\u03b5 = 0): the true class is trained toward 1 at K = {k} "
                f"instead of {snap(meant_share):.4f}."
            )
        elif not same_strength:
            self.findings.append(
                f"Its smoothing strength is \u03b5 = {snap(effective):.4g}, not the {self.epsilon:g} meant: "
                f"the true class is trained toward {snap(found_share):.4f} at K = {k} "
                f"instead of {snap(meant_share):.4f}."
            )

    def _find_padding(self) -> None:
        padding, detail, pad = self.evidence.padding, self.evidence.padding_detail, self.ignore_index
        if padding == "fails":
            self.findings.append(f"{detail['failure']}: padding (target = {pad}) is not handled.")
        elif padding == "included" and "largest_gradient" in detail:
            pull: RowFit = detail["pull"]
            toward = ""
            if pull.misfit <= self.tol and optimum_of(pull, self.tol) is not None:
                toward = f", and are trained toward {format_vector(pull.normalised)}"
                if 0 <= pad < pull.num_classes and int(np.argmax(pull.normalised)) == pad:
                    toward += f" as if {pad} were a real class"
            self.findings.append(
                f"Padding rows (target = {pad}) still get gradient (largest entry "
                f"{snap(detail['largest_gradient']):.3g}){toward}."
            )
        elif padding == "included":
            self.findings.append(
                f"Padding rows (target = {pad}) get no gradient but change the logged value: "
                f"{_number(detail['with_padding'])} with them, {_number(detail['without_padding'])} without."
            )
        elif padding == "masked but counted in the mean":
            rows, padded = detail["rows"], detail["padded"]
            with_padding, without = float(detail["with_padding"]), float(detail["without_padding"])
            self.findings.append(
                f"Padding rows are masked but counted in the mean: with {padded} of {rows} rows padding the loss "
                f"is {snap(with_padding):.4f} instead of {snap(without):.4f} (the mean over real rows), "
                "so the loss and its gradient shrink as the share of padding grows."
            )

    def _find_stability(self, stable: bool) -> None:
        if stable:
            return
        evidence = self.evidence
        size = f"{LARGE_LOGIT:g}"
        if evidence.large_failure is not None:
            self.findings.append(f"{evidence.large_failure}: large logits break it.")
            return
        expected = self.expected_large_value()
        finite = "finite" if expected is None else f"finite ({snap(expected):.6g})"
        if not np.isfinite(evidence.large_value):
            self.findings.append(
                f"At logits of size {size} it returns {evidence.large_value:g} where the loss is {finite}: "
                "it takes the log of a probability that underflowed to 0 (a log-softmax avoids that)."
            )
        elif evidence.large_gradient is not None and not np.all(np.isfinite(evidence.large_gradient)):
            self.findings.append(f"At logits of size {size} its gradient contains nan or inf.")
        else:
            self.findings.append(
                f"At logits of size {size} it returns {snap(evidence.large_value):.6g} where its own target gives "
                f"{snap(expected):.6g}: a clipped logarithm such as log(p + \u03b4) hides the true loss there."
            )

    def _find_form(self) -> None:
        form, fit = self.form(), self.first_fit
        if form == "kl":
            self.findings.append(
                f"It logs the KL divergence, not the cross-entropy: its values are lower by {snap(-fit.offset):.4f} at "
                f"K = {fit.num_classes} (the entropy of its target) with the same gradient, so its numbers are "
                "not comparable with F.cross_entropy's."
            )
        elif form == "other":
            self.findings.append(
                "Its values differ from the cross-entropy against its own target by a constant "
                f"{snap(fit.offset):+.4g} at K = {fit.num_classes}: same gradient, different logged numbers."
            )

    def _find_reduction(self) -> None:
        reduction, numbers = self.evidence.reduction, self.evidence.reduction_numbers
        batch, mean, total = numbers.get("batch"), numbers.get("mean"), numbers.get("sum")
        if reduction == "sum":
            self.findings.append(
                f"It sums over the rows (a batch of {BATCH_ROWS} logs {snap(batch):.4f}, whose mean is "
                f"{snap(mean):.4f}): the gradient grows with the batch size, and F.cross_entropy's default is the mean."
            )
        elif reduction == "weighted mean":
            self.findings.append(
                "It weights rows by their class in the mean: a batch of mixed classes logs "
                f"{snap(batch):.4f} where the plain mean of its rows is {snap(mean):.4f}."
            )
        elif reduction == "other":
            self.findings.append(
                f"Its batch value {snap(batch):.4f} is neither the mean ({snap(mean):.4f}) "
                f"nor the sum ({snap(total):.4f}) of its rows' values."
            )


def _number(values) -> str:
    values = np.asarray(values)
    return f"{snap(float(values)):.4f}" if values.ndim == 0 else format_vector(values)


def _deviation(record: Record, options: dict) -> float:
    """How far one recorded call is from ``lsbook.cross_entropy`` with ``options`` (relative for values)."""
    try:
        with np.errstate(all="ignore"):
            reference = np.asarray(cross_entropy(record.logits, record.target, **options), dtype=float)
            reference_grad = cross_entropy_grad(record.logits, record.target, **options)
    except (ValueError, TypeError):
        return np.inf
    values = record.values
    if values.shape != reference.shape:
        if values.size != 1 or reference.size != 1:
            return np.inf
        values, reference = values.reshape(()), reference.reshape(())
    if not np.all(np.isfinite(values)) or not np.all(np.isfinite(reference)):
        same = np.array_equal(values, reference, equal_nan=True)
        return 0.0 if same else np.inf
    worst = float(np.max(np.abs(values - reference) / np.maximum(1.0, np.abs(reference))))
    if record.gradient is not None:
        worst = max(worst, float(np.max(np.abs(record.gradient - reference_grad))))
    return worst
