"""An interactive logit explorer that runs in the published page, without a kernel.

Shown in chapter 1, section "Explore it yourself". :func:`logit_explorer`
returns an object whose ``_repr_html_`` is self-contained HTML with inline
JavaScript (no external script, stylesheet, font or network request): a
slider per logit and one for eps, and a table of ``p``, ``q``, the loss and
the gradient ``p - q`` that updates as the sliders move.

The numbers first shown are computed here by :mod:`lsbook`; the browser
recomputes them with the same formulas (softmax with the maximum subtracted,
the single-pass loss ``lse(z) - (1 - eps) z_c - (eps / K) sum_k z_k``, the
gradient ``p - q``), and ``tests/test_explorer.py`` runs that JavaScript
under Node to show that both agree.

DOM contract, relied on by browser tests: the root has class
``lsbook-explorer``; the range inputs carry ``data-param="z0"`` ...
``"z<K-1>"`` and ``data-param="eps"``; the displayed numbers carry
``data-output="loss"``, ``"p-<k>"``, ``"q-<k>"`` and ``"grad-<k>"``, each
showing exactly four decimals as its whole text; updates run on ``input``.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ..core._checks import as_logits, check_epsilon, check_integer, check_real
from ..core.loss import cross_entropy, cross_entropy_grad
from ..core.softmax import softmax
from ..core.targets import smooth_labels

#: Logits the explorer accepts; the sliders span [-limit, limit] with limit at least this.
DEFAULT_LOGIT_LIMIT = 8.0

# Several explorers may share a page: each gets its own id from this counter.
# A counter (not a random number) keeps a notebook's stored output identical
# from one run to the next, which nbval checks.
_instances = itertools.count(1)

# The pure computation, shared by the page and the Node test. The markers let
# the test cut it out of the rendered HTML, so the code tested is the code shipped.
COMPUTE_JS = """/* lsbook-compute:start */
function lsbookExplorerCompute(z, target, eps) {
  var K = z.length;
  var peak = Math.max.apply(null, z);
  var shifted = z.map(function (zk) { return Math.exp(zk - peak); });
  var total = shifted.reduce(function (s, e) { return s + e; }, 0);
  var lse = peak + Math.log(total);
  var zSum = z.reduce(function (s, zk) { return s + zk; }, 0);
  var p = shifted.map(function (e) { return e / total; });
  var q = z.map(function (_, k) { return eps / K + (k === target ? 1 - eps : 0); });
  var loss = lse - (1 - eps) * z[target] - (eps / K) * zSum;
  var grad = p.map(function (pk, k) { return pk - q[k]; });
  return { p: p, q: q, loss: loss, grad: grad };
}
function lsbookFormat4(x) {
  // Python's "{:.4f}": toFixed rounds exact ties away from zero, Python to even.
  // A double is an exact tie at four decimals only when 32 x is an odd integer.
  if (Object.is(x, -0)) { return "-0.0000"; }
  var scaled = x * 32;
  if (Number.isInteger(scaled) && Math.abs(scaled) % 2 === 1) {
    var five = x.toFixed(5);
    var kept = Number(five.charAt(five.length - 2));
    return kept % 2 === 0 ? five.slice(0, -1) : x.toFixed(4);
  }
  return x.toFixed(4);
}
/* lsbook-compute:end */"""

# Wiring: find the explorers on the page that are not live yet and make them live.
_WIRING_JS = """
(function () {
  var roots = document.querySelectorAll(".lsbook-explorer:not([data-live])");
  Array.prototype.forEach.call(roots, function (root) {
    root.setAttribute("data-live", "");
    var K = Number(root.getAttribute("data-classes"));
    var target = Number(root.getAttribute("data-target"));
    var sliders = [];
    for (var k = 0; k < K; k++) { sliders.push(root.querySelector('[data-param="z' + k + '"]')); }
    var epsSlider = root.querySelector('[data-param="eps"]');
    function show(name, value) {
      root.querySelector('[data-output="' + name + '"]').textContent = lsbookFormat4(value);
    }
    function bar(name, value) {
      var el = root.querySelector('[data-bar="' + name + '"]');
      el.style.width = (100 * Math.min(Math.max(value, 0), 1)).toFixed(1) + "%";
    }
    function update() {
      var z = sliders.map(function (s) { return parseFloat(s.value); });
      var eps = parseFloat(epsSlider.value);
      var r = lsbookExplorerCompute(z, target, eps);
      z.forEach(function (zk, k) { root.querySelector('[data-value="z' + k + '"]').textContent = zk.toFixed(2); });
      root.querySelector('[data-value="eps"]').textContent = eps.toFixed(2);
      show("loss", r.loss);
      for (var k = 0; k < K; k++) {
        show("p-" + k, r.p[k]); show("q-" + k, r.q[k]); show("grad-" + k, r.grad[k]);
        bar("p-" + k, r.p[k]); bar("q-" + k, r.q[k]);
      }
    }
    sliders.concat([epsSlider]).forEach(function (s) { s.addEventListener("input", update); });
  });
})();
"""

# Colours: text, rules and the outlined q bars inherit the page's colour, so
# the widget reads on a light and a dark theme alike; the filled p bars use
# the book's blue (#0072B2), which keeps a contrast above 3:1 on white, light
# grey and near-black backgrounds.
_CSS = """
#ID { box-sizing: border-box; max-width: 36rem; width: 100%; padding: 0.75rem; margin: 0.5rem 0;
  border: 1px solid rgba(127, 127, 127, 0.5); border-radius: 0.4rem; color: inherit;
  font-size: 0.95rem; line-height: 1.4; }
