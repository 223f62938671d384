"""Named architecture configs of the AnimateDiff / SD 1.5 family: `sd15` (the published sizes)
and `tiny` (the TEST FIXTURE's: the same block types and parameter names at reduced width).

Field names follow the diffusers / transformers config.json fields they stand for, so that
`make_random.py` can write those config files and a reader can check them against a real
checkpoint's. Note SD 1.5's `attention_head_dim: 8` is, in diffusers, the number of heads
(dim per head = channels / 8): diffusers keeps that historical misnaming, and so do we.
"""

from dataclasses import dataclass, field, replace
from typing import Dict, Tuple


@dataclass(frozen=True)
class UNetConfig:
    in_channels: int = 4
    out_channels: int = 4
    block_out_channels: Tuple[int, ...] = (320, 640, 1280, 1280)
    # which down blocks have cross-attention (CrossAttnDownBlock2D) vs plain (DownBlock2D);
    # the up blocks mirror it (UpBlock2D first).
    down_block_types: Tuple[str, ...] = ("CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                         "CrossAttnDownBlock2D", "DownBlock2D")
    up_block_types: Tuple[str, ...] = ("UpBlock2D", "CrossAttnUpBlock2D",
                                       "CrossAttnUpBlock2D", "CrossAttnUpBlock2D")
    layers_per_block: int = 2
    cross_attention_dim: int = 768
    attention_head_dim: int = 8          # = number of heads (diffusers' naming)
    norm_num_groups: int = 32
    norm_eps: float = 1e-5
    sample_size: int = 64


@dataclass(frozen=True)
class MotionConfig:
    """diffusers MotionAdapter (AnimateDiff v1.5 v2, which AnimateDiff-Lightning distils)."""
    block_out_channels: Tuple[int, ...] = (320, 640, 1280, 1280)
    motion_layers_per_block: int = 2
    motion_mid_block_layers_per_block: int = 1
    motion_num_attention_heads: int = 8
    motion_norm_num_groups: int = 32
    motion_max_seq_length: int = 32
    use_motion_mid_block: bool = True


@dataclass(frozen=True)
class ClipTextConfig:
    """transformers CLIPTextConfig of CLIP ViT-L/14 (openai/clip-vit-large-patch14)."""
    vocab_size: int = 49408
    hidden_size: int = 768
    intermediate_size: int = 3072
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    max_position_embeddings: int = 77
    hidden_act: str = "quick_gelu"
    layer_norm_eps: float = 1e-5
    bos_token_id: int = 49406
    eos_token_id: int = 49407
    pad_token_id: int = 1


@dataclass(frozen=True)
class VaeConfig:
    """diffusers AutoencoderKL of SD 1.5."""
    in_channels: int = 3
    out_channels: int = 3
    latent_channels: int = 4
    block_out_channels: Tuple[int, ...] = (128, 256, 512, 512)
    layers_per_block: int = 2
    norm_num_groups: int = 32
    scaling_factor: float = 0.18215
    sample_size: int = 512


@dataclass(frozen=True)
class FamilyConfig:
    name: str
    unet: UNetConfig = field(default_factory=UNetConfig)
    motion: MotionConfig = field(default_factory=MotionConfig)
    text: ClipTextConfig = field(default_factory=ClipTextConfig)
    vae: VaeConfig = field(default_factory=VaeConfig)
    frames: int = 16
    height: int = 512
    width: int = 512


SD15 = FamilyConfig(name="sd15")

# The TEST FIXTURE's sizes. layers_per_block stays 2 (and the up blocks' 3) so that every
# per-index name of the published layout (resnets.1, attentions.2, motion_modules.2 …) exists;
# only widths shrink. The widths grow between the same blocks as SD 1.5's (8/16/32/32 like
# 320/640/1280/1280, and 128/256/512/512 in the VAE) so that every conv_shortcut exists too:
# the tiny files have exactly the published key lists, only the shapes differ. vocab_size is
# the fixture's tiny BPE vocabulary (clip_tokenizer.py).
TINY_VOCAB_SIZE = 1000
TINY = FamilyConfig(
    name="tiny",
    unet=UNetConfig(block_out_channels=(8, 16, 32, 32), cross_attention_dim=32,
                    attention_head_dim=2, norm_num_groups=4, sample_size=8),
    motion=MotionConfig(block_out_channels=(8, 16, 32, 32), motion_num_attention_heads=2,
                        motion_norm_num_groups=4),
    text=ClipTextConfig(vocab_size=TINY_VOCAB_SIZE, hidden_size=32, intermediate_size=128,
                        num_hidden_layers=2, num_attention_heads=2,
                        bos_token_id=TINY_VOCAB_SIZE - 2, eos_token_id=TINY_VOCAB_SIZE - 1),
    vae=VaeConfig(block_out_channels=(8, 16, 32, 32), norm_num_groups=4, sample_size=64),
    frames=8, height=64, width=64,
)

CONFIGS: Dict[str, FamilyConfig] = {"sd15": SD15, "tiny": TINY}


def get_config(name: str, **text_overrides) -> FamilyConfig:
    """A named config; `vocab_size=N` (etc.) overrides the text config, for a fixture whose
    tokenizer has another size."""
    if name not in CONFIGS:
        raise KeyError(f"unknown config {name!r}: one of {sorted(CONFIGS)}")
    cfg = CONFIGS[name]
    if text_overrides:
        cfg = replace(cfg, text=replace(cfg.text, **text_overrides))
    return cfg
