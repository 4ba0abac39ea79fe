"""Benchmark of lsbook's label-smoothed cross-entropy against two baselines.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_loss.py``).
On the same float32 inputs, for each size (N, K), it times

- ``lsbook.cross_entropy`` (the loss alone) and the loss plus
  ``lsbook.cross_entropy_grad``;
- a straightforward NumPy version that builds the smoothed target and the
  full log-softmax (and, for the gradient, the full softmax);
- ``torch.nn.functional.cross_entropy(label_smoothing=...)`` on the CPU,
  forward and forward + backward, when PyTorch is installed;
- one streaming read of the logits (``logits.sum()``): the physical floor.

It reports the median time of repeated runs, ratios to the baselines and to
the floor, the peak extra memory of the NumPy code (tracemalloc) and, at the
largest size, the peak extra resident memory of every method (each in a fresh
process), checks the goals, and writes everything with a description of the
machine to ``benchmarks/results.json``. Chapter 6 quotes its figures from
that file. Timings depend on the machine and on what else runs on it: the
load average is recorded with them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's lsbook

import lsbook  # noqa: E402

try:
    import torch
except ImportError:  # an optional baseline
    torch = None

RESULTS = Path(__file__).resolve().parent / "results.json"
TORCH_HINT = "PyTorch is not installed; to compare with it: .venv/bin/pip install torch"
EPSILON = 0.1
SEED = 0
#: (N, K) and the number of timed repeats at that size.
SIZES = [((256, 10), 41), ((4096, 1000), 15), ((2048, 32000), 5)]

#: Goals for the loss, checked at every size (see the README of this folder).
GOALS = {
    "loss_vs_numpy": ("loss alone vs the straightforward NumPy loss", "<=", 1 / 3),
    "loss_vs_torch_forward": ("loss alone vs PyTorch forward", "<=", 0.6),
    "loss_grad_vs_torch_backward": ("loss + gradient vs PyTorch forward + backward", "<=", 0.4),
    "loss_memory_fraction": ("extra memory of the loss alone / size of the logits", "<", 0.05),
    "loss_vs_floor": ("loss alone vs one streaming read of the logits", "<=", 6.0),
}


# The methods ------------------------------------------------------------------------------------


def naive_target_and_log_p(z, labels, epsilon):
    """The textbook way: the full (N, K) smoothed target and the full log-softmax."""
    n, k = z.shape
    target = np.full(z.shape, epsilon / k, dtype=z.dtype)
    target[np.arange(n), labels] += 1 - epsilon
    shifted = z - z.max(axis=1, keepdims=True)
    return target, shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def naive_loss(z, labels, epsilon):
    """The textbook version of the loss."""
    target, log_p = naive_target_and_log_p(z, labels, epsilon)
    return -(target * log_p).sum(axis=1).mean()


def naive_loss_grad(z, labels, epsilon):
    """The textbook version of the loss and its gradient (p - q) / N."""
    target, log_p = naive_target_and_log_p(z, labels, epsilon)
    loss = -(target * log_p).sum(axis=1).mean()
    return loss, (np.exp(log_p) - target) / z.shape[0]


def lsbook_loss(z, labels, epsilon):
    return lsbook.cross_entropy(z, labels, label_smoothing=epsilon)


def lsbook_loss_grad(z, labels, epsilon):
    loss = lsbook.cross_entropy(z, labels, label_smoothing=epsilon)
    return loss, lsbook.cross_entropy_grad(z, labels, label_smoothing=epsilon)


def torch_methods(z, labels, epsilon):
    """PyTorch's forward and forward + backward on the same memory as ``z``."""
    logits, target = torch.from_numpy(z), torch.from_numpy(labels)

    def forward():
        with torch.no_grad():
            return torch.nn.functional.cross_entropy(logits, target, label_smoothing=epsilon)

    def forward_backward():
        leaf = logits.detach().requires_grad_()
        loss = torch.nn.functional.cross_entropy(leaf, target, label_smoothing=epsilon)
        loss.backward()
        return loss, leaf.grad

    return forward, forward_backward


def make_inputs(n, k):
    rng = np.random.default_rng(SEED)
    z = rng.standard_normal((n, k), dtype=np.float32) * np.float32(2.0)
    return z, rng.integers(0, k, size=n)


def methods_for(z, labels):
    """Name -> zero-argument callable, on the same inputs."""
    methods = {
        "floor_read": z.sum,
        "lsbook_loss": lambda: lsbook_loss(z, labels, EPSILON),
        "lsbook_loss_grad": lambda: lsbook_loss_grad(z, labels, EPSILON),
        "numpy_loss": lambda: naive_loss(z, labels, EPSILON),
        "numpy_loss_grad": lambda: naive_loss_grad(z, labels, EPSILON),
    }
    if torch is not None:
        methods["torch_forward"], methods["torch_forward_backward"] = torch_methods(z, labels, EPSILON)
    return methods


# Measuring ---------------------------------------------------------------------------------------


