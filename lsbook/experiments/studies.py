"""The full experiments of chapters 4 and 5: every split, every seed, every interval.

Explained in chapter 4, section "How sure can we be?", and chapter 5, section
"Distillation". The chapters train a few networks live, to show the code;
the numbers their tables quote come from this module, run over five splits
and ten training seeds, and stored in ``notebooks/results/``:

    python -m lsbook.experiments.studies --out notebooks/results --jobs 2

(``make experiments`` runs it and re-executes both chapters). Every network is
trained exactly as a chapter trains it, so the chapters can check that the
models they train live reproduce the stored per-model scores.
"""

from __future__ import annotations

import argparse
import itertools
import json
import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..core.softmax import softmax
from .calibration import fit_temperature
from .data import DigitsSplit, labelled_subset, load_digits_split, omit_class, symmetric_label_noise
from .distillation import (
    best_bias_shift,
    class_similarity,
    closest_classes,
    flatten_wrong_classes,
    normalised_entropy,
    shuffle_wrong_classes,
    soft_targets,
    wrong_class_distribution,
    wrong_class_rank_agreement,
)
from .intervals import Interval, paired_bootstrap, score_interval
from .penultimate import cluster_tightness, project_onto_templates
from .scores import (
    accuracy,
    brier_score,
    calibrated_labels,
    confidence_gap,
    expected_calibration_error,
    fraction_above,
    negative_log_likelihood,
    squared_calibration_error,
)
from .training import Classifier, train

NUM_CLASSES = 10
EPSILONS = (0.0, 0.05, 0.1, 0.2, 0.3)
FOLDS = (0, 1, 2, 3, 4)
SEEDS = tuple(range(10))
N_RESAMPLES = 1000


# ---------------------------------------------------------------- chapter 4


@dataclass(frozen=True)
class Regime:
    """How the networks of one experiment of chapter 4 are trained."""

    name: str
    description: str
    hidden: int = 64
    epochs: int = 30
    noise_rate: float = 0.0
    epsilons: tuple[float, ...] = EPSILONS


REGIMES = {
    regime.name: regime
    for regime in (
        Regime("clean", "64 hidden units, 30 epochs, clean labels"),
        # Wide networks are slow to train: only the two strengths the comparison needs.
        Regime("wide", "256 hidden units, 200 epochs, clean labels", hidden=256, epochs=200, epsilons=(0.0, 0.1)),
        Regime("noisy20", "64 hidden units, 100 epochs, 20% of training labels wrong", epochs=100, noise_rate=0.2),
        Regime("noisy40", "64 hidden units, 100 epochs, 40% of training labels wrong", epochs=100, noise_rate=0.4),
    )
}


def _probability_score(score: Callable, **options) -> Callable:
    """A score of probabilities as a score of logits: ``f(z, y, sample_weight=None)``."""
    def of_logits(z, y, sample_weight=None):
        return score(softmax(z), y, sample_weight=sample_weight, **options)
    return of_logits


#: The scores of chapter 4, each a function of logits, labels and optional weights.
METRICS: dict[str, Callable] = {
    "accuracy": _probability_score(accuracy),
    "NLL": negative_log_likelihood,
    "Brier": _probability_score(brier_score),
    "ECE": _probability_score(expected_calibration_error),
    "debiased CE²": _probability_score(squared_calibration_error),
}

#: Mean confidence minus accuracy, a score of logits (not one of the tables' columns).
GAP = _probability_score(confidence_gap)

#: How each score's interval is made (chapter 4, section "How sure can we be?"). The means
#: take the central 95% of the resamples. The debiased squared calibration error takes the
#: basic interval around its plug-in value (Kumar et al., 2019). The literature's ECE is
#: biased by an amount that differs from model to model, and gets no interval.
INTERVALS: dict[str, dict | None] = {
    "accuracy": {"method": "percentile"},
    "NLL": {"method": "percentile"},
    "Brier": {"method": "percentile"},
    "ECE": None,
    "debiased CE²": {"method": "basic", "plugin": _probability_score(squared_calibration_error, debiased=False)},
}


def training_labels(data: DigitsSplit, regime: Regime, fold: int) -> np.ndarray:
    """The training labels of a regime: clean, or with symmetric noise fixed per split."""
    if regime.noise_rate == 0:
        return data.y_train
    return symmetric_label_noise(data.y_train, regime.noise_rate, NUM_CLASSES, seed=fold)


def train_network(data: DigitsSplit, regime: Regime, label_smoothing: float, seed: int, fold: int) -> Classifier:
    """One network of chapter 4, trained as the chapter trains it."""
    model = Classifier(data.num_features, NUM_CLASSES, regime.hidden, seed=seed)
    labels = training_labels(data, regime, fold)
    train(model, data.x_train, labels, label_smoothing=label_smoothing, epochs=regime.epochs, seed=seed,
          record_loss=False)
    return model


