"""lsbook.audit: every gallery case of chapter 7 identified, clean losses clean, broken ones reported.

The gallery losses are written again here, independently of the chapter,
and the expected attributes come from formulas, not from the audit. A
second set of implementations is held out of the chapter, so that the
audit is not only right on the cases it was shown with.
"""

from __future__ import annotations

import builtins
import re
import sys

import numpy as np
import pytest

import lsbook
from lsbook.audit import AuditReport

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the PyTorch tests below report themselves as skipped, with this reason
    torch = F = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed: PyTorch losses cannot be audited")

EPS = 0.1
PAD = -100


def log_p(logits):
    return lsbook.log_softmax(logits)


def with_target(q, logits):
    return -(q * log_p(logits)).sum(axis=1).mean()


# The gallery of chapter 7, re-written -------------------------------------------------------


def overwrite_slip(logits, target):
    q = np.full(logits.shape, EPS / logits.shape[1])
    q[np.arange(len(target)), target] = 1 - EPS
    return with_target(q, logits)


def scaled_one_hot(logits, target):
    k = logits.shape[1]
    return with_target(np.eye(k)[target] * (1 - EPS / k) + EPS / k, logits)


def one_over_k(logits, target):
    k = logits.shape[1]
    return with_target((1 - EPS) * np.eye(k)[target] + 1 / k, logits)


def fastai_2019(logits, target):
    k = logits.shape[1]
    nll = -log_p(logits)[np.arange(len(target)), target]
    return np.mean(-log_p(logits).sum(axis=1) * EPS / (k - 1) + (1 - EPS * k / (k - 1)) * nll)


def pytorch_semantics(logits, target):
    return lsbook.cross_entropy(logits, target, label_smoothing=EPS)


def class_weights(k):
    return np.array([0.1] + [0.9] * (k - 1))


def class_weighted(logits, target):
    return lsbook.cross_entropy(logits, target, label_smoothing=EPS, weight=class_weights(logits.shape[1]))


def row_weighted(logits, target):
    w = class_weights(logits.shape[1])[target]
    rows = lsbook.cross_entropy(logits, target, label_smoothing=EPS, reduction="none")
    return (w * rows).sum() / w.sum()


def mixed_form(logits, target):
    nll = -log_p(logits)[np.arange(len(target)), target]
    return np.mean((1 - EPS) * nll - EPS * log_p(logits).mean(axis=1))


def masked_mean(logits, target):
    keep = target != PAD
    rows = lsbook.cross_entropy(logits, np.where(keep, target, 0), label_smoothing=EPS, reduction="none")
    return (rows * keep).mean()


def smoothing_unmasked(logits, target):
    keep = target != PAD
    nll = -log_p(logits)[np.arange(len(target)), np.where(keep, target, 0)]
    rows = (1 - EPS) * nll * keep - EPS * log_p(logits).mean(axis=1)
    return rows.sum() / keep.sum()


def tutorial_target(target, k, pad=0):
    q = np.full((len(target), k), EPS / (k - 2))
    q[np.arange(len(target)), target] = 1 - EPS
    q[:, pad] = 0
    q[target == pad] = 0
    return q


def kl_sum(q, log_probs):
    mass = q > 0
    return np.sum(q[mass] * (np.log(q[mass]) - log_probs[mass]))


def kl_smoothing(logits, target):
    return kl_sum(tutorial_target(target, logits.shape[1]), np.log(lsbook.softmax(logits)))


def kl_smoothing_fixed(logits, target):
    return kl_sum(tutorial_target(target, logits.shape[1]), log_p(logits))


def uniform(k, eps=EPS):
    return lsbook.smooth_labels(0, k, eps)


def entropy_of(q):
    q = q[q > 0]
    return float(-(q * np.log(q)).sum())


