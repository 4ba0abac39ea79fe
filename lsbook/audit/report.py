"""The audit's report: what a loss function really computes, in attributes and in words.

Explained in chapter 7, section "Reading a report". ``str(report)`` is a
plain-text summary; in a notebook the report renders as a small table
(``_repr_html_``) followed by its findings, most serious first.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass, field

import numpy as np

#: Width of the plain-text summary: it must fit a book's code block.
TEXT_WIDTH = 76


def snap(value: float) -> float:
    """``value`` rounded to 8 decimals: finite differences leave noise near 1e-9, which must not flip a digit."""
    return float(np.round(float(value), 8)) + 0.0  # + 0.0 turns -0.0 into 0.0


def format_vector(values: np.ndarray | None) -> str:
    """``[0.9333, 0.0333, 0.0333]``: four significant digits, no NumPy repr."""
    if values is None:
        return "-"
    return "[" + ", ".join(f"{snap(v):.4g}" for v in np.asarray(values, dtype=float)) + "]"


def format_number(value: float | None) -> str:
    return "-" if value is None else f"{snap(value):.4g}"


@dataclass(frozen=True)
class AuditReport:
    """What :func:`lsbook.audit` found out about a loss function.

    Attributes
    ----------
    target : numpy.ndarray or None
        The implied target of a row whose true class is 0 (the first class
        that is not ``ignore_index``) at the first number of classes probed:
        the ``t`` with gradient ``(sum t) p - t``. ``None`` when no fixed
        target explains the gradients.
    target_sum : float or None
        ``sum(target)``: 1 for a distribution, ``1 - eps/K`` for the
        overwrite slip. The gradient is scaled by it.
    convention : {"uniform", "others", "other"} or None
        How the normalised target ``target / target_sum`` changes with K:
        ``eps/K`` for every class (uniform), ``eps/(K-1)`` for every wrong
        class (others), or neither (other).
    effective_epsilon : float or None
        The smoothing strength of the normalised target in that convention;
        ``None`` for "other".
    form : {"cross-entropy", "kl", "other"} or None
        "kl" logs values lower by the entropy of the target, with the same
        gradient; "other" differs from the cross-entropy by another constant,
        or is no cross-entropy against a target at all.
    reduction : {"mean", "weighted mean", "sum", "none", "other"} or None
        How rows are combined ("weighted mean": rows weighted by their class).
    padding : {"excluded", "masked but counted in the mean", "included", "fails"} or None
        How rows with ``target == ignore_index`` are treated; ``None`` when
        ``ignore_index`` was not given.
    stable : bool or None
        False if, at logits of size 1e4, it returns inf or nan (or a value
        its own target contradicts, as a clipped logarithm does).
    matches_pytorch : bool
        Whether every probe equals ``F.cross_entropy(logits, target,
        label_smoothing=eps)`` (with the reduction found, the ``ignore_index``
        given, and for ``convention="others"`` the target meant, which
        PyTorch reaches with ``eps * K / (K - 1)``). The report's row says
        "matches PyTorch" for the uniform convention and "matches what was
        meant" for the others convention, where even PyTorch's own loss
        with ``label_smoothing=eps`` does not match.
    findings : list of str
        Plain sentences, most serious first, each with the number that shows
        it; empty when the function does what was meant.
    targets : dict of int to numpy.ndarray
        The implied target of that row at every number of classes probed
        (empty when no fixed target explains the gradients).
    optimum : numpy.ndarray or None
        Where training drives the probabilities of that row: ``target / target_sum``.
    floor : float or None
        The smallest value the function logs for that row (at the optimum).
    error : str or None
        Why the audit could not finish (the function raised, returned nan,
        a wrong shape or a non-number on an ordinary probe).
    calls : int
        How many times the audit called the function.
    """

    function: str
    label_smoothing: float
    meant_convention: str
    num_classes: tuple[int, ...]
    ignore_index: int | None
    target: np.ndarray | None = None
    target_sum: float | None = None
    convention: str | None = None
    effective_epsilon: float | None = None
    form: str | None = None
    reduction: str | None = None
    padding: str | None = None
    stable: bool | None = None
    matches_pytorch: bool = False
    findings: list[str] = field(default_factory=list)
    targets: dict[int, np.ndarray] = field(default_factory=dict)
    optimum: np.ndarray | None = None
    floor: float | None = None
    error: str | None = None
    calls: int = 0

    @property
    def ok(self) -> bool:
        """True when the audit finished and the function does what ``F.cross_entropy`` does."""
        return self.error is None and self.matches_pytorch

    # Presentation ---------------------------------------------------------------------------

    def _reference(self) -> str:
        options = f"label_smoothing={self.label_smoothing:g}"
        if self.meant_convention == "others":  # PyTorch reaches eps/(K-1) through eps * K / (K - 1)
            options += " * K / (K - 1)"
        if self.ignore_index is not None:
            options += f", ignore_index={self.ignore_index}"
        return f"F.cross_entropy with {options}"

    @property
    def verdict(self) -> str:
        """One line: does it match ``F.cross_entropy``, or could it not be audited?"""
        if self.error is not None:
            return "could not be audited"
        if self.ok:
            return "matches " + self._reference()
        return "does not match " + self._reference()

    def _rows(self) -> list[tuple[str, str]]:
        k = self.num_classes[0]
        first = 0 if self.ignore_index != 0 else 1
        convention = self.convention or "-"
        if self.effective_epsilon is not None:
            convention += f", \u03b5 = {snap(self.effective_epsilon):.4g}"
        return [
            (f"target (class {first}, K = {k})", format_vector(self.target)),
            ("target sum", format_number(self.target_sum)),
            ("optimum", format_vector(self.optimum)),
            ("convention", convention),
            ("form", self.form or "-"),
            ("reduction", self.reduction or "-"),
            ("padding", self.padding or "not probed"),
            ("stable", "-" if self.stable is None else ("yes" if self.stable else "no")),
            (self._match_label(), "yes" if self.matches_pytorch else "no"),
        ]

    def _match_label(self) -> str:
        """The last row's name: with the others convention meant, the reference is no plain PyTorch call."""
        return "matches PyTorch" if self.meant_convention == "uniform" else "matches what was meant"

    def _title(self) -> str:
        ks = ", ".join(map(str, self.num_classes))
        meant = f"\u03b5 = {self.label_smoothing:g} ({self.meant_convention} convention)"
        return f"Audit of {self.function}, meant {meant}, K = {ks}"

    def __str__(self) -> str:
        lines = textwrap.wrap(self._title(), TEXT_WIDTH, subsequent_indent="  ")
        lines += textwrap.wrap(f"Verdict: {self.verdict}", TEXT_WIDTH, subsequent_indent=" " * len("Verdict: "))
        if self.error is not None:
            lines += textwrap.wrap(self.error, TEXT_WIDTH, initial_indent="  ", subsequent_indent="  ")
            return "\n".join(lines)
        width = max(len(name) for name, _ in self._rows())
        lines += [f"  {name:<{width}}  {value}" for name, value in self._rows()]
        if self.findings:
            lines.append("Findings:")
            for number, finding in enumerate(self.findings, start=1):
                lines += textwrap.wrap(
                    finding, TEXT_WIDTH, initial_indent=f"  {number}. ", subsequent_indent="     "
                )
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        escape = html.escape
        title = f"{escape(self._title())}<br><strong>{escape(self.verdict)}</strong>"
        if self.error is not None:
            return f'<div class="lsbook-audit"><p>{title}</p><p>{escape(self.error)}</p></div>'
        caption = f"<caption>{title}</caption>"
        body = "".join(
            f'<tr><th scope="row">{escape(name)}</th><td>{escape(value)}</td></tr>' for name, value in self._rows()
        )
        findings = "".join(f"<li>{escape(finding)}</li>" for finding in self.findings)
        listing = f"<ol>{findings}</ol>" if findings else ""
        return f'<table class="lsbook-audit">{caption}<tbody>{body}</tbody></table>{listing}'