def score_logits(logits: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """Every score of chapter 4 for one set of predictions."""
    return {name: float(metric(logits, target)) for name, metric in METRICS.items()}


def _calibration_task(task) -> dict:
    """Train one network; keep its validation and test logits and its fitted temperature."""
    regime_name, fold, seed, eps = task
    data = load_digits_split(fold=fold)
    model = train_network(data, REGIMES[regime_name], eps, seed, fold)
    val_logits = model.logits(data.x_val)
    return {
        "regime": regime_name,
        "fold": fold,
        "seed": seed,
        "eps": eps,
        "T": fit_temperature(val_logits, data.y_val),
        "val_logits": val_logits,
        "test_logits": model.logits(data.x_test),
    }


#: Labels drawn from each network's own predictions to find its ECE's noise floor (chapter 4,
#: section "When the ECE and the NLL disagree").
FLOOR_DRAWS = 20


def ece_floor(logits: np.ndarray, seed: int) -> dict[str, float]:
    """The ECE of a network on labels drawn from its own predictions: their mean and 90th percentile."""
    probs = softmax(logits)
    rng = np.random.default_rng(seed)
    draws = [expected_calibration_error(probs, calibrated_labels(probs, rng)) for _ in range(FLOOR_DRAWS)]
    return {"mean": float(np.mean(draws)), "q90": float(np.quantile(draws, 0.9))}


def _scored(record: dict, y_test: np.ndarray) -> dict:
    """A trained network's record with its scores before and after scaling, computed from its logits."""
    z, eps = record["test_logits"], record["eps"]
    bound = 1.0 - eps + eps / NUM_CLASSES
    return record | {
        "before": score_logits(z, y_test),
        "after": score_logits(z / record["T"], y_test),
        "floor": {"before": ece_floor(z, record["seed"]), "after": ece_floor(z / record["T"], record["seed"])},
        "confidence": float(softmax(z).max(axis=1).mean()),
        "above_bound": fraction_above(softmax(z), bound) if eps > 0 else None,
    }


def _triple(found: Interval) -> list[float]:
    return [round(found.estimate, 6), round(found.low, 6), round(found.high, 6)]


def _interval(metric, first, second, target, seed: int, **options) -> list[float]:
    """``[estimate, low, high]`` of a paired difference (percentile interval unless ``options`` say otherwise)."""
    return _triple(paired_bootstrap(metric, first, second, target, n_resamples=N_RESAMPLES, seed=seed, **options))


def _level(metric, predictions, target, seed: int) -> list[float]:
    """``[estimate, low, high]`` of one method's score (percentile interval)."""
    return _triple(score_interval(metric, predictions, target, n_resamples=N_RESAMPLES, seed=seed))


def _score_difference(name: str, first, second, targets, seed: int) -> list[float]:
    """A chapter 4 score's difference with its interval; the plain ECE's difference alone, ``[d, None, None]``."""
    options = INTERVALS[name]
    if options is None:
        estimate = paired_bootstrap(METRICS[name], first, second, targets, n_resamples=2, seed=seed).estimate
        return [round(estimate, 6), None, None]
    return _interval(METRICS[name], first, second, targets, seed, **options)


def _regime_summary(records: list[dict], folds, seeds, epsilons) -> dict:
    """Means per eps, and paired bootstrap intervals for every difference against eps = 0."""
    by_key = {(r["fold"], r["eps"], r["seed"]): r for r in records}
    targets = [load_digits_split(fold=fold).y_test for fold in folds]

    def stacked(eps, scaled: bool):
        # (seeds, N, K) logits per fold: the strata of the bootstrap.
        return [
            np.stack([by_key[f, eps, s]["test_logits"] / (by_key[f, eps, s]["T"] if scaled else 1.0) for s in seeds])
            for f in folds
        ]

    summary = {}
    for i, eps in enumerate(epsilons):
        chosen = [r for r in records if r["eps"] == eps]
        summary[str(eps)] = {
            "T": float(np.mean([r["T"] for r in chosen])),
            "T_range": [float(min(r["T"] for r in chosen)), float(max(r["T"] for r in chosen))],
            "confidence": float(np.mean([r["confidence"] for r in chosen])),
            "above_bound": None if eps == 0 else float(np.mean([r["above_bound"] for r in chosen])),
            "before": {m: float(np.mean([r["before"][m] for r in chosen])) for m in METRICS},
            "after": {m: float(np.mean([r["after"][m] for r in chosen])) for m in METRICS},
            # The ECE a calibrated network with the same predictions would score, and the share of
            # networks whose ECE lies above the 90th percentile of their own floor's draws.
            "ece_floor": {when: float(np.mean([r["floor"][when]["mean"] for r in chosen]))
                          for when in ("before", "after")},
            "above_floor_q90": {when: float(np.mean([r[when]["ECE"] > r["floor"][when]["q90"] for r in chosen]))
                                for when in ("before", "after")},
            # Mean confidence minus accuracy, with its interval over test images and seeds.
            "gap": {when: _level(GAP, stacked(eps, when == "after"), targets, seed=200 + i)
                    for when in ("before", "after")},
        }
    differences, scaling = {}, {}
    base_before, base_after = stacked(0.0, False), stacked(0.0, True)
    for i, eps in enumerate(epsilons):
        before, after = stacked(eps, False), stacked(eps, True)
        # What temperature scaling changes: each network after scaling minus itself before.
        scaling[str(eps)] = {m: _score_difference(m, after, before, targets, seed=100 + i) for m in METRICS}
        if eps == 0.0:
            continue
        differences[str(eps)] = {
            "before": {m: _score_difference(m, before, base_before, targets, seed=i) for m in METRICS},
            "after": {m: _score_difference(m, after, base_after, targets, seed=i) for m in METRICS},
            # Smoothing alone against temperature scaling alone.
            "smoothing_vs_scaling": {m: _score_difference(m, before, base_after, targets, seed=i) for m in METRICS},
        }
    return {"summary": summary, "differences": differences, "scaling": scaling}


def calibration_tasks(regimes: Sequence[str], folds: Sequence[int], seeds: Sequence[int],
                      epsilons: Sequence[float] | None = None) -> list[tuple]:
    """The networks of chapter 4's experiment, one ``(regime, fold, seed, eps)`` each."""
    return [
        (name, fold, seed, eps)
        for name in regimes
        for eps in (REGIMES[name].epsilons if epsilons is None else epsilons)
        for fold, seed in itertools.product(folds, seeds)
    ]


def calibration_study(
    regimes: Sequence[str] = tuple(REGIMES),
    *,
    folds: Sequence[int] = FOLDS,
    seeds: Sequence[int] = SEEDS,
    epsilons: Sequence[float] | None = None,
    jobs: int = 1,
    cache: Path | None = None,
) -> dict:
    """Chapter 4's experiment: every regime, split, seed and eps; scores, means and intervals.

    ``epsilons`` defaults to each regime's own list.
    """
    tasks = calibration_tasks(regimes, folds, seeds, epsilons)
    targets = {fold: load_digits_split(fold=fold).y_test for fold in folds}
    records = [_scored(r, targets[r["fold"]]) for r in _run(_calibration_task, tasks, jobs, cache)]
    results = {"settings": {"folds": list(folds), "seeds": list(seeds), "n_resamples": N_RESAMPLES,
                            "confidence": 0.95}, "regimes": {}}
    for name in regimes:
        mine = [r for r in records if r["regime"] == name]
        entry = {"regime": asdict(REGIMES[name])}
        entry.update(_regime_summary(mine, folds, seeds, sorted({r["eps"] for r in mine})))
        entry["models"] = [
            {key: r[key] for key in ("fold", "seed", "eps", "T", "confidence")}
            | {f"{when} {m}": round(r[when][m], 6) for when in ("before", "after") for m in METRICS}
            | {f"{when} ECE floor": round(r["floor"][when]["mean"], 6) for when in ("before", "after")}
            for r in mine
        ]
        results["regimes"][name] = entry
    return results


# ---------------------------------------------------------------- chapter 5

TEACHER_HIDDEN, STUDENT_HIDDEN = 64, 16
TEACHER_EPSILONS = (0.0, 0.1)
#: Wide enough that a choice at either end is a warning, not a habit: chapter 4 fits
#: temperatures of about 0.4 to the smoothed networks and about 1.2 to the unsmoothed ones.
TEMPERATURES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)
ALPHA = 0.9
OMITTED = 3
BIAS_SHIFTS = tuple(np.round(np.arange(0.0, 15.01, 0.25), 2))
#: The picture's three classes are chosen from the data: the unsmoothed teachers of the
#: first split, first two seeds (the chapter's live teachers), on validation images.
TEMPLATE_SEEDS = 2
#: The sources of soft targets: two teachers, and the two controls made from each.
SOFT_TEACHERS = ("teacher ε = 0.0", "teacher ε = 0.1", "flattened", "shuffled", "flattened, teacher ε = 0.1",
                 "shuffled, teacher ε = 0.1")