# (loss, audit options, expected attributes); the target is that of a class-0 row at the first K
GALLERY = {
    "overwrite slip": (overwrite_slip, {}, dict(
        target=[1 - EPS, EPS / 3, EPS / 3], target_sum=1 - EPS / 3, convention="other", effective_epsilon=None,
        form="cross-entropy", reduction="mean", padding=None, stable=True, matches_pytorch=False,
        words=["sums to 0.9667", "changes with K"])),
    "pytorch-randaugment#30": (scaled_one_hot, {}, dict(
        target=[1, EPS / 3, EPS / 3], target_sum=1 + 2 * EPS / 3, convention="other", effective_epsilon=None,
        form="cross-entropy", reduction="mean", padding=None, stable=True, matches_pytorch=False,
        words=["sums to 1.0667"])),
    "ConvE#55": (one_over_k, {}, dict(
        target=[1 - EPS + 1 / 3, 1 / 3, 1 / 3], target_sum=2 - EPS, convention="uniform",
        effective_epsilon=1 / (2 - EPS), form="cross-entropy", reduction="mean", padding=None, stable=True,
        matches_pytorch=False, words=["strength is \u03b5 = 0.5263"])),
    "fastai#1814": (fastai_2019, {}, dict(
        target=[1 - EPS, EPS / 2, EPS / 2], target_sum=1.0, convention="others", effective_epsilon=EPS,
        form="cross-entropy", reduction="mean", padding=None, stable=True, matches_pytorch=False,
        words=["K \u2212 1 wrong classes"])),
    "pytorch#148884": (pytorch_semantics, dict(convention="others", num_classes=(2, 3, 4)), dict(
        target=[1 - EPS / 2, EPS / 2], target_sum=1.0, convention="uniform", effective_epsilon=EPS,
        form="cross-entropy", reduction="mean", padding=None, stable=True, matches_pytorch=False,
        words=["all K classes", "0.9500 at K = 2 instead of 0.9000"])),
    "pytorch#104776": (class_weighted, dict(num_classes=(2, 3, 4)), dict(
        # one row: the loss is sum_k w_k q_k (-log p_k) / w_0, so t = w q / w_0
        target=[1 - EPS / 2, 0.9 * EPS / 2 / 0.1], target_sum=1 - EPS / 2 + 0.9 * EPS / 2 / 0.1,
        convention="other", effective_epsilon=None, form="cross-entropy", reduction="weighted mean",
        padding=None, stable=True, matches_pytorch=False, words=["depends on the true class", "0.6786"])),
    "lxztju#9": (mixed_form, dict(num_classes=(10, 3, 4)), dict(
        target=uniform(10), target_sum=1.0, convention="uniform", effective_epsilon=EPS, form="cross-entropy",
        reduction="mean", padding=None, stable=True, matches_pytorch=True, words=[])),
    "segmentation_models.pytorch#852": (masked_mean, dict(ignore_index=PAD), dict(
        target=uniform(3), target_sum=1.0, convention="uniform", effective_epsilon=EPS, form="cross-entropy",
        reduction="mean", padding="masked but counted in the mean", stable=True, matches_pytorch=False,
        words=["masked but counted", "2 of 5 rows"])),
    "pytorch#73205": (smoothing_unmasked, dict(ignore_index=PAD), dict(
        target=uniform(3), target_sum=1.0, convention="uniform", effective_epsilon=EPS, form="cross-entropy",
        reduction="mean", padding="included", stable=True, matches_pytorch=False,
        words=["still get gradient", "toward [0.3333, 0.3333, 0.3333]"])),
    "annotated-transformer#109": (kl_smoothing, dict(ignore_index=0), dict(
        target=[0.0, 1 - EPS, EPS], target_sum=1.0, convention="other", effective_epsilon=None, form="kl",
        reduction="sum", padding="excluded", stable=False, matches_pytorch=False,
        words=["padding class 0 gets nothing", "underflowed", "KL divergence", "sums over the rows"])),
}

