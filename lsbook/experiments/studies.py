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
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..core.softmax import softmax
from .calibration import fit_temperature
from .data import DigitsSplit, labelled_subset, load_digits_split, omit_class, symmetric_label_noise
from .distillation import (
    best_bias_shift,
    flatten_wrong_classes,
    normalised_entropy,
    shuffle_wrong_classes,
    soft_targets,
    wrong_class_distribution,
    wrong_class_rank_agreement,
)
from .intervals import Interval, paired_bootstrap
from .penultimate import cluster_tightness, project_onto_templates
from .scores import accuracy, brier_score, expected_calibration_error, fraction_above, negative_log_likelihood
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


def _ece_equal_mass(probs, target, sample_weight=None):
    return expected_calibration_error(probs, target, binning="equal-mass", sample_weight=sample_weight)


#: The scores of chapter 4, each a function of logits, labels and optional weights.
METRICS: dict[str, Callable] = {
    "accuracy": lambda z, y, sample_weight=None: accuracy(softmax(z), y, sample_weight=sample_weight),
    "NLL": negative_log_likelihood,
    "Brier": lambda z, y, sample_weight=None: brier_score(softmax(z), y, sample_weight=sample_weight),
    "ECE": lambda z, y, sample_weight=None: expected_calibration_error(softmax(z), y, sample_weight=sample_weight),
    "ECE equal-mass": lambda z, y, sample_weight=None: _ece_equal_mass(softmax(z), y, sample_weight=sample_weight),
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
    regime_name, fold, seed, eps = task
    data = load_digits_split(fold=fold)
    model = train_network(data, REGIMES[regime_name], eps, seed, fold)
    test_logits = model.logits(data.x_test)
    temperature = fit_temperature(model.logits(data.x_val), data.y_val)
    bound = 1.0 - eps + eps / NUM_CLASSES
    return {
        "regime": regime_name,
        "fold": fold,
        "seed": seed,
        "eps": eps,
        "T": temperature,
        "before": score_logits(test_logits, data.y_test),
        "after": score_logits(test_logits / temperature, data.y_test),
        "confidence": float(softmax(test_logits).max(axis=1).mean()),
        "above_bound": fraction_above(softmax(test_logits), bound) if eps > 0 else None,
        "test_logits": test_logits,
    }


def _interval(metric, first, second, target, seed: int) -> list[float]:
    found: Interval = paired_bootstrap(metric, first, second, target, n_resamples=N_RESAMPLES, seed=seed)
    return [round(found.estimate, 6), round(found.low, 6), round(found.high, 6)]


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
    for eps in epsilons:
        chosen = [r for r in records if r["eps"] == eps]
        summary[str(eps)] = {
            "T": float(np.mean([r["T"] for r in chosen])),
            "T_range": [float(min(r["T"] for r in chosen)), float(max(r["T"] for r in chosen))],
            "confidence": float(np.mean([r["confidence"] for r in chosen])),
            "above_bound": None if eps == 0 else float(np.mean([r["above_bound"] for r in chosen])),
            "before": {m: float(np.mean([r["before"][m] for r in chosen])) for m in METRICS},
            "after": {m: float(np.mean([r["after"][m] for r in chosen])) for m in METRICS},
        }
    differences = {}
    base_before, base_after = stacked(0.0, False), stacked(0.0, True)
    for i, eps in enumerate(e for e in epsilons if e != 0.0):
        before, after = stacked(eps, False), stacked(eps, True)
        differences[str(eps)] = {
            "before": {m: _interval(METRICS[m], before, base_before, targets, seed=i) for m in METRICS},
            "after": {m: _interval(METRICS[m], after, base_after, targets, seed=i) for m in METRICS},
            # Smoothing alone against temperature scaling alone.
            "smoothing_vs_scaling": {m: _interval(METRICS[m], before, base_after, targets, seed=i) for m in METRICS},
        }
    return {"summary": summary, "differences": differences}


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
    tasks = [
        (name, fold, seed, eps)
        for name in regimes
        for eps in (REGIMES[name].epsilons if epsilons is None else epsilons)
        for fold, seed in itertools.product(folds, seeds)
    ]
    records = _run(_calibration_task, tasks, jobs, cache)
    results = {"settings": {"folds": list(folds), "seeds": list(seeds), "n_resamples": N_RESAMPLES,
                            "confidence": 0.95}, "regimes": {}}
    for name in regimes:
        mine = [r for r in records if r["regime"] == name]
        entry = {"regime": asdict(REGIMES[name])}
        entry.update(_regime_summary(mine, folds, seeds, sorted({r["eps"] for r in mine})))
        entry["models"] = [
            {key: r[key] for key in ("fold", "seed", "eps", "T", "confidence")}
            | {f"{when} {m}": round(r[when][m], 6) for when in ("before", "after") for m in METRICS}
            for r in mine
        ]
        results["regimes"][name] = entry
    return results


# ---------------------------------------------------------------- chapter 5

TEACHER_HIDDEN, STUDENT_HIDDEN = 64, 16
TEACHER_EPSILONS = (0.0, 0.1)
TEMPERATURES = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
ALPHA = 0.9
OMITTED = 3
BIAS_SHIFTS = tuple(np.round(np.arange(0.0, 15.01, 0.25), 2))
TEMPLATE_CLASSES = (3, 5, 8)
#: The sources of soft targets: two teachers, and two controls made from the unsmoothed one.
SOFT_TEACHERS = ("teacher ε = 0.0", "teacher ε = 0.1", "flattened", "shuffled")
#: The two transfer sets: every training image (30 epochs), or ten labelled images per class (150 epochs).
TRANSFER_SETS = {"full": (None, 30), "scarce": (10, 150)}


def train_teacher(data: DigitsSplit, label_smoothing: float, seed: int) -> Classifier:
    """A teacher of chapter 5: a network of chapter 4's clean regime."""
    return train_network(data, REGIMES["clean"], label_smoothing, seed, fold=0)


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
    return {
        "teacher ε = 0.0": unsmoothed,
        "teacher ε = 0.1": soft_targets(logits[0.1], temperature),
        "flattened": flatten_wrong_classes(unsmoothed, target),
        "shuffled": shuffle_wrong_classes(unsmoothed, target, seed=seed),
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
    fold, seed = task
    data = load_digits_split(fold=fold)
    teachers = {eps: train_teacher(data, eps, seed) for eps in TEACHER_EPSILONS}
    out: dict = {"fold": fold, "seed": seed, "teachers": {}, "omitted": {}}
    for eps, teacher in teachers.items():
        out["teachers"][eps] = _predictions(teacher, data) | {
            "train": teacher.logits(data.x_train),
            "coords_train": _template_coordinates(teacher, data.x_train, data.y_train),
            "coords_test": _template_coordinates(teacher, data.x_test, data.y_test),
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


def _template_coordinates(model: Classifier, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    chosen = np.isin(y, TEMPLATE_CLASSES)
    return project_onto_templates(model.features(x[chosen]), model.templates[list(TEMPLATE_CLASSES)])


def _shifted(logits: np.ndarray, shift: float) -> np.ndarray:
    moved = logits.copy()
    moved[:, OMITTED] += shift
    return moved


def _by_fold(runs, folds) -> dict:
    """The runs of each split, in seed order."""
    return {f: sorted((r for r in runs if r["fold"] == f), key=lambda r: r["seed"]) for f in folds}


def _mean_accuracy_of(stacks, targets) -> float:
    return float(np.mean([accuracy(softmax(z), y) for zs, y in zip(stacks, targets, strict=True) for z in zs]))


#: The comparisons chapter 5 reports, each "first − second".
STUDENT_COMPARISONS = {
    "teacher ε = 0.1 − teacher ε = 0": ("teacher ε = 0.1", "teacher ε = 0.0"),
    "teacher ε = 0 − hard labels": ("teacher ε = 0.0", "hard labels"),
    "teacher ε = 0.1 − hard labels, ε = 0.1": ("teacher ε = 0.1", "hard labels, ε = 0.1"),
    "hard labels, ε = 0.1 − hard labels": ("hard labels, ε = 0.1", "hard labels"),
    "flattened − teacher ε = 0": ("flattened", "teacher ε = 0.0"),
    "shuffled − teacher ε = 0": ("shuffled", "teacher ε = 0.0"),
    "teacher ε = 0.1 − flattened": ("teacher ε = 0.1", "flattened"),
}


def _students_summary(runs, data, folds, transfer: str) -> dict:
    """Chosen temperatures, mean test accuracies and paired intervals for one transfer set."""
    grouped = _by_fold(runs, folds)
    targets = [data[f].y_test for f in folds]

    def stack(name: str, part: str = "test"):
        return [np.stack([r[transfer][name][part] for r in grouped[f]]) for f in folds]

    # The temperature of each source and split: the best validation accuracy of
    # its students, averaged over seeds; ties go to the lower T.
    chosen = {}
    for name in SOFT_TEACHERS:
        for f in folds:
            val = {
                T: np.mean([accuracy(softmax(r[transfer][f"{name}, T = {T:g}"]["val"]), data[f].y_val)
                            for r in grouped[f]])
                for T in TEMPERATURES
            }
            chosen[name, f] = max(TEMPERATURES, key=lambda T, v=val: (v[T], -T))
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
        "accuracy_by_T": {
            f"{name}, T = {T:g}": _mean_accuracy_of(stack(f"{name}, T = {T:g}"), targets)
            for name in SOFT_TEACHERS for T in TEMPERATURES
        },
    }


def distillation_study(
    *, folds: Sequence[int] = FOLDS, seeds: Sequence[int] = SEEDS, jobs: int = 1, cache: Path | None = None
) -> dict:
    """Chapter 5's experiment: teachers, students, controls, the omitted-class test, erasure measures."""
    folds = list(folds)
    runs = _run(_distillation_task, list(itertools.product(folds, seeds)), jobs, cache)
    data = {fold: load_digits_split(fold=fold) for fold in folds}
    targets = [data[f].y_test for f in folds]
    grouped = _by_fold(runs, folds)
    teacher_test = {eps: [np.stack([r["teachers"][eps]["test"] for r in grouped[f]]) for f in folds]
                    for eps in TEACHER_EPSILONS}
    return {
        "settings": {"folds": folds, "seeds": list(seeds), "temperatures": list(TEMPERATURES), "alpha": ALPHA,
                     "n_resamples": N_RESAMPLES, "omitted": OMITTED, "transfer_sets": TRANSFER_SETS},
        "teachers": {str(eps): _mean_accuracy_of(teacher_test[eps], targets) for eps in TEACHER_EPSILONS},
        "teacher_difference": _interval(METRICS["accuracy"], teacher_test[0.1], teacher_test[0.0], targets, seed=0),
        "transfer": {name: _students_summary(runs, data, folds, name) for name in TRANSFER_SETS},
        "omitted": _omitted_summary(runs, data, folds),
        "erasure": _erasure_summary(runs, data, folds),
        "penultimate": _penultimate_summary(runs, data, folds),
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
    """Recall of the omitted digit, with and without a validation-tuned bias shift, per teacher and T."""
    threes = [data[f].y_test == OMITTED for f in folds]
    summary: dict = {"by_T": {}, "chosen": {}, "chosen_shifted": {}, "differences": {}}
    per_teacher = {}
    for eps in TEACHER_EPSILONS:
        for T in TEMPERATURES:
            name = f"teacher ε = {eps}, T = {T:g}"
            raw, shifted, shifts, val_shifted = [], [], [], []
            for f in folds:
                rows = sorted((r for r in runs if r["fold"] == f), key=lambda r: r["seed"])
                zs = [r["omitted"][name] for r in rows]
                best = [best_bias_shift(z["val"], data[f].y_val, OMITTED, BIAS_SHIFTS) for z in zs]
                raw.append(np.stack([z["test"] for z in zs]))
                shifted.append(np.stack([_shifted(z["test"], b) for z, b in zip(zs, best, strict=True)]))
                shifts.extend(best)
                val_shifted.extend(np.mean(_shifted(z["val"], b).argmax(axis=1) == data[f].y_val)
                                   for z, b in zip(zs, best, strict=True))
            per_teacher[eps, T] = (raw, shifted)
            summary["by_T"][name] = {
                "recall": _mean_recall(raw, threes),
                "recall_shifted": _mean_recall(shifted, threes),
                "accuracy": _mean_accuracy(raw, data, folds),
                "accuracy_shifted": _mean_accuracy(shifted, data, folds),
                "val_accuracy": float(np.mean([accuracy(softmax(r["omitted"][name]["val"]), data[r["fold"]].y_val)
                                               for r in runs])),
                "val_accuracy_shifted": float(np.mean(val_shifted)),
                "shift": float(np.mean(shifts)),
            }
        for which in ("val_accuracy", "val_accuracy_shifted"):
            best_T = max(TEMPERATURES, key=lambda T, e=eps, w=which: (summary["by_T"][f"teacher ε = {e}, T = {T:g}"]
                                                                      [w], -T))
            summary["chosen" if which == "val_accuracy" else "chosen_shifted"][str(eps)] = best_T
    only_threes = [np.full(int(t.sum()), OMITTED) for t in threes]

    def recall_interval(eps_a, eps_b, which, seed):
        key = ("chosen", "chosen_shifted")[which]
        a = [z[:, t] for z, t in zip(per_teacher[eps_a, summary[key][str(eps_a)]][which], threes, strict=True)]
        b = [z[:, t] for z, t in zip(per_teacher[eps_b, summary[key][str(eps_b)]][which], threes, strict=True)]
        return _interval(METRICS["accuracy"], a, b, only_threes, seed)

    summary["differences"]["recall, teacher ε = 0 − teacher ε = 0.1"] = recall_interval(0.0, 0.1, 0, 0)
    summary["differences"]["recall after the shift, teacher ε = 0 − teacher ε = 0.1"] = recall_interval(0.0, 0.1, 1, 1)
    return summary


def _mean_recall(stacks, masks) -> float:
    return float(np.mean([np.mean(z[:, m].argmax(axis=-1) == OMITTED) for z, m in zip(stacks, masks, strict=True)]))


def _mean_accuracy(stacks, data, folds) -> float:
    return float(np.mean([np.mean(z.argmax(axis=-1) == data[f].y_test) for z, f in zip(stacks, folds, strict=True)]))


def _erasure_summary(runs, data, folds) -> dict:
    """Entropy of the wrong-class distribution, at the logits' own scale and at 4x, and rank agreement."""
    out: dict = {}
    for part in ("train", "test"):
        entropy, entropy_sharp, agree = {}, {}, {}
        for eps in TEACHER_EPSILONS:
            values, sharp = [], []
            for r in runs:
                y = getattr(data[r["fold"]], f"y_{part}")
                z = r["teachers"][eps][part]
                values.append(normalised_entropy(wrong_class_distribution(softmax(z), y), NUM_CLASSES - 1).mean())
                sharp.append(normalised_entropy(wrong_class_distribution(softmax(4 * z), y), NUM_CLASSES - 1).mean())
            entropy[str(eps)], entropy_sharp[str(eps)] = float(np.mean(values)), float(np.mean(sharp))
        pairs = {"ε = 0 with ε = 0": (0.0, 0.0), "ε = 0.1 with ε = 0.1": (0.1, 0.1), "ε = 0 with ε = 0.1": (0.0, 0.1)}
        by_fold = {}
        for label, (ea, eb) in pairs.items():
            by_fold[label] = []
            for f in folds:
                rows = [r for r in runs if r["fold"] == f]
                y = getattr(data[f], f"y_{part}")
                values = []
                for a, b in itertools.combinations(rows, 2):  # different seeds only
                    first, second = a["teachers"][ea][part], b["teachers"][eb][part]
                    values.append(wrong_class_rank_agreement(first, second, y).mean())
                by_fold[label].append(float(np.mean(values)))
            agree[label] = float(np.mean(by_fold[label]))
        out[part] = {"entropy": entropy, "entropy_logits_times_4": entropy_sharp, "rank_agreement": agree,
                     "rank_agreement_by_fold": by_fold}
    return out


def _penultimate_summary(runs, data, folds) -> dict:
    out: dict = {}
    for part in ("train", "test"):
        labels = [getattr(data[f], f"y_{part}")[np.isin(getattr(data[f], f"y_{part}"), TEMPLATE_CLASSES)]
                  for f in folds]

        def coords(eps, part=part):
            return [np.stack([r["teachers"][eps][f"coords_{part}"]
                              for r in sorted((r for r in runs if r["fold"] == f), key=lambda r: r["seed"])])
                    for f in folds]

        first, second = coords(0.1), coords(0.0)
        metric = cluster_tightness
        out[part] = {
            "tightness": {str(eps): float(np.mean([metric(c, y) for cs, y in zip(coords(eps), labels, strict=True)
                                                   for c in cs])) for eps in TEACHER_EPSILONS},
            "difference": _interval(metric, first, second, labels, seed=0),
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