#: The two transfer sets: every training image (30 epochs), or ten labelled images per class (150 epochs).
TRANSFER_SETS = {"full": (None, 30), "scarce": (10, 150)}


def train_teacher(data: DigitsSplit, label_smoothing: float, seed: int) -> Classifier:
    """A teacher of chapter 5: a network of chapter 4's clean regime."""
    return train_network(data, REGIMES["clean"], label_smoothing, seed, fold=0)


def choose_template_classes(fold: int, seeds: Sequence[int]) -> tuple[int, ...]:
    """The three classes of chapter 5's penultimate picture, chosen from the data.

    :func:`~lsbook.experiments.distillation.closest_classes` of the unsmoothed
    teachers' class similarity on the validation images of split ``fold``,
    averaged over ``seeds``: the digit whose wrong mass goes most to two
    others, and those two.
    """
    data = load_digits_split(fold=fold)
    similarity = np.mean(
        [class_similarity(softmax(train_teacher(data, 0.0, seed).logits(data.x_val)), data.y_val) for seed in seeds],
        axis=0,
    )
    return closest_classes(similarity, 3)


def train_student(
    x: np.ndarray,
    target: np.ndarray,
    seed: int,
    *,
    soft_target: np.ndarray | None = None,
    temperature: float = 1.0,
    label_smoothing: float = 0.0,
    epochs: int = 30,
) -> Classifier:
    """A student of chapter 5: 16 hidden units, on hard labels or distilled with alpha = 0.9."""
    student = Classifier(x.shape[1], NUM_CLASSES, STUDENT_HIDDEN, seed=1000 + seed)
    options = {"epochs": epochs, "seed": seed, "record_loss": False}
    if soft_target is None:
        train(student, x, target, label_smoothing=label_smoothing, **options)
    else:
        train(student, x, target, soft_target=soft_target, temperature=temperature, alpha=ALPHA, **options)
    return student