CORRECTED = {
    "overwrite slip": (lambda z, y: with_target(lsbook.smooth_labels(y, z.shape[1], EPS), z), {}),
    "pytorch-randaugment#30": (lambda z, y: with_target(np.eye(z.shape[1])[y] * (1 - EPS) + EPS / z.shape[1], z),
                               {}),
    "ConvE#55": (lambda z, y: with_target((1 - EPS) * np.eye(z.shape[1])[y] + EPS / z.shape[1], z), {}),
    "fastai#1814 (others meant)": (fastai_2019, dict(convention="others")),
    "pytorch#148884 (others meant)": (
        lambda z, y: lsbook.cross_entropy(z, y, label_smoothing=EPS * z.shape[1] / (z.shape[1] - 1)),
        dict(convention="others")),
    "lxztju#9": (mixed_form, {}),
    "segmentation_models.pytorch#852": (
        lambda z, y: lsbook.cross_entropy(z, y, label_smoothing=EPS, ignore_index=PAD), dict(ignore_index=PAD)),
    "pytorch#73205": (
        lambda z, y: lsbook.cross_entropy(z, y, label_smoothing=EPS, ignore_index=PAD), dict(ignore_index=PAD)),
}


def audit(loss, **options) -> AuditReport:
    return lsbook.audit(loss, label_smoothing=EPS, **options)


def assert_attributes(report: AuditReport, expected: dict) -> None:
    assert report.error is None, report.error
    if expected["target"] is None:
        assert report.target is None and report.target_sum is None
    else:
        np.testing.assert_allclose(report.target, expected["target"], atol=1e-5)
        assert report.target_sum == pytest.approx(expected["target_sum"], abs=1e-5)
    assert report.convention == expected["convention"]
    if expected["effective_epsilon"] is None:
        assert report.effective_epsilon is None
    else:
        assert report.effective_epsilon == pytest.approx(expected["effective_epsilon"], abs=1e-5)
    for name in ("form", "reduction", "padding", "stable", "matches_pytorch"):
        assert getattr(report, name) == expected[name], (name, getattr(report, name), report.findings)
    text = " ".join(report.findings)
    for words in expected["words"]:
        assert words in text, (words, report.findings)


@pytest.mark.parametrize("case", GALLERY, ids=list(GALLERY))
def test_gallery_case_is_identified(case):
    loss, options, expected = GALLERY[case]
    assert_attributes(audit(loss, **options), expected)


@pytest.mark.parametrize("case", CORRECTED, ids=list(CORRECTED))
def test_corrected_gallery_case_is_clean(case):
    loss, options = CORRECTED[case]
    report = audit(loss, **options)
    assert report.ok and report.findings == [], str(report)


def test_weighting_rows_keeps_the_target_but_is_reported():
    report = audit(row_weighted, num_classes=(2, 3, 4))
    np.testing.assert_allclose(report.optimum, [1 - EPS / 2, EPS / 2], atol=1e-6)
    assert report.convention == "uniform" and report.reduction == "weighted mean" and not report.ok


def test_class_weights_move_the_optimum_to_the_weighted_target():
    # K = 2, w = [0.1, 0.9], true class 0: p proportional to w * q, about 0.679 on the true class
    w, q = np.array([0.1, 0.9]), np.array([1 - EPS / 2, EPS / 2])
    report = audit(class_weighted, num_classes=(2, 3))
    np.testing.assert_allclose(report.optimum, w * q / (w * q).sum(), atol=1e-6)


def test_the_kl_tutorial_fixed_is_stable_and_keeps_its_design():
    report = audit(kl_smoothing_fixed, ignore_index=0)
    assert report.stable and report.form == "kl" and report.reduction == "sum" and not report.ok


def test_floor_is_the_entropy_of_the_target():
    report = audit(mixed_form, num_classes=(10, 3))
    assert report.floor == pytest.approx(entropy_of(uniform(10)), abs=1e-8)


