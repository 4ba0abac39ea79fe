"""lsbook against PyTorch's ``F.cross_entropy``.

(a) Stored reference: ``tests/data/torch_reference.json``, written by
    ``tests/make_torch_reference.py``; these tests always run, without torch.
(b) Live comparison on seeded random inputs: runs only where torch imports,
    and is reported as skipped (with the reason) otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import lsbook

REFERENCE = Path(__file__).resolve().parent / "data" / "torch_reference.json"
CASES = json.loads(REFERENCE.read_text())["cases"]
TOLERANCE = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 2e-6, "atol": 1e-7}}


def _inputs(case):
    logits = np.array(case["logits"], dtype=case["dtype"])
    target = np.array(case["target"], dtype=np.float64 if case["target_kind"] == "probabilities" else np.int64)
    if case["target_kind"] == "probabilities":
        target = target.astype(case["dtype"])
    kwargs = dict(case["kwargs"])
    if kwargs.get("weight") is not None:
        kwargs["weight"] = np.array(kwargs["weight"], dtype=np.float64)
    return logits, target, kwargs


def test_reference_file_covers_the_required_cases():
    """The stored reference exercises every feature the tests below rely on."""
    kinds = {case["target_kind"] for case in CASES}
    reductions = {case["kwargs"].get("reduction", "mean") for case in CASES}
    assert kinds == {"indices", "probabilities"}
    assert reductions == {"mean", "sum", "none"}
    assert any(np.array(c["logits"]).ndim == 3 for c in CASES)
    assert any(np.isneginf(np.array(c["logits"])).any() for c in CASES)
    assert any(np.isnan(c["loss"]) for c in CASES if np.ndim(c["loss"]) == 0)  # everything ignored
    assert len(REFERENCE.read_bytes()) < 200_000


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_loss_matches_stored_torch(case):
    """The loss equals torch's stored value (inf and nan where torch has them)."""
    logits, target, kwargs = _inputs(case)
    loss = lsbook.cross_entropy(logits, target, **kwargs)
    expected = np.array(case["loss"], dtype=np.float64)
    assert np.shape(loss) == expected.shape
    assert np.asarray(loss).dtype == np.dtype(case["dtype"])
    np.testing.assert_allclose(np.asarray(loss, dtype=np.float64), expected, **TOLERANCE[case["dtype"]])


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_gradient_matches_stored_torch_autograd(case):
    """The gradient equals torch's autograd gradient, including zeros for ignored rows."""
    logits, target, kwargs = _inputs(case)
    grad = lsbook.cross_entropy_grad(logits, target, **kwargs)
    expected = np.array(case["grad"], dtype=np.float64)
    assert grad.shape == logits.shape
    assert grad.dtype == np.dtype(case["dtype"])
    np.testing.assert_allclose(grad.astype(np.float64), expected, **TOLERANCE[case["dtype"]])


# --- live comparison: needs torch -------------------------------------------------------------

LIVE_CONFIGS = [
    pytest.param({}, id="plain"),
    pytest.param({"label_smoothing": 0.1}, id="smoothing"),
    pytest.param({"label_smoothing": 0.25, "reduction": "sum"}, id="smoothing-sum"),
    pytest.param({"label_smoothing": 0.05, "reduction": "none"}, id="smoothing-none"),
    pytest.param({"label_smoothing": 0.1, "ignore_index": -100}, id="ignore"),
    pytest.param({"label_smoothing": 0.1, "ignore_index": 2}, id="ignore-a-class"),
    pytest.param({"label_smoothing": 0.1, "weight": True}, id="weights"),
    pytest.param({"label_smoothing": 0.2, "weight": True, "ignore_index": -100}, id="weights-ignore"),
    pytest.param({"label_smoothing": 0.2, "weight": True, "reduction": "none"}, id="weights-none"),
    pytest.param({"probabilities": True}, id="probabilities"),
    pytest.param({"probabilities": True, "label_smoothing": 0.3, "weight": True}, id="probabilities-weights"),
    pytest.param({"probabilities": True, "label_smoothing": 0.1, "reduction": "sum"}, id="probabilities-sum"),
]


def _torch_reference(torch, logits, target, kwargs):
    """torch's loss and autograd gradient, class axis moved to dim 1 and back."""
    z = torch.movedim(torch.tensor(logits), -1, 1).requires_grad_(True)
    t = torch.tensor(target)
    if t.is_floating_point():
        t = torch.movedim(t, -1, 1)
    torch_kwargs = dict(kwargs)
    if torch_kwargs.get("weight") is not None:
        torch_kwargs["weight"] = torch.tensor(torch_kwargs["weight"])
    loss = torch.nn.functional.cross_entropy(z, t, **torch_kwargs)
    loss.sum().backward()
    return loss.detach().numpy(), torch.movedim(z.grad, 1, -1).numpy()


@pytest.mark.parametrize("shape", [(7, 6), (3, 4, 5)], ids=["2-D", "3-D"])
@pytest.mark.parametrize("config", LIVE_CONFIGS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_live_random_inputs_match_torch(seed, config, shape):
    """On seeded random inputs, loss and gradient agree with torch in float64."""
    torch = pytest.importorskip(
        "torch", reason="PyTorch is not installed: live comparison skipped (stored-reference tests still run)"
    )
    rng = np.random.default_rng([seed, len(shape)])
    num_classes = shape[-1]
    logits = rng.normal(0.0, 3.0, size=shape)
    kwargs = {k: v for k, v in config.items() if k != "probabilities"}
    if kwargs.get("weight"):
        kwargs["weight"] = rng.uniform(0.1, 3.0, size=num_classes)
    if config.get("probabilities"):
        target = rng.dirichlet(np.ones(num_classes), size=shape[:-1])
    else:
        target = rng.integers(0, num_classes, size=shape[:-1])
        if "ignore_index" in kwargs:
            target[rng.random(shape[:-1]) < 0.3] = kwargs["ignore_index"]
    expected_loss, expected_grad = _torch_reference(torch, logits, target, kwargs)
    np.testing.assert_allclose(lsbook.cross_entropy(logits, target, **kwargs), expected_loss, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        lsbook.cross_entropy_grad(logits, target, **kwargs), expected_grad, rtol=1e-10, atol=1e-12
    )