def soft_target_sources(logits: dict, target: np.ndarray, temperature: float, seed: int) -> dict:
    """The soft targets of every source at one temperature: both teachers and the two controls.

    ``logits`` maps each teacher's eps to its logits on the transfer set.
    """
    unsmoothed = soft_targets(logits[0.0], temperature)
    smoothed = soft_targets(logits[0.1], temperature)
    return {
        "teacher ε = 0.0": unsmoothed,
        "teacher ε = 0.1": smoothed,
        "flattened": flatten_wrong_classes(unsmoothed, target),
        "shuffled": shuffle_wrong_classes(unsmoothed, target, seed=seed),
        # The same two controls made from the smoothed teacher: what its own order is worth.
        "flattened, teacher ε = 0.1": flatten_wrong_classes(smoothed, target),
        "shuffled, teacher ε = 0.1": shuffle_wrong_classes(smoothed, target, seed=seed),
    }


def _predictions(model: Classifier, data: DigitsSplit) -> dict:
    return {"val": model.logits(data.x_val), "test": model.logits(data.x_test)}


def _all_students(data: DigitsSplit, teachers: dict, rows: np.ndarray, seed: int, epochs: int) -> dict:
    """Students of every source at every temperature, and the two hard-label students, on one transfer set."""
    x, y = data.x_train[rows], data.y_train[rows]
    out = {
        "hard labels": _predictions(train_student(x, y, seed, epochs=epochs), data),
        "hard labels, ε = 0.1": _predictions(train_student(x, y, seed, label_smoothing=0.1, epochs=epochs), data),
    }
    logits = {eps: teacher.logits(x) for eps, teacher in teachers.items()}
    for T in TEMPERATURES:
        for name, soft in soft_target_sources(logits, y, T, seed).items():
            student = train_student(x, y, seed, soft_target=soft, temperature=T, epochs=epochs)
            out[f"{name}, T = {T:g}"] = _predictions(student, data)
    return out


def _distillation_task(task) -> dict:
    fold, seed, classes = task
    data = load_digits_split(fold=fold)
    teachers = {eps: train_teacher(data, eps, seed) for eps in TEACHER_EPSILONS}
    out: dict = {"fold": fold, "seed": seed, "teachers": {}, "omitted": {}}
    for eps, teacher in teachers.items():
        out["teachers"][eps] = _predictions(teacher, data) | {
            "train": teacher.logits(data.x_train),
            "coords_train": _template_coordinates(teacher, data.x_train, data.y_train, classes),
            "coords_test": _template_coordinates(teacher, data.x_test, data.y_test, classes),
        }
    for name, (per_class, epochs) in TRANSFER_SETS.items():
        if per_class is None:
            rows = np.arange(data.y_train.size)
        else:
            rows = labelled_subset(data.y_train, per_class, seed=seed)
        out[name] = _all_students(data, teachers, rows, seed, epochs)
    x_kept, y_kept = omit_class(data.x_train, data.y_train, OMITTED)
    for eps, teacher in teachers.items():
        kept_logits = teacher.logits(x_kept)
        for T in TEMPERATURES:
            student = train_student(x_kept, y_kept, seed, soft_target=soft_targets(kept_logits, T), temperature=T)
            out["omitted"][f"teacher ε = {eps}, T = {T:g}"] = _predictions(student, data)
    return out


