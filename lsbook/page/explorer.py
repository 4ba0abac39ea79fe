"""An interactive logit explorer that runs in the published page, without a kernel.

Shown in chapter 1, section "Explore it yourself". :func:`logit_explorer`
returns an object whose ``_repr_html_`` is self-contained HTML: a slider
per logit z₀, z₁, ... and one for the smoothing strength ε, a reset button,
the loss with the smoothed and with the hard target, two small plots of the
loss against the true class's logit (hard and smoothed target side by side,
a point at the current value), and a table of ``p``, ``q`` and the gradient
``p - q``, coloured by its sign. Everything updates as the sliders move.

The script and the stylesheet are files of this package, ``explorer.js``
and ``explorer.css``, inlined into the HTML (no external script,
stylesheet, font or network request). The numbers first shown are computed
here by :mod:`lsbook`; the browser recomputes them with the same formulas
(softmax with the maximum subtracted, the single-pass loss
``lse(z) - (1 - eps) z_c - (eps / K) sum_k z_k``, the gradient ``p - q``),
and ``tests/test_explorer.py`` runs that JavaScript under Node to show that
both agree.

DOM contract, relied on by the browser tests: the root has class
``lsbook-explorer`` and no element has an ``id`` (so any number of
explorers can share a page); the range inputs carry ``data-param="z0"`` ...
``"z<K-1>"`` and ``data-param="eps"``, each with an ``aria-valuetext``
holding its value to two decimals; the displayed numbers carry
``data-output="loss"``, ``"loss-hard"``, ``"p-<k>"``, ``"q-<k>"`` and
``"grad-<k>"``, each showing exactly four decimals as its whole text; the
gradient cells have class ``lsx-neg`` or ``lsx-pos`` by sign (neither when
shown as zero); the loss plots are ``svg[data-curve="hard"]`` and
``svg[data-curve="smoothed"]``, each with a ``[data-point]`` circle; the
reset button is ``[data-action="reset"]``; updates run on ``input``.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Sequence
from importlib import resources

import numpy as np
from numpy.typing import ArrayLike

from ..core._checks import as_logits, check_epsilon, check_integer, check_real
from ..core.loss import cross_entropy, cross_entropy_grad
from ..core.softmax import softmax
from ..core.targets import smooth_labels

#: Logits the explorer accepts; the sliders span [-limit, limit] with limit at least this.
DEFAULT_LOGIT_LIMIT = 8.0

_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@functools.cache
def asset(name: str) -> str:
    """The text of ``explorer.js`` or ``explorer.css``, shipped with the package."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _format(value: float, digits: int) -> str:
    """``value`` to ``digits`` decimals, exactly as the page's JavaScript prints it."""
    return f"{value:.{digits}f}"


def _bar_width(probability: float) -> str:
    """CSS width of a probability bar, as the page's JavaScript sets it."""
    return f"{100 * min(max(probability, 0.0), 1.0):.1f}%"


def _sign_class(value: float) -> str:
    """``lsx-neg`` or ``lsx-pos`` for a gradient entry, nothing if it shows as zero."""
    if float(_format(value, 4)) == 0:
        return ""
    return "lsx-neg" if value < 0 else "lsx-pos"


def logit_name(k: int) -> str:
    """ "z₀", "z₁", ..., "z₁₁": the name of logit ``k`` as the sliders show it."""
    return f"z{str(k).translate(_SUBSCRIPT_DIGITS)}"