def test_floor_of_a_kl_loss_is_zero():
    assert audit(kl_smoothing_fixed, ignore_index=0).floor == pytest.approx(0.0, abs=1e-8)


# Clean implementations: lsbook's and PyTorch's own ------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_lsbook_cross_entropy_is_clean_with_every_reduction(reduction):
    report = audit(lambda z, y: lsbook.cross_entropy(z, y, label_smoothing=EPS, reduction=reduction))
    assert report.ok and report.reduction == reduction
    assert report.convention == "uniform" and report.effective_epsilon == pytest.approx(EPS)
    assert (report.findings == []) == (reduction != "sum")  # a sum is reported: the gradient grows with N


def test_lsbook_cross_entropy_with_padding_is_clean():
    report = audit(lambda z, y: lsbook.cross_entropy(z, y, label_smoothing=EPS, ignore_index=PAD),
                   ignore_index=PAD)
    assert report.ok and report.padding == "excluded" and report.findings == []


def test_lsbook_others_convention_is_clean_when_meant():
    report = audit(lambda z, y: lsbook.cross_entropy(z, y, label_smoothing=EPS, convention="others"),
                   convention="others")
    assert report.ok and report.convention == "others"


@needs_torch
def test_torch_cross_entropy_is_clean():
    report = audit(lambda z, y: F.cross_entropy(z, y, label_smoothing=EPS), framework="torch")
    assert report.ok and report.findings == [] and report.convention == "uniform"
    np.testing.assert_allclose(report.target, uniform(3), atol=1e-12)  # autograd: exact up to round-off


@needs_torch
def test_torch_cross_entropy_with_ignore_index_is_clean():
    report = audit(lambda z, y: F.cross_entropy(z, y, label_smoothing=EPS, ignore_index=PAD), framework="torch",
                   ignore_index=PAD)
    assert report.ok and report.padding == "excluded"


@needs_torch
def test_torch_class_weights_give_the_same_findings_as_lsbook():
    def torch_weighted(z, y):
        w = torch.tensor(class_weights(z.shape[1]), dtype=z.dtype)
        return F.cross_entropy(z, y, label_smoothing=EPS, weight=w)

    by_torch = audit(torch_weighted, framework="torch", num_classes=(2, 3, 4))
    by_numpy = audit(class_weighted, num_classes=(2, 3, 4))
    assert by_torch.findings == by_numpy.findings
    for k in (2, 3, 4):
        np.testing.assert_allclose(by_torch.targets[k], by_numpy.targets[k], atol=1e-8)


@needs_torch
def test_torch_in_float32_is_still_clean():
    report = audit(lambda z, y: F.cross_entropy(z.float(), y, label_smoothing=EPS), framework="torch")
    assert report.ok, str(report)


@needs_torch
def test_torch_slip_is_found_from_autograd():
    def torch_slip(z, y):
        q = torch.full_like(z, EPS / z.shape[1])
        q[torch.arange(len(y)), y] = 1 - EPS
        return -(q * F.log_softmax(z, dim=1)).sum(dim=1).mean()

    assert_attributes(audit(torch_slip, framework="torch"), GALLERY["overwrite slip"][2])


# Broken callables: a report, never a traceback -------------------------------------------------


def _raises(z, y):
    raise RuntimeError("boom")


BROKEN_NUMPY = [
    ("raises", _raises, "raised RuntimeError: boom"),
    ("returns None", lambda z, y: None, "returned None"),
    ("returns a string", lambda z, y: "0.5", "returned a str"),
    ("returns the logits", lambda z, y: z, "returned shape (5, 3)"),
    ("returns a list of two", lambda z, y: [1.0, 2.0], "returned shape (2,)"),
    ("returns nan", lambda z, y: np.nan, "returned nan"),
    ("returns nan for some rows", lambda z, y: np.where(y == 1, np.nan, 1.0), "nan"),
    ("returns a boolean", lambda z, y: True, "returned a bool"),
    ("returns a dict", lambda z, y: {"loss": 1.0}, "returned a dict"),
    ("returns a complex number", lambda z, y: 1 + 2j, "returned a complex"),
    pytest.param("returns a torch tensor", lambda z, y: torch.tensor(1.0), 'framework="torch"', marks=needs_torch,
                 id="returns a torch tensor"),
    ("breaks on one row", lambda z, y: z[1, 0] + 0.0 * z.sum(), "single row"),
]
BROKEN_NUMPY = [case if hasattr(case, "marks") else pytest.param(*case, id=case[0]) for case in BROKEN_NUMPY]