def _template_coordinates(model: Classifier, x: np.ndarray, y: np.ndarray, classes: Sequence[int]) -> np.ndarray:
    chosen = np.isin(y, classes)
    return project_onto_templates(model.features(x[chosen]), model.templates[list(classes)])


def _shifted(logits: np.ndarray, shift: float) -> np.ndarray:
    moved = logits.copy()
    moved[..., OMITTED] += shift
    return moved


def _by_fold(runs, folds) -> dict:
    """The runs of each split, in seed order."""
    return {f: sorted((r for r in runs if r["fold"] == f), key=lambda r: r["seed"]) for f in folds}


def _mean_accuracy_of(stacks, targets) -> float:
    return float(np.mean([accuracy(softmax(z), y) for zs, y in zip(stacks, targets, strict=True) for z in zs]))


def _lowest_best(values: dict) -> float:
    """The key with the largest value; ties go to the smallest key (the lowest temperature)."""
    return max(values, key=lambda key: (values[key], -key))


#: The comparisons chapter 5 reports, each "first − second".
STUDENT_COMPARISONS = {
    "teacher ε = 0.1 − teacher ε = 0": ("teacher ε = 0.1", "teacher ε = 0.0"),
    "teacher ε = 0 − hard labels": ("teacher ε = 0.0", "hard labels"),
    "teacher ε = 0.1 − hard labels, ε = 0.1": ("teacher ε = 0.1", "hard labels, ε = 0.1"),
    "hard labels, ε = 0.1 − hard labels": ("hard labels, ε = 0.1", "hard labels"),
    "flattened − teacher ε = 0": ("flattened", "teacher ε = 0.0"),
    "shuffled − teacher ε = 0": ("shuffled", "teacher ε = 0.0"),
    "teacher ε = 0.1 − flattened": ("teacher ε = 0.1", "flattened"),
    "flattened − hard labels": ("flattened", "hard labels"),
    "shuffled − flattened": ("shuffled", "flattened"),
    "shuffled − hard labels": ("shuffled", "hard labels"),
    "flattened, teacher ε = 0.1 − teacher ε = 0.1": ("flattened, teacher ε = 0.1", "teacher ε = 0.1"),
    "shuffled, teacher ε = 0.1 − teacher ε = 0.1": ("shuffled, teacher ε = 0.1", "teacher ε = 0.1"),
}


def _students_summary(runs, data, folds, transfer: str) -> dict:
    """Chosen temperatures, test accuracies and paired intervals for one transfer set."""
    grouped = _by_fold(runs, folds)
    targets = [data[f].y_test for f in folds]

    def stack(name: str, part: str = "test"):
        return [np.stack([r[transfer][name][part] for r in grouped[f]]) for f in folds]

    # The temperature of each source and split: the best validation accuracy of
    # its students on that split, averaged over seeds; ties go to the lower T.
    chosen = {}
    for name in SOFT_TEACHERS:
        for f in folds:
            chosen[name, f] = _lowest_best({
                T: np.mean([accuracy(softmax(r[transfer][f"{name}, T = {T:g}"]["val"]), data[f].y_val)
                            for r in grouped[f]])
                for T in TEMPERATURES
            })
    students = {"hard labels": stack("hard labels"), "hard labels, ε = 0.1": stack("hard labels, ε = 0.1")}
    for name in SOFT_TEACHERS:
        students[name] = [np.stack([r[transfer][f"{name}, T = {chosen[name, f]:g}"]["test"] for r in grouped[f]])
                          for f in folds]
    return {
        "chosen_T": {name: [chosen[name, f] for f in folds] for name in SOFT_TEACHERS},
        "accuracy": {name: _mean_accuracy_of(stacks, targets) for name, stacks in students.items()},
        "differences": {
            label: _interval(METRICS["accuracy"], students[a], students[b], targets, seed=i)
            for i, (label, (a, b)) in enumerate(STUDENT_COMPARISONS.items())
        },
        # Every source at every temperature, with an interval over test images and seeds.
        "accuracy_by_T": {
            f"{name}, T = {T:g}": _level(METRICS["accuracy"], stack(f"{name}, T = {T:g}"), targets, seed=i)
            for i, (name, T) in enumerate(itertools.product(SOFT_TEACHERS, TEMPERATURES))
        },
        "hard_labels": _level(METRICS["accuracy"], students["hard labels"], targets, seed=0),
    }


