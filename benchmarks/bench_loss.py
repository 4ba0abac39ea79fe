"""Benchmark of lsbook's label-smoothed cross-entropy against two baselines.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_loss.py``).
Part 1, the loss on given logits, for each size (N, K) on the same float32
inputs:

- ``lsbook.cross_entropy`` (the loss alone) and the loss plus
  ``lsbook.cross_entropy_grad``;
- a straightforward NumPy version that builds the smoothed target and the
  full log-softmax (and, for the gradient, the full softmax);
- ``torch.nn.functional.cross_entropy(label_smoothing=...)`` on the CPU,
  forward and forward + backward, with the same number of threads;
- one streaming read of the logits (``logits.sum()``): a physical floor.

Part 2, the loss of a linear output layer (N = 4096, D = 256, V = 32000):
``lsbook.linear_cross_entropy`` (+ ``linear_cross_entropy_grad``) against the
materialising path (``hidden @ projection.T`` then ``lsbook.cross_entropy``)
and against PyTorch (matmul + ``F.cross_entropy``, forward and backward):
time, traced peak memory, and peak resident memory of each in a fresh process.

Part 3 (``--sweep``): the loss at several block sizes and with one and two
threads, the measurements behind ``BLOCK_BYTES`` and ``PARALLEL_MIN_LOGITS``.

Methods take turns within every repeat, so a change of load hits them alike;
each time is reported as a median with its spread (interquartile range) and
each ratio as the median of the per-repeat ratios. The machine (CPU, SIMD
level NumPy dispatched to, BLAS, versions, threads) and its load average at
start and end are recorded with the figures in ``benchmarks/results.json``,
whose layout benchmarks/README.md describes. Chapter 6 quotes that file.
"""

from __future__ import annotations

import argparse
import os
import sys


# The number of threads must reach OpenBLAS before NumPy loads it.
def _requested_threads(argv: list[str]) -> str:
    for index, arg in enumerate(argv):
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
        if arg == "--threads" and index + 1 < len(argv):
            return argv[index + 1]
    return "2"


_THREADS = _requested_threads(sys.argv)
os.environ.setdefault("OPENBLAS_NUM_THREADS", _THREADS)
os.environ.setdefault("OMP_NUM_THREADS", _THREADS)

import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's lsbook

import lsbook  # noqa: E402
from lsbook.core import _blocks  # noqa: E402

try:
    import torch
except ImportError:  # an optional baseline
    torch = None

RESULTS = Path(__file__).resolve().parent / "results.json"
TORCH_HINT = "PyTorch is not installed; to compare with it: .venv/bin/pip install torch"
EPSILON = 0.1
SEED = 0
#: (N, K) and the number of timed repeats at that size.
SIZES = [((4, 10), 1001), ((256, 10), 501), ((1024, 1000), 101), ((2048, 32000), 5)]
#: The linear layer of part 2: N tokens, D hidden units, V vocabulary entries.
LINEAR = {"n": 4096, "d": 256, "v": 32000, "repeats": 3}

#: Goals for the loss (developers' targets, see README.md; the book shows results, not goals).
GOALS = {
    (4, 10): {"loss_vs_torch_forward": 2.0},
    (256, 10): {"loss_vs_torch_forward": 1.5},
    (1024, 1000): {"loss_vs_torch_forward": 1.0},
    (2048, 32000): {"loss_vs_torch_forward": 0.5, "loss_grad_vs_torch_forward_backward": 0.4},
}
LINEAR_MEMORY_GOAL = 0.10  # peak traced memory / size of the logits, for the loss and for the gradients


# Part 1: the methods -----------------------------------------------------------------------------


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


def make_inputs(n, k):
    rng = np.random.default_rng(SEED)
    z = rng.standard_normal((n, k), dtype=np.float32) * np.float32(2.0)
    return z, rng.integers(0, k, size=n)


