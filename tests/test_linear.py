"""lsbook.linear_cross_entropy and its gradients: the materialising path's numbers, without its memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import lsbook
from lsbook.sequence import linear as fused

V, D, N = 23, 5, 37
OPTIONS = [
    {},
    {"label_smoothing": 0.1},
    {"label_smoothing": 0.2, "ignore_index": -100, "weight": "random"},
    {"label_smoothing": 0.3, "ignore_index": -100, "convention": "others"},
    {"label_smoothing": 1.0},
]
TOLERANCE = {np.float64: 1e-10, np.float32: 1e-5}


def _problem(dtype=np.float64, shape=(N,), seed=0):
    rng = np.random.default_rng(seed)
    hidden = rng.normal(size=shape + (D,)).astype(dtype)
    projection = rng.normal(size=(V, D)).astype(dtype)
    bias = rng.normal(size=V).astype(dtype)
    target = rng.integers(0, V, size=shape)
    return hidden, projection, bias, target


def _resolve(options, target, seed=1):
    """Concrete keyword arguments, and the targets with a few positions ignored when ignore_index is set."""
    options = dict(options)
    if options.get("weight") == "random":
        options["weight"] = np.random.default_rng(seed).uniform(0.2, 2.0, size=V)
    if "ignore_index" in options:
        target = target.copy()
        target.flat[::5] = options["ignore_index"]
    return options, target


def _relative_error(got, expected):
    return np.linalg.norm(np.asarray(got, np.float64) - expected) / np.linalg.norm(expected)


@pytest.fixture(params=["one tile", "many tiles, kept", "many tiles, recomputed"])
def tiling(request, monkeypatch):
    """The three ways of walking the vocabulary: all of it at once, in kept tiles, in recomputed tiles."""
    if request.param != "one tile":
        monkeypatch.setattr(fused, "TILE_BYTES", 8 * 8 * 3)  # a few columns per tile
        monkeypatch.setattr(fused, "MAX_BLOCK_ROWS", 8)
    if request.param == "many tiles, recomputed":
        monkeypatch.setattr(fused, "KEPT_BYTES", 8)
    return request.param


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_equals_the_materialising_path(tiling, dtype, options, reduction):
    hidden, projection, bias, target = _problem(dtype)
    options, target = _resolve(options, target)
    logits = hidden @ projection.T + bias
    expected = lsbook.cross_entropy(logits, target, reduction=reduction, **options)
    got = fused.linear_cross_entropy(hidden, projection, target, bias=bias, reduction=reduction, **options)
    assert np.shape(got) == np.shape(expected) and np.asarray(got).dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE[dtype], atol=0)

    g = lsbook.cross_entropy_grad(logits, target, reduction=reduction, **options)
    grads = fused.linear_cross_entropy_grad(hidden, projection, target, bias=bias, reduction=reduction, **options)
    for got_grad, expected_grad in zip(grads, (g @ projection, g.T @ hidden, g.sum(axis=0)), strict=True):
        assert got_grad.shape == expected_grad.shape and got_grad.dtype == np.dtype(dtype)
        assert _relative_error(got_grad, expected_grad) < TOLERANCE[dtype]


def test_gradients_match_finite_differences():
    hidden, projection, bias, target = _problem(shape=(3, 4))
    target[0, 1] = -1
    options = {"label_smoothing": 0.15, "ignore_index": -1, "weight": np.linspace(0.5, 1.5, V)}

    def loss(h=hidden, w=projection, b=bias):
        return float(fused.linear_cross_entropy(h, w, target, bias=b, **options))

    grad_hidden, grad_projection, grad_bias = fused.linear_cross_entropy_grad(
        hidden, projection, target, bias=bias, **options
    )
    np.testing.assert_allclose(grad_hidden, lsbook.numeric_gradient(lambda h: loss(h=h), hidden), atol=1e-8)
    np.testing.assert_allclose(grad_projection, lsbook.numeric_gradient(lambda w: loss(w=w), projection), atol=1e-8)
    np.testing.assert_allclose(grad_bias, lsbook.numeric_gradient(lambda b: loss(b=b), bias), atol=1e-8)
    assert np.all(grad_hidden[0, 1] == 0.0)  # the ignored position gets no gradient


def test_without_bias_and_with_batch_axes():
    hidden, projection, _, target = _problem(shape=(2, 3, 4))
    expected = lsbook.cross_entropy(hidden @ projection.T, target, label_smoothing=0.1, reduction="none")
    got = fused.linear_cross_entropy(hidden, projection, target, label_smoothing=0.1, reduction="none")
    assert got.shape == (2, 3, 4)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    grad_hidden, _, grad_bias = fused.linear_cross_entropy_grad(hidden, projection, target)
    assert grad_hidden.shape == hidden.shape and grad_bias is None


def test_a_masked_vocabulary_entry_follows_cross_entropy():
    hidden, projection, bias, target = _problem()
    bias[3] = -np.inf
    target[target == 3] = 4
    hard = fused.linear_cross_entropy(hidden, projection, target, bias=bias)
    smoothed = fused.linear_cross_entropy(hidden, projection, target, bias=bias, label_smoothing=0.1)
    assert hard == pytest.approx(float(lsbook.cross_entropy(hidden @ projection.T + bias, target)), rel=1e-12)
    assert np.isinf(smoothed)  # the smoothed target puts mass on a class of probability zero


def test_every_position_ignored_gives_nan_mean_and_zero_gradients():
    hidden, projection, bias, _ = _problem()
    target = np.full(N, -100)
    assert np.isnan(fused.linear_cross_entropy(hidden, projection, target, bias=bias, ignore_index=-100))
    grads = fused.linear_cross_entropy_grad(hidden, projection, target, bias=bias, ignore_index=-100)
    assert all(np.all(g == 0.0) for g in grads)


def test_results_do_not_depend_on_the_thread_count_or_the_tiling(monkeypatch):
    hidden, projection, bias, target = _problem(np.float32)
    reference = fused.linear_cross_entropy(hidden, projection, target, bias=bias, label_smoothing=0.1)
    monkeypatch.setattr(fused, "TILE_BYTES", 4 * 5 * 7)
    monkeypatch.setattr(fused, "MAX_BLOCK_ROWS", 5)
    tiled = fused.linear_cross_entropy(hidden, projection, target, bias=bias, label_smoothing=0.1)
    assert tiled == pytest.approx(float(reference), rel=1e-6)


def test_memory_stays_a_small_fraction_of_the_logits(monkeypatch):
    """Scaled down from the benchmark's N = 4096, D = 256, V = 32000: the same bound, 10 % of the logits."""
    # Tiles scaled down with the problem, as the benchmark's tiles are small against its logits.
    monkeypatch.setattr(fused, "TILE_BYTES", 1 << 16)
    monkeypatch.setattr(fused, "KEPT_BYTES", 1 << 18)
    monkeypatch.setattr(fused, "PRODUCT_BYTES", 1 << 14)
    rng = np.random.default_rng(3)
    n, d, v = 1024, 16, 4000
    hidden = rng.standard_normal((n, d), dtype=np.float32)
    projection = rng.standard_normal((v, d), dtype=np.float32)
    target = rng.integers(0, v, size=n)
    logits_bytes = 4 * n * v

    def peak(function):
        tracemalloc.start()
        try:
            function()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    materialising = peak(lambda: lsbook.cross_entropy(hidden @ projection.T, target, label_smoothing=0.1))
    loss = peak(lambda: fused.linear_cross_entropy(hidden, projection, target, label_smoothing=0.1))
    grads = peak(lambda: fused.linear_cross_entropy_grad(hidden, projection, target, label_smoothing=0.1))
    assert materialising >= logits_bytes  # the control: the tracer sees the logits when they are built
    assert loss < 0.10 * logits_bytes
    assert grads < 0.10 * logits_bytes  # the gradients themselves included