class LogitExplorer:
    """The explorer for one setting of the logits, the target and ε.

    Display it in a notebook (its ``_repr_html_``) or read the numbers it
    starts from in :attr:`values`, all computed by :mod:`lsbook`.
    """

    def __init__(self, logits: np.ndarray, target: int, label_smoothing: float, labels: list[str], limit: float):
        self.logits = logits
        self.target = target
        self.label_smoothing = label_smoothing
        self.labels = labels
        self.limit = limit
        num_classes = logits.size
        self.values = {
            "p": softmax(logits),
            "q": smooth_labels(target, num_classes, label_smoothing),
            "loss": float(cross_entropy(logits, target, label_smoothing=label_smoothing)),
            "loss-hard": float(cross_entropy(logits, target)),
            "grad": cross_entropy_grad(logits, target, label_smoothing=label_smoothing),
        }

    def __repr__(self) -> str:
        return (
            f"LogitExplorer(K={self.logits.size}, target={self.target} ({self.labels[self.target]}), "
            f"label_smoothing={self.label_smoothing:g}, loss={_format(self.values['loss'], 4)})"
        )

    @property
    def target_name(self) -> str:
        """The true class's logit as the plots name it, "z₂ (rainy)"."""
        return f"{logit_name(self.target)} ({self.labels[self.target]})"

    @staticmethod
    def _slider(param: str, name: str, detail: str, value: float, low: float, high: float) -> str:
        # The label wraps its input, so no id is needed to tie them together. The
        # number beside the name is hidden from screen readers, which read the
        # slider's aria-valuetext instead, so the slider's name stays fixed.
        shown = _format(value, 2)
        return (
            f'<label class="lsx-slider"><span>{name} <span class="lsx-class">{html.escape(detail)}</span></span>'
            f'<span class="lsx-num" data-value="{param}" aria-hidden="true">{shown}</span>'
            f'<input type="range" data-param="{param}" min="{low:g}" max="{high:g}" step="any" '
            f'value="{value!r}" aria-valuetext="{shown}"></label>'
        )

    def _logit_sliders(self) -> str:
        sliders = []
        for k, (label, z) in enumerate(zip(self.labels, self.logits, strict=True)):
            detail = f"{label} (true class)" if k == self.target else label
            sliders.append(self._slider(f"z{k}", logit_name(k), detail, float(z), -self.limit, self.limit))
        return "".join(sliders)

    def _row(self, k: int) -> str:
        p, q, grad = self.values["p"][k], self.values["q"][k], self.values["grad"][k]
        name = html.escape(self.labels[k]) + (" (true)" if k == self.target else "")
        head = f"<strong>{name}</strong>" if k == self.target else name
        return (
            f'<tr><th scope="row">{head}</th>'
            f'<td class="lsx-num" data-output="p-{k}">{_format(p, 4)}</td>'
            f'<td class="lsx-num" data-output="q-{k}">{_format(q, 4)}</td>'
            f'<td class="{" ".join(["lsx-num", _sign_class(grad)]).strip()}" data-output="grad-{k}">'
            f"{_format(grad, 4)}</td>"
            f'<td class="lsx-bars" aria-hidden="true">'
            f'<div class="lsx-bar lsx-p" data-bar="p-{k}" style="width: {_bar_width(p)}"></div>'
            f'<div class="lsx-bar lsx-q" data-bar="q-{k}" style="width: {_bar_width(q)}"></div></td></tr>'
        )

    def _curves(self) -> str:
        # Drawn by the page's script (explorer.js), which also redraws them as the sliders move.
        eps = _format(self.label_smoothing, 2)
        panels = [
            ("hard", "Hard target", "Hard target, ε = 0"),
            ("smoothed", "Smoothed target", f'Smoothed target, ε = <span data-echo="eps">{eps}</span>'),
        ]
        return (
            '<div class="lsx-curves">'
            + "".join(
                f"<figure><figcaption>{caption}</figcaption>"
                f'<svg data-curve="{kind}" data-title="{title}" role="img" aria-label="{title}: the loss against '
                f'{html.escape(self.target_name)}" viewBox="0 0 240 150" width="240" height="150"></svg></figure>'
                for kind, title, caption in panels
            )
            + "</div>"
        )

    def _repr_html_(self) -> str:
        eps_slider = self._slider("eps", "ε", "smoothing strength", self.label_smoothing, 0.0, 1.0)
        rows = "".join(self._row(k) for k in range(self.logits.size))
        return (
            f"<style>{asset('explorer.css')}</style>"
            f'<div class="lsbook-explorer" data-classes="{self.logits.size}" data-target="{self.target}" '
            f'data-limit="{self.limit:g}" data-target-name="{html.escape(self.target_name)}" '
            'role="group" aria-label="Logit explorer">'
            f"<fieldset><legend>Logits</legend>{self._logit_sliders()}</fieldset>"
            f"<fieldset><legend>Smoothing</legend>{eps_slider}</fieldset>"
            '<button type="button" class="lsx-reset" data-action="reset">Reset</button>'
            '<p class="lsx-loss" aria-live="polite">Loss <span class="lsx-num" data-output="loss">'
            f"{_format(self.values['loss'], 4)}</span> nats with the smoothed target, "
            f'<span class="lsx-num" data-output="loss-hard">{_format(self.values["loss-hard"], 4)}</span> '
            "with the hard target.</p>"
            f"{self._curves()}"
            "<table><caption>Prediction p, smoothed target q and gradient p &minus; q</caption>"
            '<colgroup><col class="lsx-name"><col class="lsx-col"><col class="lsx-col"><col class="lsx-col"><col>'
            "</colgroup>"
            '<thead><tr><th scope="col">class</th><th scope="col">p</th><th scope="col">q</th>'
            '<th scope="col">p &minus; q</th><th scope="col" class="lsx-bars">'
            '<span class="lsx-key"><span class="lsx-swatch lsx-p"></span> p</span> '
            '<span class="lsx-key"><span class="lsx-swatch lsx-q"></span> q</span></th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
            '<p class="lsx-note">Gradient descent raises a logit where p &minus; q is '
            '<span class="lsx-neg">negative</span> and lowers it where p &minus; q is '
            '<span class="lsx-pos">positive</span>.</p>'
            "</div>"
            f"<script>{asset('explorer.js')}</script>"
        )


