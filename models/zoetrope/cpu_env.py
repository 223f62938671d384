"""Process settings that make Debian's torch fast on this CPU-only machine, applied by re-executing.

Measured here (2 cores, OpenBLAS 0.3.21, torch 1.13, one shapes-v1 training step at batch 8):
  defaults                                   3.22 s per step, 66% of CPU time in the kernel
  + glibc malloc keeps freed memory          2.22 s
  + OPENBLAS_NUM_THREADS=1 (torch threads 2) 0.88 s
OpenBLAS's own thread pool fights torch's intra-op threads (they spin and yield), and glibc hands every
large activation back to the kernel with munmap, so each step page-faults its buffers in again. Both are
read once at process start, so they cannot be set from Python after torch is imported: we re-exec.
"""
from __future__ import annotations

import os
import sys

FAST_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "MALLOC_MMAP_THRESHOLD_": str(1 << 32),  # never mmap a single allocation: keep it in the heap
    "MALLOC_TRIM_THRESHOLD_": str(1 << 36),  # never give the heap's top back to the kernel
    "MALLOC_TOP_PAD_": str(1 << 30),
}


def ensure_fast_env() -> None:
    """Re-executes the current script once with FAST_ENV unless it is already in place.

    Call it before importing torch. ZOETROPE_KEEP_ENV=1 opts out (to measure the defaults)."""
    if os.environ.get("ZOETROPE_KEEP_ENV") == "1":
        return
    if all(os.environ.get(k) == v for k, v in FAST_ENV.items()):
        return
    if "torch" in sys.modules:
        raise RuntimeError("ensure_fast_env() must run before torch is imported")
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **FAST_ENV})