def loss_methods(z, labels):
    """Name -> zero-argument callable, on the same inputs."""
    methods = {
        "floor_read": z.sum,
        "lsbook_loss": lambda: lsbook.cross_entropy(z, labels, label_smoothing=EPSILON),
        "lsbook_loss_grad": lambda: (
            lsbook.cross_entropy(z, labels, label_smoothing=EPSILON),
            lsbook.cross_entropy_grad(z, labels, label_smoothing=EPSILON),
        ),
        "numpy_loss": lambda: naive_loss(z, labels, EPSILON),
        "numpy_loss_grad": lambda: naive_loss_grad(z, labels, EPSILON),
    }
    if torch is not None:
        logits, target = torch.from_numpy(z), torch.from_numpy(labels)

        def forward():
            with torch.no_grad():
                return torch.nn.functional.cross_entropy(logits, target, label_smoothing=EPSILON)

        def forward_backward():
            leaf = logits.detach().requires_grad_()
            loss = torch.nn.functional.cross_entropy(leaf, target, label_smoothing=EPSILON)
            loss.backward()
            return loss, leaf.grad

        methods["torch_forward"], methods["torch_forward_backward"] = forward, forward_backward
    return methods


# Part 2: the linear layer ------------------------------------------------------------------------


def make_linear_inputs(n, d, v):
    rng = np.random.default_rng(SEED)
    hidden = rng.standard_normal((n, d), dtype=np.float32)
    projection = rng.standard_normal((v, d), dtype=np.float32) * np.float32(d**-0.5)
    return hidden, projection, rng.integers(0, v, size=n)


def linear_methods(hidden, projection, labels):
    options = {"label_smoothing": EPSILON}
    methods = {
        "fused_loss": lambda: lsbook.linear_cross_entropy(hidden, projection, labels, **options),
        "fused_grad": lambda: lsbook.linear_cross_entropy_grad(hidden, projection, labels, **options),
        "materialised_loss": lambda: lsbook.cross_entropy(hidden @ projection.T, labels, **options),
        "materialised_grad": lambda: materialised_grad(hidden, projection, labels),
    }
    if torch is not None:
        h, w, y = torch.from_numpy(hidden), torch.from_numpy(projection), torch.from_numpy(labels)

        def forward():
            with torch.no_grad():
                return torch.nn.functional.cross_entropy(h @ w.T, y, label_smoothing=EPSILON)

        def forward_backward():
            hl, wl = h.detach().requires_grad_(), w.detach().requires_grad_()
            torch.nn.functional.cross_entropy(hl @ wl.T, y, label_smoothing=EPSILON).backward()
            return hl.grad, wl.grad

        methods["torch_forward"], methods["torch_forward_backward"] = forward, forward_backward
    return methods


def materialised_grad(hidden, projection, labels):
    """The gradients through the full logits: G = dL/dz, then G @ W and G.T @ h."""
    g = lsbook.cross_entropy_grad(hidden @ projection.T, labels, label_smoothing=EPSILON)
    return g @ projection, g.T @ hidden


# Measuring ---------------------------------------------------------------------------------------


#: Calls of one method in a row within a round; the round records their median.
BURST = 3


def timings(methods, repeats):
    """Wall times of every method over ``repeats`` rounds; the methods take turns within each round.

    Taking turns means a change of machine load hits every method alike. Within a
    round each method runs :data:`BURST` times in a row and its median is recorded:
    the first call after another method pays for that method's thread pool still
    spinning on the two cores (PyTorch's OpenMP workers wait busily for a while
    after each call), which would otherwise be charged to whoever runs next.
    """
    for function in methods.values():
        function()  # warm up: first-touch page faults, thread start-up
    times = {name: [] for name in methods}
    for _ in range(repeats):
        for name, function in methods.items():
            burst = []
            for _ in range(BURST):
                start = time.perf_counter()
                function()
                burst.append(time.perf_counter() - start)
            times[name].append(statistics.median(burst))
    return times


def summary(values):
    """Median, quartiles and minimum of a list of numbers."""
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else [values[0]] * 3
    return {"median": statistics.median(values), "q1": q1, "q3": q3, "min": min(values)}


