"""The full experiments of chapters 4-5, run at toy size: structure, and agreement with a live retrain."""

import json
import subprocess
import sys

import numpy as np
import pytest

from lsbook.experiments import studies
from lsbook.experiments.calibration import fit_temperature
from lsbook.experiments.data import load_digits_split


@pytest.fixture(scope="module")
def calibration():
    return studies._plain(
        studies.calibration_study(regimes=("clean",), folds=(0,), seeds=(0,), epsilons=(0.0, 0.1))
    )


def test_calibration_study_reports_every_score_before_and_after_scaling(calibration):
    regime = calibration["regimes"]["clean"]
    assert set(regime["summary"]) == {"0.0", "0.1"}
    for when in ("before", "after"):
        assert set(regime["summary"]["0.1"][when]) == set(studies.METRICS)
        for metric in studies.METRICS:
            estimate, low, high = regime["differences"]["0.1"][when][metric]
            if studies.INTERVALS[metric] is None:  # the binned ECE: biased, so no interval
                assert low is None and high is None
            elif metric != "accuracy":  # one seed on one split: scores of 360 images differ
                assert low < high
    # The ECE's noise floor and the confidence gap, before and after scaling.
    for when in ("before", "after"):
        summary = regime["summary"]["0.0"]
        assert 0.0 < summary["ece_floor"][when] < 0.2 and 0.0 <= summary["above_floor_q90"][when] <= 1.0
        estimate, low, high = summary["gap"][when]
        assert low <= estimate <= high
    # What scaling changes, for every eps: nothing in accuracy, something in the NLL.
    for eps in ("0.0", "0.1"):
        assert regime["scaling"][eps]["accuracy"] == [0.0, 0.0, 0.0]
        assert regime["scaling"][eps]["NLL"][0] != 0.0
    # Scaling never changes a predicted class, so accuracy is the same before and after.
    assert regime["summary"]["0.1"]["before"]["accuracy"] == regime["summary"]["0.1"]["after"]["accuracy"]
    json.dumps(calibration)  # JSON-ready


def test_a_stored_model_is_reproduced_by_training_it_again(calibration):
    record = next(m for m in calibration["regimes"]["clean"]["models"] if m["eps"] == 0.1)
    data = load_digits_split(fold=0)
    model = studies.train_network(data, studies.REGIMES["clean"], 0.1, seed=0, fold=0)
    temperature = fit_temperature(model.logits(data.x_val), data.y_val)
    assert temperature == pytest.approx(record["T"], abs=1e-5)
    scores = studies.score_logits(model.logits(data.x_test) / temperature, data.y_test)
    for metric, value in scores.items():
        assert value == pytest.approx(record[f"after {metric}"], abs=1e-5)


def test_noisy_regimes_corrupt_the_training_labels_only():
    data = load_digits_split(fold=1)
    noisy = studies.training_labels(data, studies.REGIMES["noisy40"], fold=1)
    assert np.mean(noisy != data.y_train) == pytest.approx(0.4, abs=1 / data.y_train.size)
    assert studies.training_labels(data, studies.REGIMES["clean"], fold=1) is data.y_train


def test_distillation_study_at_toy_size(monkeypatch):
    monkeypatch.setattr(studies, "TEMPERATURES", (2.0,))
    monkeypatch.setattr(studies, "TRANSFER_SETS", {"full": (None, 2), "scarce": (3, 2)})
    results = studies._plain(studies.distillation_study(folds=(0,), seeds=(0, 1)))
    json.dumps(results)
    for transfer in ("full", "scarce"):
        summary = results["transfer"][transfer]
        assert summary["chosen_T"]["flattened"] == [2.0]
        assert set(summary["differences"]) == set(studies.STUDENT_COMPARISONS)
    omitted = results["omitted"]
    assert set(omitted["by_T"]) == {"teacher ε = 0.0, T = 2", "teacher ε = 0.1, T = 2"}
    assert omitted["chosen"] == {"0.0": [2.0], "0.1": [2.0]}  # one split, one temperature to choose from
    estimate, low, high = omitted["at_chosen"]["0.0"]["recall"]
    assert 0.0 <= low <= estimate <= high <= 1.0
    agreement = results["erasure"]["test"]["rank_agreement"]
    assert all(-1.0 <= low <= value <= high <= 1.0 for value, low, high in agreement.values())
    assert len(results["settings"]["template_classes"]) == 3
    low, high = results["penultimate"]["test"]["difference"][1:]
    assert low <= high
    assert len(results["models"]) == 2


def test_a_cache_keeps_the_trained_predictions(tmp_path, monkeypatch):
    cache = tmp_path / "cache.pickle"
    calls = []

    def task(value):
        calls.append(value)
        return {"value": value * 2}

    assert studies._run(task, [1, 2], jobs=1, cache=cache) == [{"value": 2}, {"value": 4}]
    assert studies._run(task, [1, 2], jobs=1, cache=cache) == [{"value": 2}, {"value": 4}]
    assert calls == [1, 2]  # the second call read the cache
    studies._run(task, [3], jobs=1, cache=cache)  # other tasks: computed again
    assert calls == [1, 2, 3]


def test_stored_results_are_found_and_bad_names_rejected(tmp_path, monkeypatch):
    stored = studies.load_results("calibration")  # the committed file the chapter quotes
    assert set(stored["regimes"]) == set(studies.REGIMES)
    assert stored["settings"]["seeds"] == list(studies.SEEDS) and stored["settings"]["folds"] == list(studies.FOLDS)
    with pytest.raises(ValueError, match="name must be one of"):
        studies.write_results("calibrations", tmp_path / "x.json")
    monkeypatch.setattr(studies, "RESULTS_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match="make experiments"):
        studies.load_results("distillation")


def test_the_studies_import_without_processes():
    # The browser's Python (Pyodide) has no _multiprocessing; chapters 4 and 5 import
    # this module there, so it may start processes only when asked to.
    code = "import sys; sys.modules['_multiprocessing'] = None; import lsbook.experiments.studies"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