def logit_explorer(
    logits: ArrayLike,
    target: int,
    label_smoothing: float,
    *,
    class_names: Sequence[str] | None = None,
    limit: float | None = None,
) -> LogitExplorer:
    """An interactive explorer of the smoothed loss for one example.

    Parameters
    ----------
    logits : array_like, shape (K,)
        The starting logits, one per class (2 <= K <= 12), all finite.
    target : int
        The true class c, in ``[0, K)``.
    label_smoothing : float
        The starting smoothing strength ε, in [0, 1].
    class_names : sequence of str, optional
        A name per class; ``"class 0"``, ``"class 1"``, ... by default.
    limit : float, optional
        The logit sliders span ``[-limit, limit]``; by default 8, or wider
        if a starting logit lies further out.

    Returns
    -------
    LogitExplorer
        Displayed as HTML in a notebook and in the book; its ``values`` hold
        the starting ``p``, ``q``, ``loss``, ``loss-hard`` and ``grad`` as
        computed by lsbook.

    Examples
    --------
    >>> import numpy as np
    >>> explorer = logit_explorer(np.log([1.0, 2.0, 6.0, 1.0]), 2, 0.1)
    >>> round(explorer.values["loss"], 4)
    0.6279
    """
    z = as_logits(logits)
    if z.ndim != 1 or not 2 <= z.size <= 12:
        raise ValueError(f"logits must be one row of 2 to 12 logits, got shape {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError("logits must be finite: a slider cannot show an infinite logit")
    z = z.astype(np.float64)
    target = check_integer(target, "target")
    if not 0 <= target < z.size:
        raise ValueError(f"target must be in [0, {z.size}), got {target}")
    epsilon = check_epsilon(label_smoothing)
    labels = [f"class {k}" for k in range(z.size)] if class_names is None else [str(name) for name in class_names]
    if len(labels) != z.size:
        raise ValueError(f"class_names must name each of the {z.size} classes, got {len(labels)} names")
    if limit is None:
        limit = max(DEFAULT_LOGIT_LIMIT, float(math.ceil(np.abs(z).max())))
    elif np.abs(z).max() > check_real(limit, "limit", positive=True):
        raise ValueError(f"every logit must lie in [-limit, limit] = [{-limit:g}, {limit:g}]")
    return LogitExplorer(z, int(target), epsilon, labels, float(limit))