@pytest.mark.parametrize("name, loss, words", BROKEN_NUMPY)
def test_broken_numpy_callables_get_a_report(name, loss, words):
    report = audit(loss)
    assert report.error is not None and words in report.error, report.error
    assert not report.ok and report.findings == [report.error]
    assert report.target is None and report.convention is None
    assert "could not be audited" in str(report) and "could not be audited" in report._repr_html_()


BROKEN_TORCH = [
    ("returns a float", lambda z, y: float(F.cross_entropy(z, y)), "returned a float, not a tensor"),
    ("detaches", lambda z, y: F.cross_entropy(z, y).detach(), "does not depend on the logits"),
    ("returns numpy", lambda z, y: F.cross_entropy(z, y).detach().numpy(), "returned a numpy.ndarray"),
    ("raises", lambda z, y: z[100], "raised IndexError"),
    ("wrong shape", lambda z, y: F.log_softmax(z, dim=1), "returned shape"),
]


@needs_torch
@pytest.mark.parametrize("name, loss, words", BROKEN_TORCH, ids=[b[0] for b in BROKEN_TORCH])
def test_broken_torch_callables_get_a_report(name, loss, words):
    report = audit(loss, framework="torch")
    assert report.error is not None and words in report.error, report.error
    assert not report.ok


def test_a_loss_that_cannot_take_padding_is_reported_not_raised():
    def no_padding_support(z, y):
        return with_target(lsbook.smooth_labels(y, z.shape[1], EPS), z)  # smooth_labels rejects -100

    report = audit(no_padding_support, ignore_index=PAD)
    assert report.error is None and report.padding == "fails" and not report.ok
    assert "not handled" in report.findings[0] and "ValueError" in report.findings[0]


def test_a_loss_that_breaks_only_at_large_logits_is_unstable_not_broken():
    def overflows(z, y):
        if np.abs(z).max() > 100:
            raise OverflowError("too large")
        return pytorch_semantics(z, y)

    report = audit(overflows)
    assert report.error is None and report.stable is False and "OverflowError" in report.findings[0]


def test_no_warning_escapes_the_audit(recwarn):
    audit(kl_smoothing, ignore_index=0)  # takes log(0) inside
    assert len(recwarn) == 0


# PyTorch is optional --------------------------------------------------------------------------


def test_framework_torch_without_torch_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    with pytest.raises(ImportError, match=r'framework="torch" needs PyTorch.*install torch'):
        audit(pytorch_semantics, framework="torch")


