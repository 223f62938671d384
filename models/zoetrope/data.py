"""Training data: an endless stream of (clip, caption ids) batches rendered on the fly, plus the
held-out split used for evaluation. Rendering runs in a DataLoader worker so it overlaps training."""
from __future__ import annotations

import numpy as np
import torch

from . import world
from .tokenizer import WordTokenizer

HELD_OUT_SEED = 20261122
N_HELD_OUT = 12
CAPTION_DROP = 0.1  # unconditional examples for classifier-free guidance
TRAIN_TEMPLATES = 3  # caption templates 0..2 train; template 3 is only ever used for evaluation

# Named subsets of scenes that a fine-tuning run can oversample (train.py --focus NAME --focus-p P).
# "small-angular": the 0.2.0 evaluation's weak spot, small squares and triangles that come out rounded.
FOCUS = {
    "small-angular": lambda s: s.size == "small" and s.shape in ("square", "triangle"),
}


def held_out_triples() -> frozenset:
    """(colour, shape, motion) combinations that training never renders."""
    rng = np.random.default_rng(HELD_OUT_SEED)
    all_triples = [(c, s, m) for c in world.COLOURS for s in world.SHAPES for m in world.MOTIONS
                   if (c, s, m) != ("red", "ball", "bounce")]  # the demo prompt stays in training
    idx = rng.choice(len(all_triples), N_HELD_OUT, replace=False)
    return frozenset(all_triples[i] for i in idx)


def make_tokenizer(max_tokens: int) -> WordTokenizer:
    return WordTokenizer(world.vocabulary_words(), max_tokens)


def clip_to_tensor(clip: np.ndarray) -> torch.Tensor:
    """uint8 [T, H, W, 3] -> float32 [3, T, H, W] in [-1, 1]."""
    return torch.from_numpy(clip).permute(3, 0, 1, 2).float().div(127.5).sub(1.0)


class SceneStream(torch.utils.data.IterableDataset):
    """Batches of (clips, ids). `raw` yields uint8 [B, T, H, W, 3] clips, a quarter of the bytes to move
    between processes; the GPU trainer converts them on the device."""

    def __init__(self, seed: int, batch: int, max_tokens: int, frames: int = 16, size: int = 64,
                 raw: bool = False, focus: str | None = None, focus_p: float = 0.0):
        self.seed, self.batch, self.frames, self.size, self.raw = seed, batch, frames, size, raw
        self.focus, self.focus_p = (FOCUS[focus] if focus else None), focus_p
        self.tok = make_tokenizer(max_tokens)
        self.exclude = held_out_triples()

    def __iter__(self):
        # Each DataLoader worker needs its own stream; worker 0 keeps the plain seed, so a one-worker run
        # renders exactly what it always did.
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng(self.seed if info is None or info.id == 0 else [self.seed, info.id])
        while True:
            clips, ids = [], []
            for _ in range(self.batch):
                scene = world.sample_scene(rng, self.exclude)
                # With probability focus_p, redraw until the scene is in the focus subset; the subset's
                # own mix (colours, motions, backgrounds) stays as the world samples it.
                if self.focus is not None and rng.random() < self.focus_p:
                    while not self.focus(scene):
                        scene = world.sample_scene(rng, self.exclude)
                clip = world.render(scene, rng, self.frames, self.size)
                clips.append(torch.from_numpy(clip) if self.raw else clip_to_tensor(clip))
                text = "" if rng.random() < CAPTION_DROP else world.caption(
                    scene, rng, template=int(rng.integers(TRAIN_TEMPLATES)))[0]
                ids.append(self.tok.encode(text))
            yield torch.stack(clips), torch.tensor(ids, dtype=torch.int64)
