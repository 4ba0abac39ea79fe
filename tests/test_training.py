"""Training: the backward pass, the loss going down, determinism, bad input."""

import numpy as np
import pytest

import lsbook
import lsbook.experiments.scores
from lsbook.experiments.training import Classifier, train


@pytest.fixture(scope="module")
def toy():
    """Three well-separated Gaussian blobs in 5 dimensions."""
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 3, (3, 5))
    y = np.repeat(np.arange(3), 40)
    x = centres[y] + rng.normal(0, 1, (120, 5))
    return x, y


def numerical_gradient(model, x, target, name, **kwargs):
    """lsbook's central differences of the mean loss with respect to params[name], which is restored after."""
    param = model.params[name]
    start = param.copy()

    def loss_at(value):
        param[...] = value  # in place: the model reads its parameters from this array
        return model.loss(x, target, **kwargs)

    try:
        return lsbook.numeric_gradient(loss_at, start)
    finally:
        param[...] = start


@pytest.mark.parametrize("hidden", [None, 4])
@pytest.mark.parametrize(("eps", "temperature"), [(0.0, 1.0), (0.2, 1.0), (0.1, 3.0)])
def test_backward_pass_matches_finite_differences(toy, hidden, eps, temperature):
    x, y = toy[0][:10], toy[1][:10]
    model = Classifier(5, 3, hidden, seed=1)
    grads = model.gradients(x, y, label_smoothing=eps, temperature=temperature)
    assert set(grads) == set(model.params)
    for name in model.params:
        expected = numerical_gradient(model, x, y, name, label_smoothing=eps, temperature=temperature)
        assert np.allclose(grads[name], expected, atol=1e-6), name


def test_backward_pass_accepts_probability_targets(toy):
    x = toy[0][:8]
    targets = lsbook.softmax(np.random.default_rng(2).normal(size=(8, 3)))
    model = Classifier(5, 3, 4, seed=0)
    grads = model.gradients(x, targets, label_smoothing=0.1, temperature=2.0)
    expected = numerical_gradient(model, x, targets, "w1", label_smoothing=0.1, temperature=2.0)
    assert np.allclose(grads["w1"], expected, atol=1e-6)


@pytest.mark.parametrize("hidden", [None, 8])
def test_training_loss_goes_down_and_the_model_learns(toy, hidden):
    x, y = toy
    model = Classifier(5, 3, hidden, seed=0)
    before = model.loss(x, y)
    history = train(model, x, y, epochs=15, batch_size=16, seed=0)
    assert history.shape == (15,)
    assert history[-1] < 0.5 * before
    assert history[-1] < history[0]
    assert lsbook.experiments.scores.accuracy(model.predict_proba(x), y) > 0.9


def test_smoothed_training_stops_near_the_smoothed_target(toy):
    """With eps the loss cannot fall below H(q), and confidence settles near 1 - eps + eps/K."""
    x, y = toy
    eps = 0.3
    model = Classifier(5, 3, 8, seed=0)
    history = train(model, x, y, label_smoothing=eps, epochs=40, batch_size=16, seed=0)
    q = lsbook.smooth_labels(0, 3, eps)
    entropy = -np.sum(q * np.log(q))
    assert history[-1] >= entropy - 1e-9
    assert history[-1] < entropy + 0.05
    assert abs(model.predict_proba(x).max(axis=1).mean() - (1 - eps + eps / 3)) < 0.05


def test_two_runs_with_the_same_seeds_are_identical(toy):
    x, y = toy
    runs = []
    for _ in range(2):
        model = Classifier(5, 3, 8, seed=3)
        history = train(model, x, y, label_smoothing=0.1, epochs=3, batch_size=16, seed=4)
        runs.append((history, model.logits(x)))
    assert np.array_equal(runs[0][0], runs[1][0])
    assert np.array_equal(runs[0][1], runs[1][1])
    other = Classifier(5, 3, 8, seed=3)
    train(other, x, y, label_smoothing=0.1, epochs=3, batch_size=16, seed=5)
    assert not np.array_equal(other.logits(x), runs[0][1])  # the shuffling seed matters


def test_a_smoothing_schedule_is_called_once_per_epoch(toy):
    x, y = toy
    seen = []

    def schedule(epoch):
        seen.append(epoch)
        return 0.2 * (1 - epoch / 3)

    constant = Classifier(5, 3, None, seed=0)
    scheduled = Classifier(5, 3, None, seed=0)
    train(constant, x, y, label_smoothing=0.2, epochs=4, seed=0)
    history = train(scheduled, x, y, label_smoothing=schedule, epochs=4, seed=0)
    assert seen == [0, 1, 2, 3]
    assert np.isclose(history[-1], scheduled.loss(x, y, label_smoothing=0.0))
    assert not np.allclose(constant.logits(x), scheduled.logits(x))


