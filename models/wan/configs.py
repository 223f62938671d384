"""Named configs of the `wan` kind: `1.3b` (the published sizes) and `tiny` (the TEST FIXTURE's:
the same module types and parameter names at reduced width and depth).

Field names follow the published constructors they stand for: umT5's `umt5_xxl` cfg dict
(wan/modules/t5.py), WanModel's keyword arguments (wan/configs/wan_t2v_1_3B.py, rCM's
WAN2PT1_1PT3B_T2V), and TAEHV's decoder widths `n_f` (taehv.py). The tiny TAEW keeps every
Sequential index of the published one (so every key name exists) and shrinks only the widths; its
encoder width (64 in taehv.py, hard-coded there) is a field here so the fixture stays small.
"""

from dataclasses import dataclass, field
from typing import Dict, Tuple


@dataclass(frozen=True)
class UMT5Config:
    vocab_size: int = 256384        # the embedding's rows (the tokenizer has fewer pieces; the rest are padding)
    dim: int = 4096
    dim_attn: int = 4096
    dim_ffn: int = 10240
    num_heads: int = 64
    num_layers: int = 24            # encoder_layers
    num_buckets: int = 32
    max_dist: int = 128             # T5RelativeEmbedding's default
    eps: float = 1e-6               # T5LayerNorm


@dataclass(frozen=True)
class DiTConfig:
    patch_size: Tuple[int, int, int] = (1, 2, 2)
    text_len: int = 512
    in_dim: int = 16
    dim: int = 1536
    ffn_dim: int = 8960
    freq_dim: int = 256
    text_dim: int = 4096
    out_dim: int = 16
    num_heads: int = 12
    num_layers: int = 30
    qk_norm: bool = True
    cross_attn_norm: bool = True
    eps: float = 1e-6


@dataclass(frozen=True)
class TaewConfig:
    latent_channels: int = 16
    image_channels: int = 3
    patch_size: int = 1
    encoder_width: int = 64
    encoder_time_downscale: Tuple[bool, bool, bool] = (True, True, False)
    decoder_time_upscale: Tuple[bool, bool, bool] = (False, True, True)
    n_f: Tuple[int, int, int, int] = (256, 128, 64, 64)


@dataclass(frozen=True)
class VideoConfig:
    latent_frames: int = 5          # F; video frames = 4 F - 3
    height: int = 256
    width: int = 256
    fps: int = 16


@dataclass(frozen=True)
class WanConfig:
    name: str
    text: UMT5Config = field(default_factory=UMT5Config)
    dit: DiTConfig = field(default_factory=DiTConfig)
    taew: TaewConfig = field(default_factory=TaewConfig)
    video: VideoConfig = field(default_factory=VideoConfig)
    max_length: int = 512           # the tokenizer's and the text encoder's L (= dit.text_len)


WAN_1_3B = WanConfig(name="1.3b")

# The TEST FIXTURE. vocab_size is the tiny Unigram vocabulary's size (unigram.py make_tiny_vocab
# writes exactly this many pieces). The DiT head dim 32 keeps Wan's RoPE split (d - 4 (d // 6),
# 2 (d // 6), 2 (d // 6)) = (12, 10, 10) non-trivial on all three axes.
TINY_VOCAB_SIZE = 384
TINY = WanConfig(
    name="tiny",
    text=UMT5Config(vocab_size=TINY_VOCAB_SIZE, dim=32, dim_attn=32, dim_ffn=64, num_heads=4, num_layers=2),
    dit=DiTConfig(text_len=32, dim=64, ffn_dim=128, text_dim=32, num_heads=2, num_layers=2),
    taew=TaewConfig(encoder_width=8, n_f=(16, 8, 8, 8)),
    video=VideoConfig(latent_frames=3, height=64, width=64),
    max_length=32,
)

CONFIGS: Dict[str, WanConfig] = {"1.3b": WAN_1_3B, "tiny": TINY}


def get_config(name: str) -> WanConfig:
    if name not in CONFIGS:
        raise KeyError(f"unknown config {name!r}: one of {sorted(CONFIGS)}")
    return CONFIGS[name]
