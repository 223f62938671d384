"""The procedural world the built-in model learns: scenes, their rendering, and their captions.

One object (colour, shape, size, motion) over one background, 16 frames of 64x64 at 8 fps.
Rendering happens at 2x and is box-downsampled so that edges are anti-aliased. Everything is
a pure function of a `Scene` and a numpy Generator, so runs are reproducible from a seed.
"""
from __future__ import annotations

import dataclasses
import numpy as np

COLOURS = {
    "red": (222, 45, 45), "orange": (250, 140, 25), "yellow": (250, 222, 45), "green": (45, 190, 70),
    "blue": (40, 90, 235), "purple": (140, 60, 205), "pink": (250, 125, 195), "white": (245, 245, 245),
}
SHAPES = ("ball", "square", "triangle")
SIZES = ("small", "big")
MOTIONS = ("left", "right", "up", "down", "bounce", "orbit", "grow", "shrink", "still")
BACKGROUNDS = ("black", "white", "sky", "grass", "night", "sand", "sunset")
# Object radius (half extent) in output pixels; "big" is unmistakably larger than "small".
RADIUS = {"small": 6.0, "big": 11.0}
# Combinations whose object would be invisible; never rendered or asked for.
INVISIBLE = {("white", "white")}
# The floor that bouncing objects hit and that falling objects stop above (output pixels).
FLOOR = {"grass": 52.0}
DEFAULT_FLOOR = 62.0


@dataclasses.dataclass(frozen=True)
class Scene:
    colour: str
    shape: str
    size: str
    motion: str
    background: str


def sample_scene(rng: np.random.Generator, exclude: frozenset = frozenset()) -> Scene:
    """A random valid scene; `exclude` holds (colour, shape, motion) triples kept out of training."""
    while True:
        s = Scene(
            colour=str(rng.choice(list(COLOURS))), shape=str(rng.choice(SHAPES)), size=str(rng.choice(SIZES)),
            motion=str(rng.choice(MOTIONS)), background=str(rng.choice(BACKGROUNDS)),
        )
        if (s.colour, s.background) in INVISIBLE or (s.colour, s.shape, s.motion) in exclude:
            continue
        return s


# ---------------------------------------------------------------- backgrounds

def _vgrad(top, bottom, h, w):
    a = np.linspace(0.0, 1.0, h)[:, None, None]
    img = np.asarray(top, np.float32) * (1 - a) + np.asarray(bottom, np.float32) * a
    return np.broadcast_to(img, (h, w, 3)).copy()