def test_features_and_templates_of_the_hidden_layer(toy):
    x = toy[0]
    model = Classifier(5, 3, 6, seed=0)
    h = model.features(x)
    assert h.shape == (120, 6) and h.min() >= 0.0
    assert model.templates.shape == (3, 6)
    assert np.allclose(model.logits(x), h @ model.templates.T + model.params["b2"])
    assert np.array_equal(Classifier(5, 3, None).features(x), x)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda m, x, y: train(m, x[:, :4], y), ValueError, r"x must have shape \(N, 5\)"),
        (lambda m, x, y: train(m, x, y[:-1]), ValueError, "target must have shape"),
        (lambda m, x, y: train(m, x, y, epochs=0), ValueError, "epochs"),
        (lambda m, x, y: train(m, x, y, batch_size=2.5), TypeError, "batch_size"),
        (lambda m, x, y: train(m, x, y, learning_rate=-1.0), ValueError, "learning_rate"),
        (lambda m, x, y: train(m, x, y, temperature=0.0), ValueError, "temperature"),
        (lambda m, x, y: train(m, x, y, label_smoothing=1.5), ValueError, "label_smoothing"),
        (lambda m, x, y: train(m, x, y, label_smoothing="0.1"), TypeError, "label_smoothing"),
        (lambda m, x, y: train("model", x, y), TypeError, "Classifier"),
        (lambda m, x, y: m.logits(np.full((2, 5), np.nan)), ValueError, "nan"),
        (lambda m, x, y: Classifier(5, 1), ValueError, "num_classes"),
        (lambda m, x, y: Classifier(5, 3, hidden=0), ValueError, "hidden"),
    ],
)
def test_bad_input_gets_a_clear_error(toy, call, error, match):
    x, y = toy
    with pytest.raises(error, match=match):
        call(Classifier(5, 3, 4), x, y)


def test_training_updates_the_parameter_arrays_in_place(toy):
    """The optimiser works on one flat vector; every params entry must stay a view into it."""
    x, y = toy
    model = Classifier(5, 3, 4, seed=0)
    arrays = dict(model.params)
    before = {name: value.copy() for name, value in arrays.items()}
    train(model, x, y, epochs=2, seed=0)
    for name, value in model.params.items():
        assert value is arrays[name] and np.shares_memory(value, model.flat_params)
        assert not np.array_equal(value, before[name])


def test_weight_decay_keeps_the_weights_smaller():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(60, 4))
    y = (x[:, 0] > 0).astype(int)
    norms = {}
    for decay in (0.0, 0.5):
        model = Classifier(4, 2, seed=1)
        train(model, x, y, epochs=40, weight_decay=decay, seed=2)
        norms[decay] = np.linalg.norm(model.params["w2"])
    assert norms[0.5] < 0.75 * norms[0.0]  # separable data: without decay the weights keep growing


def test_weight_decay_is_the_gradient_of_an_l2_penalty():
    """One plain step with decay equals one step on loss + (lambda / 2) * ||W||^2 (numerically differentiated)."""
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(5, 3)), np.array([0, 1, 2, 1, 0])
    model = Classifier(3, 3, seed=0)
    w = model.params["w2"]
    decay = 0.3

    def penalised(flat_w):
        w[...] = flat_w.reshape(w.shape)
        return model.loss(x, y) + 0.5 * decay * np.sum(flat_w**2)

    start = w.copy()
    numeric = lsbook.numeric_gradient(penalised, start.ravel())
    w[...] = start
    analytic = model.gradients(x, y)["w2"] + decay * w
    np.testing.assert_allclose(analytic.ravel(), numeric, rtol=1e-6, atol=1e-9)


def test_on_epoch_end_sees_every_epoch_and_bad_arguments_are_named():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(20, 3)), rng.integers(0, 2, size=20)
    seen = []
    train(Classifier(3, 2), x, y, epochs=4, on_epoch_end=lambda epoch, model: seen.append(epoch))
    assert seen == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="weight_decay"):
        train(Classifier(3, 2), x, y, epochs=1, weight_decay=-1.0)
    with pytest.raises(TypeError, match="on_epoch_end"):
        train(Classifier(3, 2), x, y, epochs=1, on_epoch_end=3)


def test_skipping_the_loss_record_trains_the_same_model(toy):
    x, y = toy
    recorded, skipped = Classifier(5, 3, 4, seed=2), Classifier(5, 3, 4, seed=2)
    history = train(recorded, x, y, label_smoothing=0.1, epochs=3, seed=1)
    assert history.shape == (3,)
    assert train(skipped, x, y, label_smoothing=0.1, epochs=3, seed=1, record_loss=False).shape == (0,)
    assert np.array_equal(recorded.logits(x), skipped.logits(x))
    with pytest.raises(TypeError, match="record_loss"):
        train(skipped, x, y, epochs=1, record_loss="no")