def distillation_study(
    *, folds: Sequence[int] = FOLDS, seeds: Sequence[int] = SEEDS, jobs: int = 1, cache: Path | None = None
) -> dict:
    """Chapter 5's experiment: teachers, students, controls, the omitted-class test, erasure measures."""
    folds, seeds = list(folds), list(seeds)
    classes = choose_template_classes(folds[0], seeds[:TEMPLATE_SEEDS])
    runs = _run(_distillation_task, [(f, s, classes) for f, s in itertools.product(folds, seeds)], jobs, cache)
    data = {fold: load_digits_split(fold=fold) for fold in folds}
    targets = [data[f].y_test for f in folds]
    grouped = _by_fold(runs, folds)
    teacher_test = {eps: [np.stack([r["teachers"][eps]["test"] for r in grouped[f]]) for f in folds]
                    for eps in TEACHER_EPSILONS}
    return {
        "settings": {"folds": folds, "seeds": seeds, "temperatures": list(TEMPERATURES), "alpha": ALPHA,
                     "n_resamples": N_RESAMPLES, "omitted": OMITTED, "transfer_sets": TRANSFER_SETS,
                     "template_classes": list(classes)},
        "teachers": {str(eps): _mean_accuracy_of(teacher_test[eps], targets) for eps in TEACHER_EPSILONS},
        "teacher_difference": _interval(METRICS["accuracy"], teacher_test[0.1], teacher_test[0.0], targets, seed=0),
        "transfer": {name: _students_summary(runs, data, folds, name) for name in TRANSFER_SETS},
        "omitted": _omitted_summary(runs, data, folds),
        "erasure": _erasure_summary(runs, data, folds),
        "penultimate": _penultimate_summary(runs, data, folds, classes),
        "models": [
            {"fold": r["fold"], "seed": r["seed"]}
            | {f"teacher ε = {eps}": accuracy(softmax(r["teachers"][eps]["test"]), data[r["fold"]].y_test)
               for eps in TEACHER_EPSILONS}
            | {f"{transfer}: {name}": accuracy(softmax(z["test"]), data[r["fold"]].y_test)
               for transfer in TRANSFER_SETS for name, z in r[transfer].items()}
            for r in runs
        ],
    }


def _omitted_summary(runs, data, folds) -> dict:
    """Recall of the omitted digit per teacher and T, without and with a validation-tuned bias shift.

    Every choice is made on the split's own validation images: T for the
    unshifted students on the validation images that are not 3s (a user who
    never had a labelled 3 could tune nothing else); T and the shift for the
    shifted students on all validation images, 3s included (the shift needs
    them).
    """
    grouped = _by_fold(runs, folds)
    threes = {f: data[f].y_test == OMITTED for f in folds}
    only_threes = [np.full(int(threes[f].sum()), OMITTED) for f in folds]
    raw, shifted, val_other, val_all, shifts = {}, {}, {}, {}, {}
    for eps, T, f in itertools.product(TEACHER_EPSILONS, TEMPERATURES, folds):
        y_val = data[f].y_val
        others = y_val != OMITTED
        zs = [r["omitted"][f"teacher ε = {eps}, T = {T:g}"] for r in grouped[f]]
        best = [best_bias_shift(z["val"], y_val, OMITTED, BIAS_SHIFTS) for z in zs]
        raw[eps, T, f] = np.stack([z["test"] for z in zs])
        shifted[eps, T, f] = np.stack([_shifted(z["test"], b) for z, b in zip(zs, best, strict=True)])
        val_other[eps, T, f] = np.mean([np.mean(z["val"][others].argmax(axis=1) == y_val[others]) for z in zs])
        val_all[eps, T, f] = np.mean([np.mean(_shifted(z["val"], b).argmax(axis=1) == y_val)
                                      for z, b in zip(zs, best, strict=True)])
        shifts[eps, T, f] = best

    def on_threes(stacks, choice):
        """Each split's students at its chosen T, on that split's test 3s."""
        return [stacks[choice[f], f][:, threes[f]] for f in folds]

    def recall(stacks, choice, seed):
        return _level(METRICS["accuracy"], on_threes(stacks, choice), only_threes, seed)

    def mean_accuracy(stacks, choice):
        return _mean_accuracy_of([stacks[choice[f], f] for f in folds], [data[f].y_test for f in folds])

    summary: dict = {"by_T": {}, "by_T_differences": {}, "chosen": {}, "chosen_shifted": {}, "at_chosen": {},
                     "differences": {}}
    per = {}
    for i, eps in enumerate(TEACHER_EPSILONS):
        per[eps] = ({(T, f): raw[eps, T, f] for T in TEMPERATURES for f in folds},
                    {(T, f): shifted[eps, T, f] for T in TEMPERATURES for f in folds})
        for j, T in enumerate(TEMPERATURES):
            fixed = dict.fromkeys(folds, T)
            summary["by_T"][f"teacher ε = {eps}, T = {T:g}"] = {
                "recall": recall(per[eps][0], fixed, seed=10 * i + j),
                "recall_shifted": recall(per[eps][1], fixed, seed=10 * i + j),
                "accuracy": mean_accuracy(per[eps][0], fixed),
                "accuracy_shifted": mean_accuracy(per[eps][1], fixed),
                "val_accuracy_other": float(np.mean([val_other[eps, T, f] for f in folds])),
                "val_accuracy_shifted": float(np.mean([val_all[eps, T, f] for f in folds])),
                "shift": float(np.mean([shifts[eps, T, f] for f in folds])),
            }
        chosen = {f: _lowest_best({T: val_other[eps, T, f] for T in TEMPERATURES}) for f in folds}
        chosen_shifted = {f: _lowest_best({T: val_all[eps, T, f] for T in TEMPERATURES}) for f in folds}
        summary["chosen"][str(eps)] = [chosen[f] for f in folds]
        summary["chosen_shifted"][str(eps)] = [chosen_shifted[f] for f in folds]
        summary["at_chosen"][str(eps)] = {
            "recall": recall(per[eps][0], chosen, seed=50 + i),
            "recall_shifted": recall(per[eps][1], chosen_shifted, seed=60 + i),
            "accuracy": mean_accuracy(per[eps][0], chosen),
            "accuracy_shifted": mean_accuracy(per[eps][1], chosen_shifted),
            "shift": float(np.mean([shifts[eps, chosen_shifted[f], f] for f in folds])),
        }
    for j, T in enumerate(TEMPERATURES):
        fixed = dict.fromkeys(folds, T)
        summary["by_T_differences"][f"T = {T:g}"] = {
            which: _interval(METRICS["accuracy"], on_threes(per[0.0][k], fixed), on_threes(per[0.1][k], fixed),
                             only_threes, seed=j)
            for k, which in enumerate(("recall", "recall_shifted"))
        }

    def chosen_of(eps, key):
        return dict(zip(folds, summary[key][str(eps)], strict=True))

    for k, (label, key) in enumerate([("recall", "chosen"), ("recall after the shift", "chosen_shifted")]):
        summary["differences"][f"{label}, teacher ε = 0 − teacher ε = 0.1"] = _interval(
            METRICS["accuracy"], on_threes(per[0.0][k], chosen_of(0.0, key)),
            on_threes(per[0.1][k], chosen_of(0.1, key)), only_threes, seed=k)
    return summary


