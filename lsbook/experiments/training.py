"""Small classifiers trained with the book's own loss and gradient.

Used by chapter 4, section "Training with and without smoothing", and by
chapter 5 (teachers and students). Two models: softmax regression and a
network with one hidden ReLU layer, whose hidden activations are the
*penultimate* layer of chapter 5. Their backward pass starts from
:func:`lsbook.cross_entropy_grad`, the gradient ``p - q`` of chapter 2 (divided
by the batch size for the mean loss); the rest is ordinary backpropagation.

Training is minibatch Adam. It is deterministic: a seed fixes the initial
weights and the order of the minibatches, and the matrix products run on a
single BLAS thread, so results do not depend on how many cores are free.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from ..core._checks import check_epsilon, check_integer, check_real
from ..core.loss import cross_entropy, cross_entropy_grad
from ..core.softmax import softmax
from .distillation import distillation_grad, distillation_loss


def _positive_int(value, name: str) -> int:
    return check_integer(value, name, minimum=1)


def _positive_float(value, name: str) -> float:
    return check_real(value, name, positive=True)


class Classifier:
    """Softmax regression (``hidden=None``) or a one-hidden-layer ReLU network.

    Parameters
    ----------
    num_features, num_classes : int
        Input size and K.
    hidden : int, optional
        Width of the hidden layer; ``None`` gives softmax regression.
    seed : int
        Seeds the initial weights (He initialisation for the hidden layer).

    Attributes
    ----------
    params : dict of numpy.ndarray
        ``w1`` (features, hidden) and ``b1`` for the hidden layer, if any;
        ``w2`` (penultimate size, K) and ``b2`` for the output layer. They are
        views into :attr:`flat_params`: change them in place, never rebind them.
    flat_params : numpy.ndarray
        All parameters in one vector, the one the optimiser updates.
    """

    def __init__(self, num_features: int, num_classes: int, hidden: int | None = None, *, seed: int = 0):
        self.num_features = _positive_int(num_features, "num_features")
        self.num_classes = _positive_int(num_classes, "num_classes")
        if self.num_classes < 2:
            raise ValueError(f"num_classes must be at least 2, got {num_classes}")
        self.hidden = None if hidden is None else _positive_int(hidden, "hidden")
        rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        width = self.num_features
        if self.hidden is not None:
            self.params["w1"] = rng.normal(0.0, np.sqrt(2.0 / width), (width, self.hidden))
            self.params["b1"] = np.zeros(self.hidden)
            width = self.hidden
        self.params["w2"] = rng.normal(0.0, np.sqrt(1.0 / width), (width, self.num_classes))
        self.params["b2"] = np.zeros(self.num_classes)
        # Every array in params is a view into one flat vector, so the optimiser
        # updates all of them with a handful of whole-vector operations.
        self.flat_params = np.concatenate([value.ravel() for value in self.params.values()])
        offset = 0
        for name, value in self.params.items():
            self.params[name] = self.flat_params[offset : offset + value.size].reshape(value.shape)
            offset += value.size

    def flatten(self, grads: dict[str, np.ndarray]) -> np.ndarray:
        """Gradients as one vector laid out like :attr:`flat_params`."""
        return np.concatenate([grads[name].ravel() for name in self.params])

    def _inputs(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(f"x must have shape (N, {self.num_features}), got {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("x contains nan or inf")
        return x

    def features(self, x: ArrayLike) -> np.ndarray:
        """Penultimate activations (N, hidden): what the output layer sees.

        For softmax regression these are the inputs themselves.
        """
        return self._features(self._inputs(x))

    def _features(self, x: np.ndarray) -> np.ndarray:
        if self.hidden is None:
            return x
        return np.maximum(x @ self.params["w1"] + self.params["b1"], 0.0)

    def logits(self, x: ArrayLike) -> np.ndarray:
        """Logits (N, K)."""
        return self.features(x) @ self.params["w2"] + self.params["b2"]

    def predict_proba(self, x: ArrayLike) -> np.ndarray:
        """Predicted distribution ``softmax(logits)`` (N, K)."""
        return softmax(self.logits(x))

    @property
    def templates(self) -> np.ndarray:
        """The final-layer weight vector of each class, one row per class (K, hidden)."""
        return self.params["w2"].T

    def loss(self, x: ArrayLike, target: ArrayLike, *, label_smoothing: float = 0.0, temperature: float = 1.0) -> float:
        """Mean loss of ``softmax(logits / temperature)`` against ``target``.

        ``target`` is class indices (N,) or a probability target (N, K), as
        for :func:`lsbook.cross_entropy`.
        """
        return float(cross_entropy(self.logits(x) / temperature, target, label_smoothing=label_smoothing))

    def gradients(
        self, x: ArrayLike, target: ArrayLike, *, label_smoothing: float = 0.0, temperature: float = 1.0
    ) -> dict:
        """Gradients of :meth:`loss` with respect to every array in ``params``."""
        x = self._inputs(x)
        h = self._features(x)
        z = (h @ self.params["w2"] + self.params["b2"]) / temperature
        # The output layer's backward pass is the book's gradient, p - q per row over N.
        g = cross_entropy_grad(z, target, label_smoothing=label_smoothing) / temperature
        return self._backward(x, h, g)

    def _backward(self, x: np.ndarray, h: np.ndarray, g: np.ndarray) -> dict:
        """Gradients of every parameter from ``g``, the gradient with respect to the logits."""
        grads = {"w2": h.T @ g, "b2": g.sum(axis=0)}
        if self.hidden is not None:
            dh = (g @ self.params["w2"].T) * (h > 0)
            grads["w1"] = x.T @ dh
            grads["b1"] = dh.sum(axis=0)
        return grads


class Adam:
    """The Adam optimiser (Kingma and Ba), updating one parameter vector in place."""

    def __init__(self, params: np.ndarray, learning_rate: float = 1e-2, beta1=0.9, beta2=0.999, eps=1e-8):
        self.params = params
        self.learning_rate = _positive_float(learning_rate, "learning_rate")
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)
        self.steps = 0

    def step(self, grad: np.ndarray) -> None:
        self.steps += 1
        self.m *= self.beta1
        self.m += (1.0 - self.beta1) * grad
        self.v *= self.beta2
        self.v += (1.0 - self.beta2) * grad**2
        # Bias corrections: both moment estimates start at zero.
        step_size = self.learning_rate * np.sqrt(1.0 - self.beta2**self.steps) / (1.0 - self.beta1**self.steps)
        self.params -= step_size * self.m / (np.sqrt(self.v) + self.eps)


def _smoothing_schedule(label_smoothing) -> Callable[[int], float]:
    """A function epoch -> eps, from a number or a function."""
    if callable(label_smoothing):
        return label_smoothing
    value = check_epsilon(label_smoothing)
    return lambda epoch: value


def _check_target(target, n: int, num_classes: int) -> np.ndarray:
    target = np.asarray(target)
    if target.shape not in ((n,), (n, num_classes)):
        raise ValueError(
            f"target must have shape ({n},) (class indices) or ({n}, {num_classes}) (probabilities), got {target.shape}"
        )
    return target


def train(
    model: Classifier,
    x: ArrayLike,
    target: ArrayLike,
    *,
    label_smoothing: float | Callable[[int], float] = 0.0,
    soft_target: ArrayLike | None = None,
    alpha: float = 0.9,
    epochs: int = 30,
    batch_size: int = 64,
    learning_rate: float = 1e-2,
    temperature: float = 1.0,
    weight_decay: float = 0.0,
    seed: int = 0,
    on_epoch_end: Callable[[int, Classifier], None] | None = None,
    record_loss: bool = True,
) -> np.ndarray:
    """Train ``model`` in place with minibatch Adam; return the loss after each epoch.

    The loss recorded for an epoch is the mean over all of ``x``, with that
    epoch's smoothing, measured after its last step.

    Parameters
    ----------
    model : Classifier
    x : array_like, shape (N, num_features)
    target : array_like
        Class indices (N,), or probability targets (N, K).
    label_smoothing : float or callable
        eps, or a function ``epoch -> eps`` (epochs count from 0) for a
        smoothing strength that changes during training.
    soft_target : array_like, optional
        A teacher's soft targets (N, K), made at ``temperature``. The model
        is then a distillation student and minimises Hinton et al.'s
        ``alpha * T^2 * KD + (1 - alpha) * CE`` (chapter 5, section
        "Distillation"), where ``target`` must be class indices and
        ``label_smoothing`` must be 0.
    alpha : float
        The weight of the soft targets in that objective (only with
        ``soft_target``); the labels get ``1 - alpha``.
    epochs, batch_size : int
        Passes over the data, and examples per Adam step (the last batch of
        an epoch may be smaller).
    learning_rate : float
        Adam's step size.
    temperature : float
        Without ``soft_target``, the loss is computed on ``logits / temperature``
        (1 for ordinary training). With it, T is the temperature of the soft
        term only; the label term always uses T = 1.
    weight_decay : float
        lambda >= 0 of an L2 penalty ``(lambda / 2) * ||W||^2`` on the weight
        matrices (not the biases), added to the loss's gradient. Chapter 1
        uses it as the other thing, besides smoothing, that stops the logits
        from growing without bound.
    seed : int
        Fixes the order of the minibatches.
    on_epoch_end : callable, optional
        Called as ``on_epoch_end(epoch, model)`` after every epoch, to record
        how the model changes during training (epochs count from 0).
    record_loss : bool
        False skips the pass over all of ``x`` that measures the loss after
        every epoch (for small models, about a third of the training time);
        the returned history is then empty. Training is the same either way.
    """
    from threadpoolctl import threadpool_limits

    if not isinstance(model, Classifier):
        raise TypeError(f"model must be a Classifier, got {type(model).__name__}")
    x = model._inputs(x)
    target = _check_target(target, x.shape[0], model.num_classes)
    epochs = _positive_int(epochs, "epochs")
    batch_size = _positive_int(batch_size, "batch_size")
    temperature = _positive_float(temperature, "temperature")
    weight_decay = check_real(weight_decay, "weight_decay", minimum=0.0)
    if on_epoch_end is not None and not callable(on_epoch_end):
        raise TypeError(f"on_epoch_end must be a function (epoch, model) or None, got {on_epoch_end!r}")
    schedule = _smoothing_schedule(label_smoothing)
    objective = _objective(model, target, soft_target, alpha, temperature, label_smoothing)
    decayed = [name for name in model.params if name.startswith("w")]
    optimiser = Adam(model.flat_params, learning_rate)
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    if not isinstance(record_loss, (bool, np.bool_)):
        raise TypeError(f"record_loss must be True or False, got {record_loss!r}")
    history = np.empty(epochs if record_loss else 0)
    # One BLAS thread: the same sums in the same order on any machine load.
    with threadpool_limits(limits=1, user_api="blas"):
        for epoch in range(epochs):
            eps = schedule(epoch)
            order = rng.permutation(n)
            for start in range(0, n, batch_size):
                rows = order[start : start + batch_size]
                grads = objective.gradients(x[rows], rows, eps)
                for name in decayed if weight_decay else ():
                    grads[name] = grads[name] + weight_decay * model.params[name]
                optimiser.step(model.flatten(grads))
            if record_loss:
                history[epoch] = objective.loss(x, eps)
            if on_epoch_end is not None:
                on_epoch_end(epoch, model)
    return history


class _Smoothed:
    """The (smoothed) cross-entropy against ``target``, at ``temperature``."""

    def __init__(self, model, target, temperature):
        self.model, self.target, self.temperature = model, target, temperature

    def gradients(self, x, rows, eps):
        return self.model.gradients(x, self.target[rows], label_smoothing=eps, temperature=self.temperature)

    def loss(self, x, eps):
        return self.model.loss(x, self.target, label_smoothing=eps, temperature=self.temperature)


class _Distilled:
    """Hinton et al.'s objective against soft targets and labels."""

    def __init__(self, model, target, soft_target, alpha, temperature):
        self.model, self.target, self.soft = model, target, soft_target
        self.options = {"temperature": temperature, "alpha": alpha}

    def gradients(self, x, rows, eps):
        h = self.model._features(x)
        z = h @ self.model.params["w2"] + self.model.params["b2"]
        g = distillation_grad(z, self.target[rows], self.soft[rows], **self.options)
        return self.model._backward(x, h, g)

    def loss(self, x, eps):
        return distillation_loss(self.model.logits(x), self.target, self.soft, **self.options)


def _objective(model, target, soft_target, alpha, temperature, label_smoothing):
    if soft_target is None:
        return _Smoothed(model, target, temperature)
    alpha = check_real(alpha, "alpha", minimum=0.0, maximum=1.0)
    if target.ndim != 1:
        raise ValueError("with soft_target, target must be class indices (N,): the labels of the hard term")
    soft = np.asarray(soft_target, dtype=np.float64)
    if soft.shape != (target.size, model.num_classes):
        raise ValueError(
            f"soft_target must have shape ({target.size}, {model.num_classes}), one distribution per example; "
            f"got {soft.shape}"
        )
    if callable(label_smoothing) or label_smoothing != 0:
        raise ValueError("label_smoothing must be 0 with soft_target: the soft targets are the student's smoothing")
    return _Distilled(model, target, soft, alpha, temperature)
