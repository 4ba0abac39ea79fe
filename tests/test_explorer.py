"""The logit explorer shows lsbook's numbers, in Python and in the browser's JavaScript."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import lsbook
from lsbook.page import explorer as explorer_module
from lsbook.page.explorer import logit_explorer, logit_name

WEATHER = ["sunny", "cloudy", "rainy", "stormy"]
WEATHER_LOGITS = np.log([1.0, 2.0, 6.0, 1.0])  # softmax: [0.1, 0.2, 0.6, 0.1]

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed: the JavaScript port cannot be run")


class _Collector(HTMLParser):
    """Collects the text of every data-output element, the data-param inputs and the scripts."""

    def __init__(self):
        super().__init__()
        self.outputs: dict[str, str] = {}
        self.output_classes: dict[str, list[str]] = {}
        self.params: dict[str, dict[str, str]] = {}
        self.roots: list[dict[str, str]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.ids: list[str] = []
        self.elements: list[tuple[str, dict[str, str]]] = []
        self._open_output: str | None = None
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        self.elements.append((tag, attrs))
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if "lsbook-explorer" in attrs.get("class", "").split():
            self.roots.append(attrs)
        if "data-output" in attrs:
            self._open_output = attrs["data-output"]
            self.outputs[self._open_output] = ""
            self.output_classes[self._open_output] = attrs.get("class", "").split()
        if tag == "input" and "data-param" in attrs:
            self.params[attrs["data-param"]] = attrs
        self._open = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._open_output = None
        self._open = None

    def handle_data(self, data):
        if self._open_output is not None:
            self.outputs[self._open_output] += data
        if self._open == "script":
            self.scripts.append(data)
        if self._open == "style":
            self.styles.append(data)


def parse(explorer) -> _Collector:
    collector = _Collector()
    collector.feed(explorer._repr_html_())
    return collector


def compute_js(explorer) -> str:
    """The pure compute functions, cut out of the HTML the page receives."""
    script = "".join(parse(explorer).scripts)
    match = re.search(r"/\* lsbook-compute:start \*/.*?/\* lsbook-compute:end \*/", script, re.DOTALL)
    assert match, "the explorer's script lost its lsbook-compute markers"
    return match.group(0)


def run_node(source: str):
    result = subprocess.run([NODE, "-e", source], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def weather():
    return logit_explorer(WEATHER_LOGITS, 2, 0.1, class_names=WEATHER)


def test_initial_numbers_are_lsbooks_weather_example():
    outputs = parse(weather()).outputs
    z = WEATHER_LOGITS
    p = lsbook.softmax(z)
    q = lsbook.smooth_labels(2, 4, 0.1)
    grad = lsbook.cross_entropy_grad(z, 2, label_smoothing=0.1)
    assert outputs["loss"] == f"{float(lsbook.cross_entropy(z, 2, label_smoothing=0.1)):.4f}" == "0.6279"
    assert outputs["loss-hard"] == f"{float(lsbook.cross_entropy(z, 2)):.4f}" == f"{-np.log(0.6):.4f}"
    for k in range(4):
        assert outputs[f"p-{k}"] == f"{p[k]:.4f}"
        assert outputs[f"q-{k}"] == f"{q[k]:.4f}"
        assert outputs[f"grad-{k}"] == f"{grad[k]:.4f}"
    assert [outputs[f"p-{k}"] for k in range(4)] == ["0.1000", "0.2000", "0.6000", "0.1000"]
    assert outputs["grad-2"] == "-0.3250"
    assert outputs["q-2"] == "0.9250"


def test_dom_contract():
    collector = parse(weather())
    assert len(collector.roots) == 1
    assert set(collector.params) == {"z0", "z1", "z2", "z3", "eps"}
    for name, attrs in collector.params.items():
        assert attrs["type"] == "range", name
    np.testing.assert_allclose([float(collector.params[f"z{k}"]["value"]) for k in range(4)], WEATHER_LOGITS, rtol=0)
    assert float(collector.params["eps"]["value"]) == 0.1
    expected = {"loss", "loss-hard"} | {f"{kind}-{k}" for kind in ("p", "q", "grad") for k in range(4)}
    assert set(collector.outputs) == expected
    assert all(re.fullmatch(r"-?\d+\.\d{4}", text) for text in collector.outputs.values())
    # the slider's value attribute holds the logit exactly, so the first input event starts from it
    assert float(collector.params["z1"]["value"]) == WEATHER_LOGITS[1]
    # the plots, their points and the reset button the page's script looks for
    tags = [(tag, attrs) for tag, attrs in collector.elements]
    assert sorted(attrs["data-curve"] for tag, attrs in tags if tag == "svg") == ["hard", "smoothed"]
    assert [attrs.get("type") for tag, attrs in tags if attrs.get("data-action") == "reset"] == ["button"]


def test_sliders_announce_rounded_values():
    """A screen reader hears "1.79", not "1.791759469228055"."""
    params = parse(weather()).params
    for name, attrs in params.items():
        assert attrs["aria-valuetext"] == f"{float(attrs['value']):.2f}", name
    assert params["z2"]["aria-valuetext"] == "1.79"
    assert params["eps"]["aria-valuetext"] == "0.10"


def test_gradient_cells_are_coloured_by_sign():
    collector = parse(weather())
    grad = lsbook.cross_entropy_grad(WEATHER_LOGITS, 2, label_smoothing=0.1)
    for k in range(4):
        classes = collector.output_classes[f"grad-{k}"]
        assert ("lsx-neg" in classes) == (grad[k] < 0) and ("lsx-pos" in classes) == (grad[k] > 0), k
    # a gradient shown as zero has no sign colour: at eps = 1 and equal logits p = q exactly
    flat = parse(logit_explorer([0.0, 0.0, 0.0], 1, 1.0))
    assert all(not {"lsx-neg", "lsx-pos"} & set(flat.output_classes[f"grad-{k}"]) for k in range(3))


def test_self_contained_and_any_number_on_a_page():
    first, second = weather(), weather()
    page = first._repr_html_() + second._repr_html_()
    assert page.count('class="lsbook-explorer"') == 2
    # the SVG namespace is a name, not an address the page loads
    loads = re.search(r"(src|href)\s*=|@import|url\(|https?://", page.replace("http://www.w3.org/2000/svg", ""))
    assert not loads, "the explorer must not load anything"
    # no ids, so copies cannot clash; the script wires every explorer that is not live yet, so each works alone
    assert not parse(first).ids
    assert ":not([data-live])" in page


def test_same_setting_gives_the_same_html():
    """No counter or random id: a notebook's stored output is the same from run to run (nbval compares it)."""
    assert weather()._repr_html_() == weather()._repr_html_()
    assert not hasattr(explorer_module, "_instances")


