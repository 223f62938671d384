"""An analytic attribute detector for clips of the procedural world, used to score prompt adherence.

Given a clip it recovers background, object presence, colour, shape, size and motion from pixels alone,
by comparing against clean background templates and tracking the object's mask. On the renderer's own
clips it should score about 100% (the ceiling the evaluation reports beside the model).
"""
from __future__ import annotations

import functools

import numpy as np

from . import world

PALETTE = np.array(list(world.COLOURS.values()), np.float32)
PALETTE_NAMES = list(world.COLOURS)


@functools.lru_cache(maxsize=None)
def _template(name: str) -> np.ndarray:
    img = world.render_background(name, np.random.default_rng(0), 128, 128)
    if name == "night":  # the star-free sky
        img = world._vgrad((8, 10, 35), (25, 25, 70), 128, 128)
    return img.reshape(64, 2, 64, 2, 3).mean(axis=(1, 3))


def _erode(mask: np.ndarray) -> np.ndarray:
    m = mask.copy()
    m[:, 1:] &= mask[:, :-1]; m[:, :-1] &= mask[:, 1:]
    m[1:, :] &= mask[:-1, :]; m[:-1, :] &= mask[1:, :]
    return m


def _count3(mask: np.ndarray) -> np.ndarray:
    p = np.pad(mask.astype(np.int8), 1)
    return sum(p[dy:dy + 64, dx:dx + 64] for dy in range(3) for dx in range(3))


def detect(clip: np.ndarray) -> dict:
    """clip: uint8 [T, 64, 64, 3]. Returns detected attributes plus stability measures."""
    f = clip.astype(np.float32)
    dists = {b: float(np.median(np.abs(f - _template(b)).sum(-1))) for b in world.BACKGROUNDS}
    bg = min(dists, key=dists.get)
    diff = np.abs(f - _template(bg)).sum(-1)
    masks = diff > 60
    areas, cx, cy, fills, cols = [], [], [], [], []
    for i in range(len(f)):
        core = _erode(masks[i])
        if core.sum() < 2:
            areas.append(0)
            cx.append(np.nan); cy.append(np.nan); fills.append(np.nan); cols.append(np.full(3, np.nan))
            continue
        ys, xs = np.nonzero(core)
        cx.append(xs.mean()); cy.append(ys.mean())
        # The full mask near the eroded core (erosion only serves to drop the stars): its area, and its fill
        # ratio in its box: square ~1, ball ~0.78, triangle ~0.5.
        win = np.zeros_like(core)
        win[max(ys.min() - 3, 0):ys.max() + 4, max(xs.min() - 3, 0):xs.max() + 4] = True
        obj = masks[i] & win & (_count3(masks[i]) >= 5)  # drops 1-2 px stars beside the object
        oy, ox = np.nonzero(obj)
        areas.append(int(obj.sum()))
        fills.append(obj.sum() / ((oy.max() - oy.min() + 1) * (ox.max() - ox.min() + 1)))
        inner = _erode(core)
        cols.append(np.median(f[i][inner if inner.sum() >= 3 else core], axis=0))
    areas = np.array(areas, np.float32)
    present_frames = areas >= 8
    out = {"background": bg, "present": bool(present_frames.mean() >= 0.75)}
    if not out["present"]:
        return out | {"colour": None, "shape": None, "size": None, "motion": None, "stable": False}
    cx, cy, fills = np.array(cx), np.array(cy), np.array(fills)
    ok = present_frames & ~np.isnan(cx)
    col = np.nanmedian(np.array(cols)[ok], axis=0)
    out["colour"] = PALETTE_NAMES[int(np.argmin(((PALETTE - col) ** 2).sum(-1)))]
    fill = float(np.nanmedian(fills[ok]))
    out["shape"] = "square" if fill > 0.88 else "ball" if fill > 0.66 else "triangle"
    a = areas[ok]
    # Compare the object's radius to the small/big radii; the eroded core loses about one pixel of rim.
    factor = {"ball": np.pi, "square": 3.1, "triangle": 2.07}[out["shape"]]
    r = np.sqrt(np.median(a) / factor)
    out["size"] = "big" if r > (world.RADIUS["small"] + world.RADIUS["big"]) / 2 else "small"
    out["motion"] = _motion(cx[ok], cy[ok], a)
    # Stability: no flicker in area or colour. A second difference ignores smooth growth and shrinking.
    rel = np.abs(a[1:-1] - (a[:-2] + a[2:]) / 2) / np.maximum(a[1:-1], 1)
    rel = rel[a[1:-1] >= 40]  # a few pixels of a tiny object are quantisation, not flicker
    col_dev = np.abs(np.array(cols)[ok] - col).sum(-1)[a >= 40]
    out["stable"] = bool(rel.max(initial=0) < 0.25 and col_dev.max(initial=0) < 60)
    out["area_jitter"] = float(np.median(rel)) if len(rel) else 0.0
    return out


def _motion(x: np.ndarray, y: np.ndarray, a: np.ndarray) -> str:
    k = max(2, len(a) // 4)
    growth = np.median(a[-k:]) / max(np.median(a[:k]), 1)
    if growth > 2.0:
        return "grow"
    if growth < 0.5:
        return "shrink"
    rx, ry = np.ptp(x), np.ptp(y)
    if rx > 10 and ry > 10:
        ang = np.unwrap(np.arctan2(y - y.mean(), x - x.mean()))
        if abs(ang[-1] - ang[0]) > 1.2 * np.pi:
            return "orbit"
    dx, dy = x[-1] - x[0], y[-1] - y[0]
    # A bounce falls (y grows: image rows point down) and then rebounds upwards by a clear margin.
    deepest = np.maximum.accumulate(y)
    if rx < 8 and (deepest - y).max() > 4 and deepest[int(np.argmax(deepest - y))] - y[0] > 8:
        return "bounce"
    if max(rx, ry) < 4:
        return "still"
    if abs(dx) > abs(dy):
        return "right" if dx > 12 else "left" if dx < -12 else "unknown"
    return "down" if dy > 12 else "up" if dy < -12 else "unknown"