def _item_mean(values, target, sample_weight=None):
    """The mean of per-item values stored as (N, 1) "predictions": a score for the bootstrap."""
    v = np.asarray(values)[:, 0]
    if sample_weight is None:
        return float(v.mean())
    w = np.asarray(sample_weight, dtype=np.float64)
    return (w @ v) / w.sum(axis=-1)


def _wrong_class_entropy(logits, target, sample_weight=None):
    """Mean normalised entropy of the wrong-class distributions of ``softmax(logits)``."""
    entropy = normalised_entropy(wrong_class_distribution(softmax(logits), target), NUM_CLASSES - 1)
    return _item_mean(entropy[:, None], target, sample_weight)


#: The pairs of teachers whose wrong-class rankings are compared (always different seeds).
AGREEMENT_PAIRS = {"ε = 0 with ε = 0": (0.0, 0.0), "ε = 0.1 with ε = 0.1": (0.1, 0.1), "ε = 0 with ε = 0.1": (0.0, 0.1)}


def _erasure_summary(runs, data, folds) -> dict:
    """Wrong-class entropy at each teacher's own scale and at its fitted temperature; rank agreement.

    Entropy differences (ε = 0.1 minus ε = 0) get paired intervals over images
    and seeds. Rank agreement is a mean over pairs of seeds for each image;
    its intervals resample the images (within splits), and the range over
    splits is given beside them.
    """
    grouped = _by_fold(runs, folds)
    fitted = {(eps, r["fold"], r["seed"]): fit_temperature(r["teachers"][eps]["val"], data[r["fold"]].y_val)
              for r in runs for eps in TEACHER_EPSILONS}
    out: dict = {"fitted_T": {str(eps): float(np.mean([t for (e, _, _), t in fitted.items() if e == eps]))
                              for eps in TEACHER_EPSILONS}}
    for part in ("train", "test"):
        labels = [getattr(data[f], f"y_{part}") for f in folds]

        def logits(eps, scaled, part=part):
            return [np.stack([r["teachers"][eps][part] / (fitted[eps, f, r["seed"]] if scaled else 1.0)
                              for r in grouped[f]]) for f in folds]

        entry: dict = {}
        for key, scaled in (("entropy", False), ("entropy_at_fitted_T", True)):
            entry[key] = {str(eps): _level(_wrong_class_entropy, logits(eps, scaled), labels, seed=0)
                          for eps in TEACHER_EPSILONS}
            entry[key]["difference"] = _interval(_wrong_class_entropy, logits(0.1, scaled), logits(0.0, scaled),
                                                 labels, seed=1)
        per_image = {}  # label -> per split, the mean agreement of each image over pairs of seeds
        for label, (ea, eb) in AGREEMENT_PAIRS.items():
            per_image[label] = [
                np.mean([wrong_class_rank_agreement(a["teachers"][ea][part], b["teachers"][eb][part], y)
                         for a, b in itertools.combinations(grouped[f], 2)], axis=0)
                for f, y in zip(folds, labels, strict=True)
            ]
        as_items = {label: [v[None, :, None] for v in values] for label, values in per_image.items()}
        entry["rank_agreement"] = {label: _level(_item_mean, items, labels, seed=2)
                                   for label, items in as_items.items()}
        entry["rank_agreement_by_fold"] = {label: [float(v.mean()) for v in values]
                                           for label, values in per_image.items()}
        entry["rank_agreement_difference"] = _interval(
            _item_mean, as_items["ε = 0.1 with ε = 0.1"], as_items["ε = 0 with ε = 0"], labels, seed=3)
        out[part] = entry
    return out