def test_script_and_stylesheet_are_package_files():
    """explorer.js and explorer.css ship with the package and are inlined into the HTML as they are."""
    collector = parse(weather())
    package = Path(explorer_module.__file__).parent
    assert "".join(collector.scripts) == (package / "explorer.js").read_text(encoding="utf-8")
    assert "".join(collector.styles) == (package / "explorer.css").read_text(encoding="utf-8")
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    shipped = re.search(r"^\"lsbook\.page\" = \[(.*)\]$", pyproject, re.MULTILINE)
    assert shipped and {'"explorer.js"', '"explorer.css"'} <= {name.strip() for name in shipped.group(1).split(",")}, (
        "pyproject.toml's package-data does not ship the explorer's files"
    )


def test_every_rule_of_the_stylesheet_stays_inside_the_explorer():
    css = re.sub(r"/\*.*?\*/", "", explorer_module.asset("explorer.css"), flags=re.DOTALL)
    # every block's prelude, except at-rules such as @media, whose blocks hold rules of their own
    selectors = [group for group in re.findall(r"([^{}]+)\{", css) if not group.strip().startswith("@")]
    assert len(selectors) > 20
    for group in selectors:
        for selector in group.split(","):
            assert ".lsbook-explorer" in selector, f"a rule that reaches outside the explorer: {selector.strip()}"


def test_every_slider_has_a_label_with_the_books_symbols():
    page = weather()._repr_html_()
    labels = re.findall(r"<label[^>]*>(.*?)</label>", page, re.DOTALL)
    assert len(labels) == 5
    names = [f"{logit_name(k)} " for k in range(4)] + ["ε "]
    assert names[:3] == ["z₀ ", "z₁ ", "z₂ "]
    for label, name, detail in zip(labels, names, [*WEATHER, "smoothing strength"], strict=True):
        text = re.sub(r"<[^>]+>", "", label.split("<input")[0])
        assert "data-param=" in label and text.startswith(name) and detail in text, text
    assert logit_name(11) == "z₁₁"


def test_bad_input_is_rejected_with_a_named_argument():
    with pytest.raises(ValueError, match="target"):
        logit_explorer(WEATHER_LOGITS, 4, 0.1)
    with pytest.raises(TypeError, match="target"):
        logit_explorer(WEATHER_LOGITS, 2.0, 0.1)
    with pytest.raises(ValueError, match="label_smoothing"):
        logit_explorer(WEATHER_LOGITS, 2, 1.5)
    with pytest.raises(ValueError, match="class_names"):
        logit_explorer(WEATHER_LOGITS, 2, 0.1, class_names=["a", "b"])
    with pytest.raises(ValueError, match="logits"):
        logit_explorer([[0.0, 1.0]], 0, 0.1)
    with pytest.raises(ValueError, match="finite"):
        logit_explorer([0.0, np.inf], 0, 0.1)
    with pytest.raises(ValueError, match="limit"):
        logit_explorer([0.0, 9.0], 0, 0.1, limit=5)