def test_numpy_audits_need_no_torch(monkeypatch):
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("no torch here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    assert audit(pytorch_semantics).ok


# Bad arguments to the audit itself --------------------------------------------------------


@pytest.mark.parametrize(
    "options, error, words",
    [
        (dict(loss_fn=42), TypeError, "loss_fn must be callable"),
        (dict(label_smoothing=1.5), ValueError, "label_smoothing"),
        (dict(label_smoothing="0.1"), TypeError, "label_smoothing"),
        (dict(framework="jax"), ValueError, "framework"),
        (dict(num_classes=(1, 3)), ValueError, "at least 2"),
        (dict(num_classes=(3, 3)), ValueError, "repeat"),
        (dict(num_classes="347"), TypeError, "num_classes"),
        (dict(num_classes=()), TypeError, "num_classes"),
        (dict(num_classes=(3.5,)), TypeError, "integer"),
        (dict(ignore_index=1.5), TypeError, "ignore_index"),
        (dict(convention="fairseq"), ValueError, "convention"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(options, error, words):
    arguments = dict(loss_fn=pytorch_semantics, label_smoothing=EPS) | options
    loss_fn = arguments.pop("loss_fn")
    with pytest.raises(error, match=words):
        lsbook.audit(loss_fn, **arguments)


def test_label_smoothing_is_keyword_only():
    with pytest.raises(TypeError):
        lsbook.audit(pytorch_semantics, EPS)


def test_a_single_class_count_is_accepted():
    report = audit(pytorch_semantics, num_classes=4)
    assert report.ok and report.num_classes == (4,) and len(report.target) == 4


# The report as text and as a table --------------------------------------------------------


def test_report_text_is_readable_and_deterministic():
    first, second = str(audit(kl_smoothing, ignore_index=0)), str(audit(kl_smoothing, ignore_index=0))
    assert first == second
    assert first.splitlines()[1].startswith("Verdict: does not match F.cross_entropy with label_smoothing=0.1")
    assert re.search(r"^  1\. ", first, re.MULTILINE) and re.search(r"^  4\. ", first, re.MULTILINE)
    assert max(len(line) for line in first.splitlines()[2:]) <= 80
    assert "0x" not in first and repr(audit(kl_smoothing, ignore_index=0)) == first


def test_report_html_is_a_small_escaped_table():
    page = audit(lambda z, y: pytorch_semantics(z, y))._repr_html_()
    assert page.count("<tr>") == 9 and '<th scope="row">' in page and "<caption>" in page
    assert "&lt;lambda&gt;" in page and "<lambda>" not in page and "<ol>" not in page  # clean: no findings
    assert "<ol><li>" in audit(overwrite_slip)._repr_html_()


def test_verdict_names_the_reference_call():
    assert audit(pytorch_semantics).verdict == "matches F.cross_entropy with label_smoothing=0.1"
    others = audit(fastai_2019, convention="others").verdict
    assert others == "matches F.cross_entropy with label_smoothing=0.1 * K / (K - 1)"


def test_the_match_row_names_what_was_compared():
    # With the others convention meant, PyTorch's own loss does not match, and
    # a row called "matches PyTorch: no" would read as a contradiction.
    plain = audit(pytorch_semantics)
    meant_others = audit(pytorch_semantics, convention="others", num_classes=(2, 3, 4))
    assert "  matches PyTorch " in str(plain) and "matches what was meant" not in str(plain)
    assert re.search(r"^  matches what was meant +no$", str(meant_others), re.MULTILINE)
    assert "matches PyTorch" not in str(meant_others)
    assert '<th scope="row">matches what was meant</th><td>no</td>' in meant_others._repr_html_()


# Held out of the chapter: other implementations, other slips ---------------------------------


def deepcase_leftover(logits, target):
    # Thijsvanede/DeepCASE#8: eps/(K-2) left over from a version that zeroed one class
    k = logits.shape[1]
    q = np.full(logits.shape, EPS / (k - 2))
    q[np.arange(len(target)), target] = 1 - EPS
    return with_target(q, logits)


def binary_shifted(logits, target):
    # eladhoffer/utils.pytorch#13, as a two-class softmax: the target of class 1 is (1 + eps) / 2
    p1 = (target + EPS) / 2
    q = np.stack([1 - p1, p1], axis=1)
    return with_target(q, logits)


def padding_in_denominator(logits, target):
    # eladhoffer/utils.pytorch#4: the mean over every position, padding included
    keep = target != PAD
    q = lsbook.smooth_labels(np.where(keep, target, 0), logits.shape[1], EPS)
    return np.sum(-(q * log_p(logits)).sum(axis=1) * keep) / len(target)


def off_target_mass(logits, target):
    # paiml/aprender#2199: (1 - eps)/C of mass on every class where eps/C was meant
    nll = -log_p(logits)[np.arange(len(target)), target]
    return np.mean((1 - EPS) * nll - (1 - EPS) * log_p(logits).mean(axis=1))


def fairseq_style(logits, target, pad=1):
    # fairseq's criterion: eps/(K-1) around a true class of 1 - eps, padding rows masked, summed
    k = logits.shape[1]
    nll = -log_p(logits)[np.arange(len(target)), target]
    smooth = -log_p(logits).sum(axis=1)
    rows = (1 - EPS - EPS / (k - 1)) * nll + EPS / (k - 1) * smooth
    return np.sum(rows * (target != pad))


def hugging_face_style(logits, target):
    # the Trainer's smoother: a mean over the real tokens of (1 - eps) nll + eps mean(-log p)
    keep = target != PAD
    nll = -log_p(logits)[np.arange(len(target)), np.where(keep, target, 0)]
    rows = (1 - EPS) * nll - EPS * log_p(logits).mean(axis=1)
    return np.sum(rows * keep) / keep.sum()


def focal_smoothed(logits, target, gamma=2.0):
    q = lsbook.smooth_labels(target, logits.shape[1], EPS)
    p = lsbook.softmax(logits)
    return np.mean(-(q * (1 - p) ** gamma * log_p(logits)).sum(axis=1))


def temperature_inside(logits, target):
    return lsbook.cross_entropy(logits / 2.0, target, label_smoothing=EPS)


def confidence_penalty(logits, target):
    return lsbook.cross_entropy(logits, target) + lsbook.confidence_penalty(logits, 0.3)


def clipped_log(logits, target):
    q = lsbook.smooth_labels(target, logits.shape[1], EPS)
    return np.mean(-(q * np.log(lsbook.softmax(logits) + 1e-7)).sum(axis=1))


def negated(logits, target):
    return -pytorch_semantics(logits, target)


def doubled(logits, target):
    return 2 * pytorch_semantics(logits, target)


def hard_labels(logits, target):
    return lsbook.cross_entropy(logits, target)


def per_row(logits, target):
    return lsbook.cross_entropy(logits, target, label_smoothing=EPS, reduction="none")


def modifies_its_input(logits, target):
    logits -= logits.max(axis=1, keepdims=True)  # in place: the audit must hand over copies
    return pytorch_semantics(logits, target)


HELD_OUT = {
    "DeepCASE#8 leftover": (deepcase_leftover, {}, dict(
        target=[1 - EPS, EPS, EPS], target_sum=1 + EPS, convention="other", effective_epsilon=None,
        form="cross-entropy", reduction="mean", padding=None, stable=True, matches_pytorch=False,
        words=["sums to 1.1000 at K = 3"])),
    "utils.pytorch#13 binary": (binary_shifted, dict(num_classes=(2,)), dict(
        target=[1 - EPS / 2, EPS / 2], target_sum=1.0, convention="other", effective_epsilon=None,
        form="cross-entropy", reduction="mean", padding=None, stable=True, matches_pytorch=False,
        words=["depends on the true class", "0.5500 when the true class is 1"])),
    "utils.pytorch#4 denominator": (padding_in_denominator, dict(ignore_index=PAD), dict(
        target=uniform(3), target_sum=1.0, convention="uniform", effective_epsilon=EPS, form="cross-entropy",
        reduction="mean", padding="masked but counted in the mean", stable=True, matches_pytorch=False,
        words=["masked but counted"])),
    "aprender#2199 off-target mass": (off_target_mass, {}, dict(
        target=[1 - EPS + (1 - EPS) / 3, (1 - EPS) / 3, (1 - EPS) / 3], target_sum=2 * (1 - EPS),
        convention="uniform", effective_epsilon=0.5, form="cross-entropy", reduction="mean", padding=None,
        stable=True, matches_pytorch=False, words=["sums to 1.8000", "strength is \u03b5 = 0.5"])),
    "fairseq style": (fairseq_style, dict(ignore_index=1, convention="others"), dict(
        target=[1 - EPS, EPS / 2, EPS / 2], target_sum=1.0, convention="others", effective_epsilon=EPS,
        form="cross-entropy", reduction="sum", padding="excluded", stable=True, matches_pytorch=True,
        words=["sums over the rows"])),
    "Hugging Face style": (hugging_face_style, dict(ignore_index=PAD), dict(
        target=uniform(3), target_sum=1.0, convention="uniform", effective_epsilon=EPS, form="cross-entropy",
        reduction="mean", padding="excluded", stable=True, matches_pytorch=True, words=[])),
    "focal loss": (focal_smoothed, {}, dict(
        target=None, convention="other", effective_epsilon=None, form="other", reduction="mean", padding=None,
        stable=True, matches_pytorch=False, words=["not a cross-entropy against a target"])),
    "temperature inside": (temperature_inside, {}, dict(
        target=None, convention="other", effective_epsilon=None, form="other", reduction="mean", padding=None,
        stable=True, matches_pytorch=False, words=["not a cross-entropy against a target"])),
    "confidence penalty": (confidence_penalty, {}, dict(
        target=None, convention="other", effective_epsilon=None, form="other", reduction="mean", padding=None,
        stable=True, matches_pytorch=False, words=["not a cross-entropy against a target"])),
    "clipped logarithm": (clipped_log, {}, dict(
        target=uniform(3), target_sum=1.0, convention="uniform", effective_epsilon=EPS, form="cross-entropy",
        reduction="mean", padding=None, stable=False, matches_pytorch=False, words=["clipped logarithm"])),
    "doubled": (doubled, {}, dict(
        target=2 * uniform(3), target_sum=2.0, convention="uniform", effective_epsilon=EPS, form="cross-entropy",
        reduction="mean", padding=None, stable=True, matches_pytorch=False,
        words=["a learning rate 2 times the one meant"])),
    "hard labels": (hard_labels, {}, dict(
        target=[1.0, 0.0, 0.0], target_sum=1.0, convention="uniform", effective_epsilon=0.0,
        form="cross-entropy", reduction="mean", padding=None, stable=True, matches_pytorch=False,
        words=["does not smooth at all"])),
    "per row": (per_row, {}, dict(
        target=uniform(3), target_sum=1.0, convention="uniform", effective_epsilon=EPS, form="cross-entropy",
        reduction="none", padding=None, stable=True, matches_pytorch=True, words=[])),
    "modifies its input": (modifies_its_input, {}, dict(
        target=uniform(3), target_sum=1.0, convention="uniform", effective_epsilon=EPS, form="cross-entropy",
        reduction="mean", padding=None, stable=True, matches_pytorch=True, words=[])),
}


@pytest.mark.parametrize("case", HELD_OUT, ids=list(HELD_OUT))
def test_held_out_implementation_is_identified(case):
    loss, options, expected = HELD_OUT[case]
    assert_attributes(audit(loss, **options), expected)


def test_a_loss_without_a_minimum_is_named():
    report = audit(negated)
    assert report.optimum is None and report.floor is None and not report.ok
    assert "no minimum" in report.findings[0]


@needs_torch
def test_a_value_that_is_not_the_trained_loss_is_named():
    def logs_one_loss_trains_another(z, y):
        smoothed = F.cross_entropy(z, y, label_smoothing=EPS)
        hard = F.cross_entropy(z, y)
        return smoothed.detach() + hard - hard.detach()  # logs the smoothed loss, trains the hard one

    report = audit(logs_one_loss_trains_another, framework="torch")
    assert "not the loss its gradient trains" in report.findings[0] and not report.ok


def test_a_float32_numpy_loss_is_audited_with_looser_tolerances():
    report = audit(lambda z, y: lsbook.cross_entropy(z.astype(np.float32), y, label_smoothing=EPS))
    assert report.ok, str(report)
