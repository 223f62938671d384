"""A replay pool of rendered clips kept on the training device, fed by DataLoader workers in the background.

Why: on a GPU one training step at batch 256 takes tens of milliseconds, while the numpy renderer makes
about 75 clips a second per CPU core. Training only on fresh clips would leave the GPU idle most of the
time. Rectified-flow training draws a fresh noise level and fresh noise for every use of a clip, so
re-using each clip a few times costs little; the pool keeps the newest `size` clips (a ring) and every
step samples its batch from it. The pool stores uint8 clips, a quarter of the memory of float32.
"""
from __future__ import annotations

import queue
import threading

import torch


class ReplayPool:
    def __init__(self, loader, size: int, device: torch.device, seed: int):
        self.size, self.device = size, device
        self.clips = None  # allocated on the first batch, when the clip shape is known
        self.ids = None
        self.filled = self.head = 0
        self.rendered = 0  # unique clips that entered the pool
        self.gen = torch.Generator(device=device).manual_seed(seed)
        # A thread pulls from the DataLoader so rendering never waits for a training step: it blocks
        # on the workers' queue, which releases the GIL.
        self.queue: queue.Queue = queue.Queue(maxsize=64)
        threading.Thread(target=self._pump, args=(loader,), daemon=True).start()

    def _pump(self, loader):
        for batch in loader:
            self.queue.put(batch)

    def _insert(self, clips: torch.Tensor, ids: torch.Tensor) -> None:
        if self.clips is None:
            self.clips = torch.empty((self.size, *clips.shape[1:]), dtype=torch.uint8, device=self.device)
            self.ids = torch.empty((self.size, ids.shape[1]), dtype=torch.int64, device=self.device)
        n = clips.shape[0]
        idx = (torch.arange(n, device=self.device) + self.head) % self.size
        self.clips[idx] = clips.to(self.device, non_blocking=True)
        self.ids[idx] = ids.to(self.device, non_blocking=True)
        self.head = (self.head + n) % self.size
        self.filled = min(self.size, self.filled + n)
        self.rendered += n

    def drain(self, at_least: int = 0) -> None:
        """Moves every rendered batch waiting in the queue into the pool; blocks until `filled >= at_least`."""
        while True:
            try:
                block = self.filled < at_least
                clips, ids = self.queue.get(block=block, timeout=600 if block else None)
            except queue.Empty:
                return
            self._insert(clips, ids)

    def sample(self, batch: int):
        """(x0 float32 [B, 3, T, H, W] in [-1, 1], ids [B, L]) drawn uniformly from the pool."""
        idx = torch.randint(self.filled, (batch,), device=self.device, generator=self.gen)
        x0 = self.clips[idx].permute(0, 4, 1, 2, 3).float().div_(127.5).sub_(1.0)
        return x0, self.ids[idx]
