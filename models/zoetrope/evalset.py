"""The held-out evaluation set, its sampling and its scoring: prompts the training run never sampled, with
fixed seeds, sampled exactly as the browser samples them."""
from __future__ import annotations

import numpy as np
import torch

from . import world
from .data import held_out_triples, make_tokenizer
from .detect import detect
from .flow import mulberry32_gaussian, sample

EVAL_SEED = 777
ATTRS = ("present", "colour", "shape", "size", "motion", "background")


def eval_set(n: int) -> list[dict]:
    """n prompts over the held-out (colour, shape, motion) triples, every attribute named, with template 3
    (an evaluation-only word order) in a quarter of them. Each item carries the seed of its noise."""
    triples = sorted(held_out_triples())
    rng = np.random.default_rng(EVAL_SEED)
    items = []
    for i in range(n):
        c, s, m = triples[i % len(triples)]
        while True:
            bg = str(rng.choice(world.BACKGROUNDS))
            if (c, bg) not in world.INVISIBLE:
                break
        scene = world.Scene(colour=c, shape=s, size=str(rng.choice(world.SIZES)), motion=m, background=bg)
        text = world.caption(scene, rng, p_size=1.0, p_bg=1.0, template=int(rng.integers(4)))[0]
        items.append({"prompt": text, "seed": 1000 + i, "scene": scene.__dict__.copy()})
    return items


def score(clips: list[np.ndarray], scenes: list[dict]) -> dict:
    """Per-attribute accuracy of detected vs asked-for attributes, all-right rate and stability."""
    hits = {a: [] for a in ATTRS}
    all_right, stable = [], []
    for clip, sc in zip(clips, scenes):
        d = detect(clip)
        ok = {"present": d["present"]}
        for a in ("colour", "shape", "motion", "background"):
            ok[a] = d.get(a) == sc[a]
        # A growing or shrinking object has no single size; size is scored for the other motions.
        if sc["motion"] not in ("grow", "shrink"):
            ok["size"] = d.get("size") == sc["size"]
        for a, v in ok.items():
            hits[a].append(v)
        all_right.append(all(ok.values()))
        stable.append(bool(d.get("stable")))
    out = {a: float(np.mean(v)) if v else float("nan") for a, v in hits.items()}
    out["all"] = float(np.mean(all_right))
    out["stable"] = float(np.mean(stable))
    out["n"] = len(clips)
    return out


@torch.no_grad()
def sample_clips(te, dn, cfg, items: list[dict], steps: int, guidance: float, shift: float = 1.0,
                 batch: int = 8, sampler: str = "euler", guidance_interval=(0.0, 1.0)) -> list[np.ndarray]:
    """uint8 [T, H, W, 3] clips for items ({prompt, seed}) on the models' device: seeded mulberry32 noise,
    [cond; uncond] classifier-free guidance and the sampler's steps (flow.SAMPLERS), rounded to pixels as
    the browser rounds them."""
    device = next(dn.parameters()).device
    tok = make_tokenizer(cfg.max_tokens)
    shape = (cfg.channels, cfg.frames, cfg.height, cfg.width)
    clips = []
    for i in range(0, len(items), batch):
        chunk = items[i:i + batch]
        ids = torch.tensor([tok.encode(it["prompt"]) for it in chunk], device=device)
        noise = torch.stack([torch.from_numpy(mulberry32_gaussian(it["seed"], int(np.prod(shape)))).reshape(shape)
                             for it in chunk]).to(device)
        out = sample(te, dn, ids, torch.zeros_like(ids), noise, steps, guidance, shift, sampler,
                     guidance_interval=guidance_interval)
        pixels = np.rint((out.permute(0, 2, 3, 4, 1).float().cpu().numpy() + 1) * 127.5)
        clips += list(np.clip(pixels, 0, 255).astype(np.uint8))
    return clips
