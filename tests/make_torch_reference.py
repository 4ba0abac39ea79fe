"""Compute PyTorch reference losses and gradients for ``tests/test_against_torch.py``.

Run by hand, from the repository root, with PyTorch installed in the environment::

    .venv/bin/python -m pip install torch          # CPU build is enough
    .venv/bin/python tests/make_torch_reference.py

It rewrites ``tests/data/torch_reference.json``: a fixed, seeded set of small
cases, each with its inputs (logits, target, keyword arguments), the loss of
``torch.nn.functional.cross_entropy`` and the gradient of that loss with
respect to the logits, obtained by autograd (for ``reduction="none"``, the
gradient of the sum of the losses, as ``lsbook.cross_entropy_grad`` defines it).

Conventions of the file:

- Logits are stored with the class axis LAST, as lsbook takes them; the script
  moves it to dim 1 for torch and moves the gradient back.
- Non-finite numbers are written by ``json`` as ``Infinity``, ``-Infinity`` and
  ``NaN`` (``allow_nan=True``), which ``json.load`` reads back as floats.
- ``ignore_index: null`` means torch's default (-100) with no target equal to it.
- ``dtype`` is the floating type the computation ran in; float32 inputs are
  stored as the float64 values of the float32 numbers, so they round-trip.

Regenerate it only when a case is added or changed; the tests compare against
the stored numbers and do not need torch.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUTPUT = Path(__file__).resolve().parent / "data" / "torch_reference.json"
SEED = 20240623


def torch_loss_and_grad(
    logits, target, *, dtype, label_smoothing=0.0, ignore_index=None, weight=None, reduction="mean"
):
    """Loss and autograd gradient from torch, class axis last in and out."""
    z = torch.tensor(np.asarray(logits), dtype=dtype)
    z_torch = torch.movedim(z, -1, 1) if z.ndim > 1 else z  # torch: classes at dim 1 (or 0 when 1-D)
    z_torch = z_torch.detach().requires_grad_(True)
    target = np.asarray(target)
    if np.issubdtype(target.dtype, np.floating):  # probability target, same shape as the logits
        t = torch.tensor(target, dtype=dtype)
        t = torch.movedim(t, -1, 1) if t.ndim > 1 else t
    else:
        t = torch.tensor(target, dtype=torch.int64)
    kwargs = {"label_smoothing": label_smoothing, "reduction": reduction}
    if ignore_index is not None:
        kwargs["ignore_index"] = ignore_index
    if weight is not None:
        kwargs["weight"] = torch.tensor(weight, dtype=dtype)
    loss = F.cross_entropy(z_torch, t, **kwargs)
    loss.sum().backward()
    grad = z_torch.grad
    grad = torch.movedim(grad, 1, -1) if grad.ndim > 1 else grad
    return loss.detach().double().numpy().tolist(), grad.double().numpy().tolist()


def make_cases(rng: np.random.Generator) -> list[dict]:
    """The fixed list of cases: (name, inputs, keyword arguments)."""

    def logits(*shape, scale=2.0):
        return np.round(rng.normal(0.0, scale, size=shape), 4)

    def labels(n, k):
        return rng.integers(0, k, size=n)

    def probabilities(n, k):
        p = rng.dirichlet(np.ones(k), size=n)
        p[:, -1] = 1.0 - p[:, :-1].sum(axis=1)  # rows sum to one as closely as float64 allows
        return p

    n, k = 6, 5
    z = logits(n, k)
    y = labels(n, k)
    w = np.round(rng.uniform(0.2, 2.0, size=k), 3)
    y_ignored = y.copy()
    y_ignored[[1, 4]] = -100
    t = probabilities(n, k)
    batch_of_four = [[2.0, 0.5, -1.0], [0.1, 1.8, 0.2], [1.2, 0.7, 0.3], [0.0, -0.2, 2.4]]
    masked = logits(4, 5)
    masked[:, 3] = -np.inf
    masked_labels = np.array([0, 1, 2, 4])
    huge = 2.0**54 + 4.0 * rng.integers(-3, 4, size=(3, 5))  # exact: the spacing of doubles there is 4
    z3 = logits(2, 3, 4)
    y3 = rng.integers(0, 4, size=(2, 3))
    y3[1, 2] = -100

    cases = [
        ("plain", z, y, {}),
        ("plain sum", z, y, {"reduction": "sum"}),
        ("plain none", z, y, {"reduction": "none"}),
        ("smoothing 0.1", z, y, {"label_smoothing": 0.1}),
        ("smoothing 0.3 sum", z, y, {"label_smoothing": 0.3, "reduction": "sum"}),
        ("smoothing 0.2 none", z, y, {"label_smoothing": 0.2, "reduction": "none"}),
        ("smoothing 1.0 (uniform target)", z, y, {"label_smoothing": 1.0}),
        ("K=2 smoothing 0.1", logits(5, 2), labels(5, 2), {"label_smoothing": 0.1}),
        ("brief batch of four", batch_of_four, [0, 1, 0, 2], {"label_smoothing": 0.1}),
        ("brief batch of four float32", batch_of_four, [0, 1, 0, 2], {"label_smoothing": 0.1, "dtype": "float32"}),
        ("float32 smoothing 0.1", z, y, {"label_smoothing": 0.1, "dtype": "float32"}),
        ("ignore some", z, y_ignored, {"ignore_index": -100}),
        ("ignore some smoothing", z, y_ignored, {"ignore_index": -100, "label_smoothing": 0.1}),
        ("ignore some smoothing sum", z, y_ignored, {"ignore_index": -100, "label_smoothing": 0.1, "reduction": "sum"}),
        (
            "ignore some smoothing none",
            z,
            y_ignored,
            {"ignore_index": -100, "label_smoothing": 0.1, "reduction": "none"},
        ),
        ("ignore a real class", z, y, {"ignore_index": int(y[0]), "label_smoothing": 0.1}),
        ("ignore all", z, np.full(n, -100), {"ignore_index": -100}),
        ("ignore all smoothing", z, np.full(n, -100), {"ignore_index": -100, "label_smoothing": 0.1}),
        (
            "ignore all smoothing sum",
            z,
            np.full(n, -100),
            {"ignore_index": -100, "label_smoothing": 0.1, "reduction": "sum"},
        ),
        ("weights", z, y, {"weight": w}),
        ("weights smoothing", z, y, {"weight": w, "label_smoothing": 0.1}),
        ("weights smoothing sum", z, y, {"weight": w, "label_smoothing": 0.2, "reduction": "sum"}),
        ("weights smoothing none", z, y, {"weight": w, "label_smoothing": 0.2, "reduction": "none"}),
        ("weights ignore smoothing", z, y_ignored, {"weight": w, "ignore_index": -100, "label_smoothing": 0.1}),
        ("weights ignore", z, y_ignored, {"weight": w, "ignore_index": -100}),
        ("probabilities", z, t, {}),
        ("probabilities smoothing", z, t, {"label_smoothing": 0.2}),
        ("probabilities weights", z, t, {"weight": w}),
        ("probabilities weights smoothing", z, t, {"weight": w, "label_smoothing": 0.15}),
        ("probabilities weights smoothing sum", z, t, {"weight": w, "label_smoothing": 0.15, "reduction": "sum"}),
        ("probabilities smoothing none", z, t, {"label_smoothing": 0.15, "reduction": "none"}),
        ("3-D (B, T, K) smoothing ignore", z3, y3, {"label_smoothing": 0.1, "ignore_index": -100}),
        ("3-D (B, T, K) smoothing none", z3, np.where(y3 < 0, 0, y3), {"label_smoothing": 0.1, "reduction": "none"}),
        (
            "3-D (B, T, K) probabilities weights",
            z3,
            probabilities(6, 4).reshape(2, 3, 4),
            {"weight": w[:4], "label_smoothing": 0.1},
        ),
        ("masked class eps 0", masked, masked_labels, {}),
        ("masked class eps 0 none", masked, masked_labels, {"reduction": "none"}),
        ("masked class eps 0.1", masked, masked_labels, {"label_smoothing": 0.1}),
        ("masked class eps 0.1 none", masked, masked_labels, {"label_smoothing": 0.1, "reduction": "none"}),
        ("single row (K,)", z[0], int(y[0]), {"label_smoothing": 0.1}),
        ("huge logits (2**54) none", huge, [0, 2, 4], {"reduction": "none"}),
        ("huge logits (2**54) smoothing none", huge, [0, 2, 4], {"label_smoothing": 0.1, "reduction": "none"}),
        ("huge logits (2**54) weights smoothing", huge, [0, 2, 4], {"label_smoothing": 0.3, "weight": w}),
    ]
    return [
        {"name": name, "logits": np.asarray(lg, dtype=np.float64), "target": np.asarray(tg), "kwargs": dict(kw)}
        for name, lg, tg, kw in cases
    ]


def main() -> None:
    rng = np.random.default_rng(SEED)
    records = []
    for case in make_cases(rng):
        kwargs = case["kwargs"]
        dtype_name = kwargs.pop("dtype", "float64")
        dtype = {"float64": torch.float64, "float32": torch.float32}[dtype_name]
        # Store float32 inputs as the float64 values of the float32 numbers.
        logits = case["logits"].astype(dtype_name).astype(np.float64)
        target = case["target"]
        if np.issubdtype(target.dtype, np.floating):
            target = target.astype(dtype_name).astype(np.float64)
        weight = kwargs.get("weight")
        if weight is not None:
            kwargs["weight"] = np.asarray(weight, dtype=dtype_name).astype(np.float64).tolist()
        loss, grad = torch_loss_and_grad(logits, target, dtype=dtype, **kwargs)
        records.append(
            {
                "name": case["name"],
                "dtype": dtype_name,
                "logits": logits.tolist(),
                "target": target.tolist(),
                "target_kind": "probabilities" if np.issubdtype(target.dtype, np.floating) else "indices",
                "kwargs": kwargs,
                "loss": loss,
                "grad": grad,
            }
        )
    document = {
        "description": "torch.nn.functional.cross_entropy losses and autograd gradients; "
        "class axis last; written by tests/make_torch_reference.py",
        "torch_version": torch.__version__,
        "seed": SEED,
        "cases": records,
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(document, indent=1, allow_nan=True) + "\n")
    print(f"wrote {len(records)} cases to {OUTPUT} ({OUTPUT.stat().st_size / 1024:.1f} KB)")


if __name__ == "__main__":
    main()