#ID *, #ID *::before, #ID *::after { box-sizing: border-box; }
#ID fieldset { border: 0; margin: 0 0 0.5rem 0; padding: 0; min-width: 0; }
#ID legend { font-weight: 600; padding: 0; margin-bottom: 0.25rem; }
#ID .lsx-slider { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 0 0.5rem;
  align-items: center; margin: 0.15rem 0; }
#ID .lsx-slider input { grid-column: 1 / span 2; width: 100%; margin: 0; min-width: 0; }
#ID .lsx-num { font-variant-numeric: tabular-nums; white-space: nowrap; }
#ID table { width: 100%; border-collapse: collapse; table-layout: fixed; margin: 0.25rem 0; font-size: 0.9rem; }
#ID col.lsx-name { width: 25%; }
#ID col.lsx-col { width: 19%; }
#ID caption { text-align: left; font-weight: 600; padding-bottom: 0.25rem; }
#ID th, #ID td { padding: 0.2rem 0.25rem; text-align: right; border-bottom: 1px solid rgba(127, 127, 127, 0.35);
  background: transparent; color: inherit; }
#ID th:first-child, #ID td:first-child { text-align: left; }
#ID th.lsx-bars { font-weight: normal; font-size: 0.8rem; }
#ID .lsx-bar { height: 0.4rem; margin: 0.1rem 0; border-radius: 0.2rem; }
#ID .lsx-p { background: #0072B2; }
#ID .lsx-q { background: transparent; border: 2px solid currentColor; }
#ID .lsx-loss { font-size: 1.05rem; margin: 0.25rem 0 0 0; }
#ID .lsx-swatch { display: inline-block; width: 0.8rem; height: 0.4rem; border-radius: 0.2rem; vertical-align: middle; }
"""


def _format4(value: float) -> str:
    """Four decimals, exactly as the page's JavaScript prints them."""
    return f"{value:.4f}"


def _bar_width(probability: float) -> str:
    """CSS width of a probability bar, as the page's JavaScript sets it."""
    return f"{100 * min(max(probability, 0.0), 1.0):.1f}%"


