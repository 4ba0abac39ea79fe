"""Row blocks and threads: how the loss walks over a large batch.

Chapter 6, section "One pass, no target: the loss at $V = 32000$", explains
why: the loss of
:mod:`lsbook.core.loss` never builds a K-sized target, and walks over the
logits in blocks of rows small enough to stay in cache, so it needs one
block-sized buffer per thread however large the batch or the vocabulary.
Blocks of rows are independent, so large inputs are spread over a small
persistent pool of threads (NumPy releases the GIL inside its loops).

The blocks depend only on the input's shape, never on the number of threads
or their timing, and every row is reduced on its own, so results are
bit-identical whatever :func:`set_num_threads` says.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._checks import check_integer

#: Bytes of logits handled per block: small enough to stay in a core's cache
#: (1 MiB of L2 on the machine the benchmark ran on), large enough that each
#: NumPy call over a block has work to do. Chosen from `make bench --sweep`
#: (benchmarks/README.md).
BLOCK_BYTES = 1 << 20

#: Inputs with fewer logits than this stay in the calling thread, where
#: handing blocks to other threads would cost more than it saves (about a
#: million logits on the benchmark's machine).
PARALLEL_MIN_LOGITS = 1 << 20

_ENVIRONMENT_VARIABLE = "LSBOOK_NUM_THREADS"

#: Python compiled to WebAssembly (Pyodide, which runs the book's notebooks in the
#: browser) cannot start threads: there every block runs in the calling thread.
THREADS_CAN_START = sys.platform not in ("emscripten", "wasi")


def _cores_available() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not available on every platform
        return os.cpu_count() or 1


def _threads_from_environment() -> int:
    """``LSBOOK_NUM_THREADS`` if it is a positive whole number, else the cores this process may use.

    A bad value must not stop ``import lsbook``: it is reported once and ignored.
    """
    requested = os.environ.get(_ENVIRONMENT_VARIABLE, "").strip()
    if requested:
        try:
            value = int(requested)
        except ValueError:
            value = 0
        if value >= 1:
            return value
        warnings.warn(
            f"{_ENVIRONMENT_VARIABLE} must be a positive whole number, got {requested!r}; "
            "using the number of available cores instead",
            RuntimeWarning,
            stacklevel=2,
        )
    return _cores_available()


_state = {"threads": _threads_from_environment()}


def set_num_threads(num_threads: int) -> None:
    """Use ``num_threads`` threads for large inputs from now on (1 turns threading off).

    Results do not depend on it: only the time they take does.
    """
    _state["threads"] = check_integer(num_threads, "num_threads", minimum=1)


def get_num_threads() -> int:
    """The number of threads large inputs are spread over."""
    return _state["threads"]


def block_rows(num_classes: int, itemsize: int) -> int:
    """Rows per block: as many as fit in :data:`BLOCK_BYTES`, at least one."""
    return max(1, BLOCK_BYTES // (num_classes * itemsize))


def row_blocks(start: int, stop: int, rows_per_block: int) -> Iterator[slice]:
    """Slices of at most ``rows_per_block`` rows covering rows ``start:stop``."""
    for first in range(start, stop, rows_per_block):
        yield slice(first, min(first + rows_per_block, stop))


_POOL_LOCK = threading.Lock()
_POOL: dict = {"executor": None, "key": None}


def _executor(threads: int) -> ThreadPoolExecutor:
    """The persistent pool, created on first use and again after a fork or a new thread count."""
    key = (os.getpid(), threads)
    with _POOL_LOCK:
        if _POOL["key"] != key:
            if _POOL["executor"] is not None and _POOL["key"][0] == key[0]:
                _POOL["executor"].shutdown(wait=False)
            _POOL["executor"] = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="lsbook")
            _POOL["key"] = key
        return _POOL["executor"]


def _runs(num_rows: int, rows_per_block: int, num_logits: int, threads: int) -> list[tuple[int, int]]:
    """Split the rows into contiguous runs of whole blocks, a few per thread.

    More runs than threads evens out the work when a core is busy elsewhere.
    """
    num_blocks = -(-num_rows // rows_per_block)
    if threads < 2 or num_blocks < 2 or num_logits < PARALLEL_MIN_LOGITS:
        return [(0, num_rows)]
    step = rows_per_block * -(-num_blocks // min(num_blocks, 4 * threads))
    return [(start, min(start + step, num_rows)) for start in range(0, num_rows, step)]


def for_each_block(
    shape: tuple[int, int],
    dtype: np.dtype,
    work: Callable[[slice, np.ndarray | None], None],
    *,
    need_buffer: bool,
) -> None:
    """Call ``work(rows, buffer)`` on every block of rows of an (N, K) array, in threads when it is large.

    ``buffer`` is block-sized scratch space of ``dtype``, one per run of
    blocks and reused along it (``None`` unless ``need_buffer``). Errors
    raised by ``work`` reach the caller. Runs in other threads silence
    floating-point warnings (the caller handles nan and inf); in the calling
    thread the caller's ``np.errstate`` applies.
    """
    num_rows, num_classes = shape
    rows_per_block = block_rows(num_classes, np.dtype(dtype).itemsize)

    def run(chunk: tuple[int, int]) -> None:
        buffer_shape = (min(rows_per_block, chunk[1] - chunk[0]), num_classes)
        buffer = np.empty(buffer_shape, dtype=dtype) if need_buffer else None
        for rows in row_blocks(*chunk, rows_per_block):
            work(rows, buffer)

    def quiet_run(chunk: tuple[int, int]) -> None:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # error state is per thread
            run(chunk)

    threads = get_num_threads() if THREADS_CAN_START else 1
    runs = _runs(num_rows, rows_per_block, num_rows * num_classes, threads)
    if len(runs) == 1:
        run(runs[0])
    else:
        for _ in _executor(threads).map(quiet_run, runs):  # re-raises the first error of a run
            pass