def median_seconds(methods, repeats):
    """Median wall time of every method; the methods take turns within each repeat.

    Taking turns spreads any change in the machine's load over all methods
    alike, which keeps their ratios meaningful on a busy machine.
    """
    for function in methods.values():
        function()  # warm up: first-touch page faults, thread start-up
    times = {name: [] for name in methods}
    for _ in range(repeats):
        for name, function in methods.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def traced_peak_bytes(function):
    """Peak bytes allocated through Python's tracer while ``function`` runs (NumPy only)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _status_kib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def resident_peak_child(method, n, k, threads):
    """In a fresh process: extra peak resident memory of one call of ``method`` (bytes)."""
    configure_threads(threads)
    z, labels = make_inputs(n, k)
    small_z, small_labels = make_inputs(64, k)
    methods_for(small_z, small_labels)[method]()  # load code paths and thread pools first
    function = methods_for(z, labels)[method]
    Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark (Linux)
    before = _status_kib("VmRSS")
    function()
    return (_status_kib("VmHWM") - before) * 1024


def resident_peaks(n, k, threads, methods):
    """Each method in its own process, so no method inherits another's memory."""
    if not Path("/proc/self/clear_refs").exists():
        return {method: None for method in methods}
    peaks = {}
    for method in methods:
        command = [sys.executable, __file__, "--rss-child", method, str(n), str(k), str(threads)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        peaks[method] = int(done.stdout.strip()) if done.returncode == 0 else None
    return peaks


def configure_threads(threads):
    lsbook.set_num_threads(threads)
    if torch is not None:
        torch.set_num_threads(threads)


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(threads):
    return {
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": None if torch is None else torch.__version__,
        "lsbook_threads": threads,
        "torch_threads": None if torch is None else torch.get_num_threads(),
        "load_average_start": list(os.getloadavg()),
    }


# The report --------------------------------------------------------------------------------------


def measure_size(n, k, repeats, threads, with_rss):
    z, labels = make_inputs(n, k)
    methods = methods_for(z, labels)
    seconds = median_seconds(methods, repeats)
    traced = {name: traced_peak_bytes(methods[name]) for name in methods if not name.startswith(("torch", "floor"))}
    reference = float(naive_loss(z.astype(np.float64), labels, EPSILON))
    result = {
        "n": n,
        "k": k,
        "dtype": "float32",
        "label_smoothing": EPSILON,
        "repeats": repeats,
        "logits_bytes": z.nbytes,
        "median_seconds": seconds,
        "times_floor": {name: t / seconds["floor_read"] for name, t in seconds.items()},
        "traced_peak_bytes": traced,
        "lsbook_relative_error": abs(float(lsbook_loss(z, labels, EPSILON)) / reference - 1),
    }
    if with_rss:
        names = [name for name in methods if name != "floor_read"]
        result["resident_peak_bytes"] = resident_peaks(n, k, threads, names)
    result["ratios"] = ratios(result)
    result["goals"] = check_goals(result["ratios"])
    return result


def ratios(result):
    seconds = result["median_seconds"]
    out = {
        "loss_vs_numpy": seconds["lsbook_loss"] / seconds["numpy_loss"],
        "loss_grad_vs_numpy": seconds["lsbook_loss_grad"] / seconds["numpy_loss_grad"],
        "loss_memory_fraction": result["traced_peak_bytes"]["lsbook_loss"] / result["logits_bytes"],
        "loss_vs_floor": seconds["lsbook_loss"] / seconds["floor_read"],
    }
    if "torch_forward" in seconds:
        out["loss_vs_torch_forward"] = seconds["lsbook_loss"] / seconds["torch_forward"]
        out["loss_grad_vs_torch_backward"] = seconds["lsbook_loss_grad"] / seconds["torch_forward_backward"]
    return out


def check_goals(found):
    goals = {}
    for key, (what, relation, bound) in GOALS.items():
        value = found.get(key)
        met = None if value is None else (value <= bound if relation == "<=" else value < bound)
        goals[key] = {"what": what, "bound": f"{relation} {bound:.3g}", "value": value, "met": met}
    return goals


def print_size(result):
    print(f"\n(N, K) = ({result['n']}, {result['k']}), float32, {result['logits_bytes'] / 2**20:.1f} MiB of logits")
    print(f"{'method':24s} {'median ms':>10s} {'x floor':>8s} {'traced MiB':>11s} {'RSS MiB':>8s}")
    rss = result.get("resident_peak_bytes", {})
    for name, seconds in result["median_seconds"].items():
        traced = result["traced_peak_bytes"].get(name)
        resident = rss.get(name)
        print(
            f"{name:24s} {seconds * 1e3:10.3f} {result['times_floor'][name]:8.1f} "
            f"{'-' if traced is None else f'{traced / 2**20:.2f}':>11s} "
            f"{'-' if resident is None else f'{resident / 2**20:.1f}':>8s}"
        )
    for goal in result["goals"].values():
        verdict = {True: "met", False: "NOT met", None: "not measured"}[goal["met"]]
        value = "-" if goal["value"] is None else f"{goal['value']:.3f}"
        print(f"  goal: {goal['what']} {goal['bound']}: {value} ({verdict})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="threads for lsbook and for PyTorch (default 2)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats, results not written (development)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--rss-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        method, n, k, threads = args.rss_child
        print(resident_peak_child(method, int(n), int(k), int(threads)))
        return
    configure_threads(args.threads)
    if torch is None:
        print(TORCH_HINT)
    report = {"machine": machine(args.threads), "torch_available": torch is not None, "sizes": []}
    started = time.perf_counter()
    for index, ((n, k), repeats) in enumerate(SIZES):
        repeats = max(3, repeats // 5) if args.quick else repeats
        result = measure_size(n, k, repeats, args.threads, with_rss=index == len(SIZES) - 1 and not args.quick)
        print_size(result)
        report["sizes"].append(result)
    report["machine"]["load_average_end"] = list(os.getloadavg())
    report["seconds_total"] = time.perf_counter() - started
    print(
        f"\nload average at start {report['machine']['load_average_start']}, at end "
        f"{report['machine']['load_average_end']}; {report['seconds_total']:.0f} s in all"
    )
    if not args.quick:
        args.output.write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
