"""The logit explorer shows lsbook's numbers, in Python and in the browser's JavaScript."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest

import lsbook
from lsbook.page.explorer import logit_explorer

WEATHER = ["sunny", "cloudy", "rainy", "stormy"]
WEATHER_LOGITS = np.log([1.0, 2.0, 6.0, 1.0])  # softmax: [0.1, 0.2, 0.6, 0.1]

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed: the JavaScript port cannot be run")


class _Collector(HTMLParser):
    """Collects the text of every data-output element, the data-param inputs and the scripts."""

    def __init__(self):
        super().__init__()
        self.outputs: dict[str, str] = {}
        self.params: dict[str, dict[str, str]] = {}
        self.roots: list[dict[str, str]] = []
        self.scripts: list[str] = []
        self._open_output: str | None = None
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "lsbook-explorer" in attrs.get("class", "").split():
            self.roots.append(attrs)
        if "data-output" in attrs:
            self._open_output = attrs["data-output"]
            self.outputs[self._open_output] = ""
        if tag == "input" and "data-param" in attrs:
            self.params[attrs["data-param"]] = attrs
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._open_output = None
        self._in_script = False

    def handle_data(self, data):
        if self._open_output is not None:
            self.outputs[self._open_output] += data
        if self._in_script:
            self.scripts.append(data)


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
    expected = {"loss"} | {f"{kind}-{k}" for kind in ("p", "q", "grad") for k in range(4)}
    assert set(collector.outputs) == expected
    assert all(re.fullmatch(r"-?\d+\.\d{4}", text) for text in collector.outputs.values())
    # the slider's value attribute holds the logit exactly, so the first input event starts from it
    assert float(collector.params["z1"]["value"]) == WEATHER_LOGITS[1]


def test_self_contained_and_unique_on_a_page():
    first, second = weather(), weather()
    page = first._repr_html_() + second._repr_html_()
    assert first.element_id != second.element_id
    assert page.count('class="lsbook-explorer"') == 2
    assert not re.search(r"(src|href)\s*=|@import|url\(|https?://", page), "the explorer must not load anything"
    # the script wires every explorer on the page that is not live yet, so each copy works alone
    assert ":not([data-live])" in page


def test_every_slider_has_a_label():
    page = weather()._repr_html_()
    labels = re.findall(r"<label[^>]*>(.*?)</label>", page, re.DOTALL)
    assert len(labels) == 5
    for label, name in zip(labels, [*WEATHER, "eps"], strict=True):
        assert "data-param=" in label and name in label


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
def test_javascript_prints_numbers_as_python_does():
    values = [0.6278789, -0.325, 0.0, -0.0, -1e-9, 0.03125, -0.03125, 0.09375, 0.65625, 1.0, 12.34565, 0.99995, 2.5e-5]
    source = compute_js(weather()) + f"\nconsole.log(JSON.stringify({json.dumps(values)}.map(lsbookFormat4)));"
    assert run_node(source) == [f"{value:.4f}" for value in values]


@needs_node
def test_whole_script_is_valid_javascript(tmp_path):
    script = tmp_path / "explorer.js"
    script.write_text("".join(parse(weather()).scripts), encoding="utf-8")
    result = subprocess.run([NODE, "--check", str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