def _penultimate_summary(runs, data, folds, classes) -> dict:
    grouped = _by_fold(runs, folds)
    out: dict = {}
    for part in ("train", "test"):
        labels = [getattr(data[f], f"y_{part}")[np.isin(getattr(data[f], f"y_{part}"), classes)] for f in folds]

        def coords(eps, part=part):
            return [np.stack([r["teachers"][eps][f"coords_{part}"] for r in grouped[f]]) for f in folds]

        out[part] = {
            "tightness": {str(eps): _level(cluster_tightness, coords(eps), labels, seed=0) for eps in TEACHER_EPSILONS},
            "difference": _interval(cluster_tightness, coords(0.1), coords(0.0), labels, seed=0),
        }
    return out


# ---------------------------------------------------------------- running


def _single_threaded(call):
    function, task = call
    from threadpoolctl import threadpool_limits

    # One BLAS thread for every product, in training and after: the same sums in
    # the same order, whatever the machine's load or the number of workers.
    with threadpool_limits(limits=1):
        return function(task)


def _run(function, tasks: list, jobs: int, cache: Path | None = None) -> list:
    """``function(task)`` for every task, in ``jobs`` processes; with ``cache``, kept in (and read from) a pickle.

    The cache lets a summary be recomputed without training again; it is a
    development aid, never committed (the results files are what the book quotes).
    """
    if cache is not None and cache.exists():
        with cache.open("rb") as file:
            stored = pickle.load(file)
        if stored["tasks"] == tasks:
            return stored["results"]
    calls = [(function, task) for task in tasks]
    if jobs <= 1:
        results = [_single_threaded(call) for call in calls]
    else:
        # Imported here: the browser's Python (Pyodide) has no processes, and the chapters
        # import this module there for its constants and summaries.
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_single_threaded, calls, chunksize=1))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with cache.open("wb") as file:
            pickle.dump({"tasks": tasks, "results": results}, file)
    return results


def _plain(value):
    """JSON-ready: tuples to lists, NumPy scalars to floats, arrays dropped."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if not isinstance(v, np.ndarray)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    return value


#: Where the chapters find the stored results: ``notebooks/results`` of the checkout.
RESULTS_DIR = Path(__file__).resolve().parents[2] / "notebooks" / "results"


def load_results(name: str) -> dict:
    """The stored results of one study, ``"calibration"`` or ``"distillation"``."""
    path = RESULTS_DIR / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make experiments` to create it")
    return json.loads(path.read_text())


def write_results(name: str, path: Path | str, *, jobs: int = 1, cache: Path | None = None) -> dict:
    """Run one study (``"calibration"`` or ``"distillation"``) and store its results as JSON at ``path``.

    ``cache``, a directory, keeps the trained models' predictions so that a
    second call only recomputes the summary.
    """
    studies = {"calibration": calibration_study, "distillation": distillation_study}
    if name not in studies:
        raise ValueError(f"name must be one of {sorted(studies)}, got {name!r}")
    results = _plain(studies[name](jobs=jobs, cache=None if cache is None else Path(cache) / f"{name}.pickle"))
    results["settings"]["command"] = "make experiments"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (each uses one BLAS thread)")
    parser.add_argument("--only", choices=("calibration", "distillation"), default=None)
    parser.add_argument("--cache", type=Path, default=None, help="keep trained predictions here (a development aid)")
    args = parser.parse_args(argv)
    for name in ("calibration", "distillation"):
        if args.only in (None, name):
            start = time.perf_counter()
            write_results(name, args.out / f"{name}.json", jobs=args.jobs, cache=args.cache)
            print(f"{name}: {time.perf_counter() - start:.0f} s, wrote {args.out / f'{name}.json'}")


if __name__ == "__main__":
    main()