@pytest.mark.parametrize("options", OPTIONS[:3], ids=str)  # PyTorch has the uniform convention only
def test_agrees_with_torch_matmul_and_cross_entropy(options):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the live comparison needs it")
    hidden, projection, bias, target = _problem(np.float64, shape=(4, 6))
    options, target = _resolve(options, target)
    torch_options = {"label_smoothing": options.get("label_smoothing", 0.0)}
    if "ignore_index" in options:
        torch_options["ignore_index"] = options["ignore_index"]
    if options.get("weight") is not None:
        torch_options["weight"] = torch.from_numpy(options["weight"])
    h, w, b = (torch.from_numpy(a.copy()).requires_grad_() for a in (hidden, projection, bias))
    logits = h @ w.T + b
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), torch.from_numpy(target).reshape(-1),
                                             **torch_options)
    loss.backward()
    ours = fused.linear_cross_entropy(hidden, projection, target, bias=bias, **options)
    assert float(ours) == pytest.approx(loss.item(), rel=1e-10)
    grads = fused.linear_cross_entropy_grad(hidden, projection, target, bias=bias, **options)
    for got, leaf in zip(grads, (h, w, b), strict=True):
        np.testing.assert_allclose(got, leaf.grad.numpy(), rtol=1e-9, atol=1e-12)


# Bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, error, words",
    [
        ({"projection": np.zeros((V, D + 1))}, ValueError, "projection must have shape"),
        ({"projection": np.zeros(V)}, ValueError, "projection must have shape"),
        ({"projection": np.zeros((1, D))}, ValueError, "projection.shape[0]"),
        ({"hidden": np.array(1.0)}, ValueError, "hidden must have a feature axis"),
        ({"hidden": np.full((N, D), "a")}, TypeError, "hidden must be an array of real numbers"),
        ({"bias": np.zeros(V + 1)}, ValueError, "bias must have shape"),
        ({"bias": np.full(V, np.nan)}, ValueError, "bias contains nan"),
        ({"hidden": np.full((N, D), np.inf)}, ValueError, "hidden must hold finite"),
        ({"projection": np.full((V, D), np.nan)}, ValueError, "projection must hold finite"),
        ({"target": np.zeros(N + 1, dtype=int)}, ValueError, "target must have shape"),
        ({"target": np.full(N, V)}, ValueError, "target holds class index"),
        ({"target": np.zeros((N, V))}, ValueError, "target must have shape"),
        ({"label_smoothing": 1.5}, ValueError, "label_smoothing"),
        ({"reduction": "avg"}, ValueError, "reduction"),
        ({"convention": "fairseq"}, ValueError, "convention"),
        ({"weight": np.ones(V - 1)}, ValueError, "weight must have shape"),
        ({"ignore_index": 1.5}, TypeError, "ignore_index"),
    ],
)
def test_bad_input_is_named(change, error, words):
    hidden, projection, bias, target = _problem()
    arguments = {"hidden": hidden, "projection": projection, "target": target, "bias": bias} | change
    positional = [arguments.pop(name) for name in ("hidden", "projection", "target")]
    for function in (fused.linear_cross_entropy, fused.linear_cross_entropy_grad):
        with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
            function(*positional, **arguments)


def test_the_same_errors_as_cross_entropy_for_the_options():
    hidden, projection, _, target = _problem()
    for options in ({"label_smoothing": -0.1}, {"reduction": "mean "}, {"weight": -np.ones(V)}):
        with pytest.raises(ValueError) as ours:
            fused.linear_cross_entropy(hidden, projection, target, **options)
        with pytest.raises(ValueError) as theirs:
            lsbook.cross_entropy(hidden @ projection.T, target, **options)
        assert str(ours.value) == str(theirs.value)