def test_wide_logits_widen_the_sliders():
    params = parse(logit_explorer([0.0, 11.2, -3.0], 1, 0.2)).params
    assert params["z0"]["min"] == "-12" and params["z0"]["max"] == "12"


CASES = [
    (WEATHER_LOGITS.tolist(), 2, 0.1),
    ([0.0, 0.0, 0.0, 0.0], 0, 0.0),
    ([7.3, 0.0, 0.0, 0.0], 0, 0.0),
    ([-8.0, 8.0, 3.25, -1.5], 0, 0.3),
    ([1.0, -2.0, 0.5, 4.0], 3, 1.0),
    ([2.0, 0.5, -1.0], 1, 0.25),
    ([0.1, 1.8, 0.2, -0.7, 3.3, 0.0], 5, 0.77),
]


@needs_node
def test_javascript_formulas_agree_with_lsbook():
    source = compute_js(weather()) + (
        f"\nconst cases = {json.dumps(CASES)};\n"
        "console.log(JSON.stringify(cases.map(([z, c, eps]) => lsbookExplorerCompute(z, c, eps))));"
    )
    for (z, c, eps), got in zip(CASES, run_node(source), strict=True):
        K = len(z)
        np.testing.assert_allclose(got["p"], lsbook.softmax(z), rtol=0, atol=1e-9)
        np.testing.assert_allclose(got["q"], lsbook.smooth_labels(c, K, eps), rtol=0, atol=1e-9)
        assert abs(got["loss"] - float(lsbook.cross_entropy(z, c, label_smoothing=eps))) < 1e-9
        np.testing.assert_allclose(got["grad"], lsbook.cross_entropy_grad(z, c, label_smoothing=eps), rtol=0, atol=1e-9)


@needs_node
def test_javascript_formulas_are_stable_for_large_logits():
    source = compute_js(weather()) + (
        "\nconsole.log(JSON.stringify(lsbookExplorerCompute([1000, 999, -1000], 0, 0.1)));"
    )
    got = run_node(source)
    z = [1000.0, 999.0, -1000.0]
    assert abs(got["loss"] - float(lsbook.cross_entropy(z, 0, label_smoothing=0.1))) < 1e-9
    np.testing.assert_allclose(got["p"], lsbook.softmax(z), atol=1e-12)


@needs_node
def test_javascript_loss_curve_agrees_with_lsbook():
    low, high, count = -8.0, 8.0, 33
    source = compute_js(weather()) + (
        f"\nconst cases = {json.dumps(CASES)};\n"
        f"console.log(JSON.stringify(cases.map(([z, c, eps]) => lsbookLossCurve(z, c, eps, {low}, {high}, {count}))));"
    )
    for (z, c, eps), got in zip(CASES, run_node(source), strict=True):
        xs = np.linspace(low, high, count)
        np.testing.assert_allclose(got["x"], xs, rtol=0, atol=1e-12)
        moved = np.tile(np.asarray(z, dtype=float), (count, 1))
        moved[:, c] = xs
        expected = lsbook.cross_entropy(moved, np.full(count, c), label_smoothing=eps, reduction="none")
        np.testing.assert_allclose(got["loss"], expected, rtol=0, atol=1e-9)


FORMAT_VALUES = [0.6278789, -0.325, 0.0, -0.0, -1e-9, 0.03125, -0.03125, 0.09375, 0.65625, 1.0, 12.34565, 0.99995]
FORMAT_VALUES += [2.5e-5, 0.125, 0.375, -0.625, 1.005, 2.675, 0.145, -7.999]


@needs_node
@pytest.mark.parametrize("digits", [2, 4])
def test_javascript_prints_numbers_as_python_does(digits):
    source = compute_js(weather()) + (
        f"\nconsole.log(JSON.stringify({json.dumps(FORMAT_VALUES)}.map(x => lsbookFormat(x, {digits}))));"
    )
    assert run_node(source) == [f"{value:.{digits}f}" for value in FORMAT_VALUES]


@needs_node
def test_whole_script_is_valid_javascript(tmp_path):
    script = tmp_path / "explorer.js"
    script.write_text("".join(parse(weather()).scripts), encoding="utf-8")
    result = subprocess.run([NODE, "--check", str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