def render_background(name: str, rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Background at render resolution, float32 RGB 0..255."""
    if name == "black":
        return np.full((h, w, 3), 12, np.float32)
    if name == "white":
        return np.full((h, w, 3), 244, np.float32)
    if name == "sky":
        return _vgrad((95, 165, 235), (175, 215, 245), h, w)
    if name == "grass":
        img = _vgrad((100, 170, 235), (175, 215, 245), h, w)
        ground = int(round(FLOOR["grass"] / 64 * h))
        img[ground:] = _vgrad((70, 150, 45), (50, 115, 35), h - ground, w)
        return img
    if name == "night":
        img = _vgrad((8, 10, 35), (25, 25, 70), h, w)
        n = int(rng.integers(14, 24))
        ys, xs = rng.integers(0, h - 2, n), rng.integers(0, w - 2, n)
        for y, x in zip(ys, xs):  # 2x2 at render scale = one soft output pixel
            img[y:y + 2, x:x + 2] = 235
        return img
    if name == "sand":
        return _vgrad((232, 208, 150), (205, 175, 115), h, w)
    if name == "sunset":
        return _vgrad((110, 50, 120), (250, 150, 60), h, w)
    raise ValueError(f"unknown background {name!r}")


# ---------------------------------------------------------------- motion

def trajectory(scene: Scene, rng: np.random.Generator, frames: int = 16):
    """Per-frame centre (x, y) and radius in output pixels (64x64 canvas)."""
    r0 = RADIUS[scene.size] * rng.uniform(0.9, 1.1)
    floor = FLOOR.get(scene.background, DEFAULT_FLOOR)
    t = np.arange(frames, dtype=np.float64)
    r = np.full(frames, r0)
    m = scene.motion
    lo, hi = r0 + 2, 62 - r0
    if m in ("left", "right"):
        span = rng.uniform(0.8, 1.0) * min(40.0, 64 - 2 * lo)
        x0 = rng.uniform(lo, 64 - lo - span)
        xs = x0 + span * t / (frames - 1)
        if m == "left":
            xs = 64 - xs
        ys = np.full(frames, rng.uniform(lo, min(hi, floor - r0 - 1)))
    elif m in ("up", "down"):
        span = rng.uniform(0.8, 1.0) * min(36.0, floor - r0 - lo)
        y0 = rng.uniform(lo, floor - r0 - span)
        ys = y0 + span * t / (frames - 1)
        if m == "up":
            ys = ys[::-1].copy()
        xs = np.full(frames, rng.uniform(lo, hi))
    elif m == "bounce":
        # Dropped from rest near the top: gravity, then elastic-ish rebounds off the floor.
        ground = floor - r0
        y, v, g, e = rng.uniform(lo, lo + 6), 0.0, rng.uniform(1.3, 1.7), 0.8
        ys = np.empty(frames)
        for i in range(frames):
            ys[i] = y
            v += g
            y += v
            if y > ground:
                y = ground - (y - ground) * e
                v = -v * e
        xs = np.full(frames, rng.uniform(lo, hi))
    elif m == "orbit":
        rad = rng.uniform(14, 18)
        cx, cy = 32.0, min(30.0, floor - r0 - rad - 1)
        phase = rng.uniform(0, 2 * np.pi)
        sign = 1 if rng.random() < 0.5 else -1
        ang = phase + sign * 2 * np.pi * t / frames
        xs, ys = cx + rad * np.cos(ang), cy + rad * np.sin(ang)
    elif m in ("grow", "shrink"):
        k = np.linspace(0.45, 1.35, frames)
        if m == "shrink":
            k = k[::-1].copy()
        r = r0 * k
        rmax = r.max()
        xs = np.full(frames, rng.uniform(rmax + 2, 62 - rmax))
        ys = np.full(frames, rng.uniform(rmax + 2, min(62 - rmax, floor - rmax - 1)))
    elif m == "still":
        xs = np.full(frames, rng.uniform(lo, hi))
        ys = np.full(frames, rng.uniform(lo, min(hi, floor - r0 - 1)))
    else:
        raise ValueError(f"unknown motion {m!r}")
    return xs, ys, r


# ---------------------------------------------------------------- rendering

def _coverage(shape: str, gx, gy, cx, cy, r):
    """Signed distance-like inside test (<=0 inside) for a shape of half-extent r."""
    dx, dy = gx - cx, gy - cy
    if shape == "ball":
        return np.sqrt(dx * dx + dy * dy) - r
    if shape == "square":
        return np.maximum(np.abs(dx), np.abs(dy)) - r * 0.88
    if shape == "triangle":  # upward, base at cy + 0.8r, apex at cy - 1.0r
        base = dy - 0.8 * r
        k = 1.8 * r / (1.15 * r)  # apex height over half base width
        side = np.abs(dx) * k - dy - r  # <=0 below both slanted edges from the apex
        return np.maximum(base, side / np.sqrt(1 + k * k))
    raise ValueError(f"unknown shape {shape!r}")


def render(scene: Scene, rng: np.random.Generator, frames: int = 16, size: int = 64, scale: int = 2) -> np.ndarray:
    """A clip as uint8 [frames, size, size, 3]."""
    hr = size * scale
    bg = render_background(scene.background, rng, hr, hr)
    xs, ys, rs = trajectory(scene, rng, frames)
    col = np.asarray(COLOURS[scene.colour], np.float32)
    edge = col * 0.55  # a darker outline keeps every colour visible on every background
    g = (np.arange(hr, dtype=np.float32) + 0.5) / scale
    gx, gy = g[None, :], g[:, None]
    out = np.empty((frames, size, size, 3), np.uint8)
    for i in range(frames):
        d = _coverage(scene.shape, gx, gy, xs[i], ys[i], rs[i])
        img = bg.copy()
        img[d <= 0] = edge
        img[d <= -1.0] = col
        img = img.reshape(size, scale, size, scale, 3).mean(axis=(1, 3))
        out[i] = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    return out


# ---------------------------------------------------------------- captions

COLOUR_WORDS = {c: [c] for c in COLOURS}
SHAPE_WORDS = {"ball": ["ball", "circle"], "square": ["square", "box", "block"], "triangle": ["triangle"]}
SIZE_WORDS = {"small": ["small", "little", "tiny"], "big": ["big", "large"]}
MOTION_WORDS = {
    "left": ["moving left", "moves to the left", "goes left", "slides to the left", "moving to the left"],
    "right": ["moving right", "moves to the right", "goes right", "slides to the right", "moving to the right"],
    "up": ["moving up", "rising", "rises", "floats up", "goes up"],
    "down": ["moving down", "falling", "falls", "sinks", "goes down"],
    "bounce": ["bouncing", "bounces", "bouncing up and down", "bounces on the floor"],
    "orbit": ["orbiting", "circling", "orbits the centre", "going in circles", "circles around the center"],
    "grow": ["growing", "grows", "getting bigger", "expanding"],
    "shrink": ["shrinking", "shrinks", "getting smaller"],
    "still": ["staying still", "stays still", "standing still", "not moving", "resting"],
}
BACKGROUND_WORDS = {
    "black": ["on a black background", "over a black background", "against black"],
    "white": ["on a white background", "over a white background", "against white"],
    "sky": ["in the blue sky", "in a blue sky", "across the blue sky"],
    "grass": ["on green grass", "over the green grass", "above a grass field"],
    "night": ["in the night sky", "through the night sky", "under the stars at night"],
    "sand": ["on the sand", "over sand", "on a sandy beach"],
    "sunset": ["at sunset", "in the sunset sky", "against a sunset"],
}
ARTICLES = ["a", "the", ""]


def caption(scene: Scene, rng: np.random.Generator, p_size: float = 0.7, p_bg: float = 0.8,
            template: int | None = None) -> tuple[str, bool, bool]:
    """A caption from the grammar; returns (text, named_size, named_background).

    Size and background are optional words: when left out, the scene's value was sampled freely.
    """
    pick = lambda xs: xs[int(rng.integers(len(xs)))]  # noqa: E731
    named_size, named_bg = rng.random() < p_size, rng.random() < p_bg
    art = pick(ARTICLES)
    noun = " ".join(w for w in [art, pick(SIZE_WORDS[scene.size]) if named_size else "",
                                pick(COLOUR_WORDS[scene.colour]), pick(SHAPE_WORDS[scene.shape])] if w)
    motion = pick(MOTION_WORDS[scene.motion])
    bg = pick(BACKGROUND_WORDS[scene.background]) if named_bg else ""
    tpl = int(rng.integers(3)) if template is None else template  # 3 is held out for evaluation
    if tpl == 0 or not bg:
        text = f"{noun} {motion} {bg}"
    elif tpl == 1:
        text = f"{bg}, {noun} {motion}"
    elif tpl == 3:  # evaluation-only word order, never seen in training
        text = f"{noun} {motion}, {bg}"
    else:
        text = f"{noun} {bg} {motion}" if not motion.startswith(("moving", "going")) else f"{noun} {motion} {bg}"
    return " ".join(text.split()), named_size, named_bg


def vocabulary_words() -> list[str]:
    """Every word the grammar can produce, sorted; the tokenizer's vocabulary is built from it."""
    words: set[str] = set(ARTICLES) - {""}
    for table in (COLOUR_WORDS, SHAPE_WORDS, SIZE_WORDS, MOTION_WORDS, BACKGROUND_WORDS):
        for phrases in table.values():
            for p in phrases:
                words.update(p.replace(",", " ").split())
    words.update(["and", ","])
    return sorted(words)