class LogitExplorer:
    """The explorer for one setting of the logits, target and eps.

    Display it in a notebook (its ``_repr_html_``) or read the numbers it
    starts from in :attr:`values`, all computed by :mod:`lsbook`.
    """

    def __init__(self, logits, target, epsilon, labels, limit, element_id):
        self.logits = logits
        self.target = target
        self.epsilon = epsilon
        self.labels = labels
        self.limit = limit
        self.element_id = element_id
        num_classes = logits.size
        self.values = {
            "p": softmax(logits),
            "q": smooth_labels(target, num_classes, epsilon),
            "loss": float(cross_entropy(logits, target, label_smoothing=epsilon)),
            "grad": cross_entropy_grad(logits, target, label_smoothing=epsilon),
        }

    def __repr__(self) -> str:
        return (
            f"LogitExplorer(K={self.logits.size}, target={self.target} ({self.labels[self.target]}), "
            f"epsilon={self.epsilon:g}, loss={_format4(self.values['loss'])})"
        )

    def _slider(self, param: str, text: str, value: float, low: float, high: float) -> str:
        # The label wraps its input, so no id is needed to tie them together.
        return (
            f'<label class="lsx-slider"><span>{html.escape(text)}</span>'
            f'<span class="lsx-num" data-value="{param}">{value:.2f}</span>'
            f'<input type="range" data-param="{param}" min="{low:g}" max="{high:g}" step="any" '
            f'value="{value!r}"></label>'
        )

    def _row(self, k: int) -> str:
        p, q, grad = self.values["p"][k], self.values["q"][k], self.values["grad"][k]
        name = html.escape(self.labels[k]) + (" (true)" if k == self.target else "")
        head = f"<strong>{name}</strong>" if k == self.target else name
        return (
            f'<tr><th scope="row">{head}</th>'
            f'<td class="lsx-num" data-output="p-{k}">{_format4(p)}</td>'
            f'<td class="lsx-num" data-output="q-{k}">{_format4(q)}</td>'
            f'<td class="lsx-num" data-output="grad-{k}">{_format4(grad)}</td>'
            f'<td class="lsx-bars" aria-hidden="true">'
            f'<div class="lsx-bar lsx-p" data-bar="p-{k}" style="width: {_bar_width(p)}"></div>'
            f'<div class="lsx-bar lsx-q" data-bar="q-{k}" style="width: {_bar_width(q)}"></div></td></tr>'
        )

    def _repr_html_(self) -> str:
        uid = self.element_id
        sliders = "".join(
            self._slider(f"z{k}", f"logit z{k}, {label}", float(z), -self.limit, self.limit)
            for k, (label, z) in enumerate(zip(self.labels, self.logits, strict=True))
        )
        eps_slider = self._slider("eps", "smoothing strength eps", self.epsilon, 0.0, 1.0)
        rows = "".join(self._row(k) for k in range(self.logits.size))
        return (
            f"<style>{_CSS.replace('#ID', '#' + uid)}</style>"
            f'<div class="lsbook-explorer" id="{uid}" data-classes="{self.logits.size}" '
            f'data-target="{self.target}" role="group" aria-label="Logit explorer">'
            f"<fieldset><legend>Logits</legend>{sliders}</fieldset>"
            f"<fieldset><legend>Smoothing</legend>{eps_slider}</fieldset>"
            f'<p class="lsx-loss" aria-live="polite">Loss <span class="lsx-num" data-output="loss">'
            f"{_format4(self.values['loss'])}</span> nats</p>"
            "<table><caption>Prediction p, smoothed target q and gradient p &minus; q</caption>"
            '<colgroup><col class="lsx-name"><col class="lsx-col"><col class="lsx-col"><col class="lsx-col"><col>'
            "</colgroup>"
            '<thead><tr><th scope="col">class</th><th scope="col">p</th><th scope="col">q</th>'
            '<th scope="col">p &minus; q</th><th scope="col" class="lsx-bars">'
            '<span class="lsx-swatch lsx-p"></span> p <span class="lsx-swatch lsx-q"></span> q</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
            "</div>"
            f"<script>{COMPUTE_JS}\n{_WIRING_JS}</script>"
        )


def _element_id(logits: np.ndarray, target: int, epsilon: float, labels: list[str]) -> str:
    """A page-unique, run-to-run stable id: a counter plus a digest of the setting."""
    setting = json.dumps([logits.tolist(), target, epsilon, labels])
    digest = hashlib.sha256(setting.encode()).hexdigest()[:8]
    return f"lsbook-explorer-{next(_instances)}-{digest}"


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
        The starting smoothing strength eps, in [0, 1].
    class_names : sequence of str, optional
        A name per class; ``"class 0"``, ``"class 1"``, ... by default.
    limit : float, optional
        The logit sliders span ``[-limit, limit]``; by default 8, or wider
        if a starting logit lies further out.

    Returns
    -------
    LogitExplorer
        Displayed as HTML in a notebook and in the book; its ``values`` hold
        the starting ``p``, ``q``, ``loss`` and ``grad`` as computed by lsbook.

    Examples
    --------
    >>> import numpy as np
from numpy.typing import ArrayLike
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
    target = int(target)
    return LogitExplorer(z, target, epsilon, labels, float(limit), _element_id(z, target, epsilon, labels))