def paired_ratio(times, numerator, denominator):
    """The ratio of two methods, repeat by repeat (they ran side by side), summarised."""
    return summary([a / b for a, b in zip(times[numerator], times[denominator], strict=True)])


def traced_peak_bytes(function):
    """Peak bytes allocated through Python's tracer while ``function`` runs (NumPy allocations included)."""
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


def resident_peak_child(part, method, threads):
    """In a fresh process: extra peak resident memory of one call of ``method`` (bytes)."""
    configure_threads(threads)
    if part == "linear":
        inputs = make_linear_inputs(LINEAR["n"], LINEAR["d"], LINEAR["v"])
        small = make_linear_inputs(64, LINEAR["d"], 512)
        linear_methods(*small)[method]()  # load code paths and thread pools first
        function = linear_methods(*inputs)[method]
    else:
        n, k = (int(x) for x in part.split("x"))
        small = make_inputs(64, k)
        loss_methods(*small)[method]()
        function = loss_methods(*make_inputs(n, k))[method]
    Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark (Linux)
    before = _status_kib("VmRSS")
    function()
    return (_status_kib("VmHWM") - before) * 1024


def resident_peaks(part, threads, methods):
    """Each method in its own process, so no method inherits another's memory."""
    if not Path("/proc/self/clear_refs").exists():
        return {method: None for method in methods}
    peaks = {}
    for method in methods:
        command = [sys.executable, __file__, f"--threads={threads}", "--rss-child", part, method]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        peaks[method] = int(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else None
    return peaks


def configure_threads(threads):
    lsbook.set_num_threads(threads)
    if torch is not None:
        torch.set_num_threads(threads)


# The machine -------------------------------------------------------------------------------------


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def simd():
    """The SIMD extensions NumPy was built for and those it found (and so dispatches to) on this CPU."""
    config = np.show_config(mode="dicts")["SIMD Extensions"]
    found = list(config.get("found", []))
    return {"baseline": config.get("baseline", []), "found": found, "highest": found[-1] if found else None}


def blas():
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        threads = os.environ["OPENBLAS_NUM_THREADS"]
        return {"name": info.get("name"), "version": info.get("version"), "threads": threads}
    except (KeyError, TypeError):
        return None


def machine(threads):
    return {
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_simd": simd(),
        "blas": blas(),
        "torch": None if torch is None else torch.__version__,
        "lsbook_threads": threads,
        "torch_threads": None if torch is None else torch.get_num_threads(),
        "block_bytes": _blocks.BLOCK_BYTES,
        "parallel_min_logits": _blocks.PARALLEL_MIN_LOGITS,
        "load_average_start": list(os.getloadavg()),
    }


# The report --------------------------------------------------------------------------------------

PAIRS = {
    "loss_vs_numpy": ("lsbook_loss", "numpy_loss"),
    "loss_grad_vs_numpy": ("lsbook_loss_grad", "numpy_loss_grad"),
    "loss_vs_floor": ("lsbook_loss", "floor_read"),
    "numpy_vs_torch_forward": ("numpy_loss", "torch_forward"),
    "loss_vs_torch_forward": ("lsbook_loss", "torch_forward"),
    "loss_grad_vs_torch_forward_backward": ("lsbook_loss_grad", "torch_forward_backward"),
    "numpy_grad_vs_torch_forward_backward": ("numpy_loss_grad", "torch_forward_backward"),
}


def measure_size(n, k, repeats):
    z, labels = make_inputs(n, k)
    methods = loss_methods(z, labels)
    times = timings(methods, repeats)
    traced = {name: traced_peak_bytes(methods[name]) for name in methods if name.startswith(("lsbook", "numpy"))}
    reference = float(naive_loss(z.astype(np.float64), labels, EPSILON))
    ratios = {key: paired_ratio(times, *pair) for key, pair in PAIRS.items() if pair[1] in times}
    return {
        "n": n,
        "k": k,
        "dtype": "float32",
        "label_smoothing": EPSILON,
        "repeats": repeats,
        "logits_bytes": z.nbytes,
        "seconds": {name: summary(values) for name, values in times.items()},
        "ratios": ratios,
        "traced_peak_bytes": traced,
        "lsbook_relative_error": abs(float(lsbook.cross_entropy(z, labels, label_smoothing=EPSILON)) / reference - 1),
        "goals": {key: {"bound": bound, "met": ratios[key]["median"] <= bound} for key, bound in
                  GOALS.get((n, k), {}).items() if key in ratios},
    }


def measure_linear(threads, with_rss):
    n, d, v = LINEAR["n"], LINEAR["d"], LINEAR["v"]
    hidden, projection, labels = make_linear_inputs(n, d, v)
    methods = linear_methods(hidden, projection, labels)
    times = timings(methods, LINEAR["repeats"])
    traced = {name: traced_peak_bytes(methods[name]) for name in methods if not name.startswith("torch")}
    logits_bytes = 4 * n * v
    expected = float(lsbook.cross_entropy((hidden @ projection.T).astype(np.float64), labels, label_smoothing=EPSILON))
    fused = float(lsbook.linear_cross_entropy(hidden, projection, labels, label_smoothing=EPSILON))
    pairs = {
        "fused_loss_vs_materialised": ("fused_loss", "materialised_loss"),
        "fused_grad_vs_materialised": ("fused_grad", "materialised_grad"),
        "fused_loss_vs_torch_forward": ("fused_loss", "torch_forward"),
        "fused_grad_vs_torch_forward_backward": ("fused_grad", "torch_forward_backward"),
    }
    result = {
        **LINEAR,
        "dtype": "float32",
        "label_smoothing": EPSILON,
        "logits_bytes": logits_bytes,
        "seconds": {name: summary(values) for name, values in times.items()},
        "ratios": {key: paired_ratio(times, *pair) for key, pair in pairs.items() if pair[1] in times},
        "traced_peak_bytes": traced,
        "traced_peak_fraction_of_logits": {name: peak / logits_bytes for name, peak in traced.items()},
        "fused_relative_error": abs(fused / expected - 1),
    }
    if with_rss:
        result["resident_peak_bytes"] = resident_peaks("linear", threads, list(methods))
    result["memory_goal"] = {
        "bound": LINEAR_MEMORY_GOAL,
        "met": all(result["traced_peak_fraction_of_logits"][name] <= LINEAR_MEMORY_GOAL
                   for name in ("fused_loss", "fused_grad")),
    }
    return result


def sweep(threads):
    """The loss's time for several block sizes, with one thread and with ``threads``: where the constants come from."""
    rows = []
    saved = _blocks.BLOCK_BYTES, _blocks.PARALLEL_MIN_LOGITS
    _blocks.PARALLEL_MIN_LOGITS = 1  # let every size be threaded, to see where it pays
    try:
        for n, k in [(256, 100), (1024, 100), (256, 1000), (1024, 1000), (4096, 1000), (512, 32000)]:
            z, labels = make_inputs(n, k)
            for block_bytes in (1 << 16, 1 << 17, 1 << 18, 1 << 19, 1 << 20, 1 << 21):
                _blocks.BLOCK_BYTES = block_bytes
                methods = {}
                for t in sorted({1, threads}):
                    methods[f"threads_{t}"] = lambda t=t, z=z, labels=labels: (
                        lsbook.set_num_threads(t), lsbook.cross_entropy(z, labels, label_smoothing=EPSILON))
                repeats = max(5, min(101, int(2e7 // z.size) // BURST))
                times = timings(methods, repeats)
                row = {"n": n, "k": k, "block_bytes": block_bytes}
                row.update({name: statistics.median(values) for name, values in times.items()})
                rows.append(row)
                print(f"  ({n:5d}, {k:5d}) block {block_bytes:8d} B: "
                      + "  ".join(f"{name} {row[name] * 1e6:9.1f} us" for name in methods))
    finally:
        _blocks.BLOCK_BYTES, _blocks.PARALLEL_MIN_LOGITS = saved
        lsbook.set_num_threads(threads)
    return rows


def _ms(stats):
    return f"{stats['median'] * 1e3:9.3f} [{stats['q1'] * 1e3:.3f}, {stats['q3'] * 1e3:.3f}]"


def print_size(result):
    print(f"\n(N, K) = ({result['n']}, {result['k']}), float32, {result['logits_bytes'] / 2**20:.2f} MiB of logits, "
          f"{result['repeats']} repeats")
    print(f"  {'method':24s} {'median ms [quartiles]':>32s} {'traced MiB':>11s}")
    for name, stats in result["seconds"].items():
        traced = result["traced_peak_bytes"].get(name)
        print(f"  {name:24s} {_ms(stats):>32s} {'-' if traced is None else f'{traced / 2**20:.2f}':>11s}")
    for key, stats in result["ratios"].items():
        goal = result["goals"].get(key)
        verdict = "" if goal is None else f"   goal <= {goal['bound']}: {'met' if goal['met'] else 'NOT met'}"
        print(f"  ratio {key:38s} {stats['median']:7.3f} [{stats['q1']:.3f}, {stats['q3']:.3f}]{verdict}")


def print_linear(result):
    print(f"\nLinear layer N = {result['n']}, D = {result['d']}, V = {result['v']}, float32: the logits would take "
          f"{result['logits_bytes'] / 1e6:.0f} MB; {result['repeats']} repeats")
    rss = result.get("resident_peak_bytes", {})
    print(f"  {'method':24s} {'median ms [quartiles]':>36s} {'traced MB':>10s} {'RSS MB':>8s}")
    for name, stats in result["seconds"].items():
        traced = result["traced_peak_bytes"].get(name)
        resident = rss.get(name)
        print(f"  {name:24s} {_ms(stats):>36s} {'-' if traced is None else f'{traced / 1e6:.1f}':>10s} "
              f"{'-' if resident is None else f'{resident / 1e6:.1f}':>8s}")
    for key, stats in result["ratios"].items():
        print(f"  ratio {key:38s} {stats['median']:7.3f} [{stats['q1']:.3f}, {stats['q3']:.3f}]")
    goal = result["memory_goal"]
    print(f"  memory goal (traced peak <= {goal['bound']:.0%} of the logits, loss and gradients): "
          f"{'met' if goal['met'] else 'NOT met'}; "
          f"relative error of the fused loss {result['fused_relative_error']:.1e}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="threads for lsbook, BLAS and PyTorch (default 2)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats, results not written (development)")
    parser.add_argument("--sweep", action="store_true", help="also time block sizes and thread counts")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--rss-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        print(resident_peak_child(*args.rss_child, args.threads))
        return
    configure_threads(args.threads)
    if torch is None:
        print(TORCH_HINT)
    report = {"machine": machine(args.threads), "torch_available": torch is not None, "sizes": []}
    print(f"{report['machine']['cpu_model']}, {report['machine']['usable_cores']} cores, NumPy "
          f"{np.__version__} dispatching up to {report['machine']['numpy_simd']['highest']}, "
          f"{args.threads} threads; load average {report['machine']['load_average_start']}")
    started = time.perf_counter()
    for (n, k), repeats in SIZES:
        repeats = max(5, repeats // 10) if args.quick else repeats
        result = measure_size(n, k, repeats)
        print_size(result)
        report["sizes"].append(result)
    if args.quick:
        LINEAR["repeats"] = 2
    report["linear"] = measure_linear(args.threads, with_rss=not args.quick)
    print_linear(report["linear"])
    if args.sweep:
        print("\nBlock sizes and threads (the loss alone, medians):")
        report["sweep"] = sweep(args.threads)
    report["machine"]["load_average_end"] = list(os.getloadavg())
    report["seconds_total"] = time.perf_counter() - started
    print(f"\nload average at start {report['machine']['load_average_start']}, at end "
          f"{report['machine']['load_average_end']}; {report['seconds_total']:.0f} s in all")
    if not args.quick:
        args.output.write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
