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
    def __init__(self, seed: int, batch: int, max_tokens: int, frames: int = 16, size: int = 64):
        self.seed, self.batch, self.frames, self.size = seed, batch, frames, size
        self.tok = make_tokenizer(max_tokens)
        self.exclude = held_out_triples()

    def __iter__(self):
        rng = np.random.default_rng(self.seed)
        while True:
            clips, ids = [], []
            for _ in range(self.batch):
                scene = world.sample_scene(rng, self.exclude)
                clips.append(clip_to_tensor(world.render(scene, rng, self.frames, self.size)))
                text = "" if rng.random() < CAPTION_DROP else world.caption(
                    scene, rng, template=int(rng.integers(TRAIN_TEMPLATES)))[0]
                ids.append(self.tok.encode(text))
            yield torch.stack(clips), torch.tensor(ids, dtype=torch.int64)
