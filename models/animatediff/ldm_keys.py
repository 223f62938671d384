"""The original single-file SD 1.5 checkpoint layout (CompVis `ldm`, e.g. v1-5-pruned-emaonly)
<-> diffusers names, for the UNet, the VAE and the CLIP text model, the mapping diffusers'
`single_file_utils.convert_ldm_*_checkpoint` applies:

  model.diffusion_model.     time_embed.{0,2} input_blocks.{n}.{0 resnet|1 attention|0.op}
                             middle_block.{0,1,2} output_blocks.{n}.{0|1|1/2.conv} out.{0,2};
                             resnets in_layers.{0,2} emb_layers.1 out_layers.{0,3} skip_connection
  first_stage_model.         encoder/decoder.{down,up}.{i}.block.{j} (up counted from the bottom:
                             diffusers up_blocks.i = ldm up.{n-1-i}), mid.block_{1,2}, mid.attn_1.
                             {norm,q,k,v,proj_out} as 1x1 convs ([C, C, 1, 1], diffusers [C, C]),
                             norm_out, nin_shortcut, downsample/upsample.conv
  cond_stage_model.transformer.  + the transformers CLIPTextModel names unchanged

The name map is built from the published diffusers key lists (layout.py) and inverted, so both
directions cover exactly the same keys and an unknown name is an error, not a silent drop.
Keys of a single file that no model here uses are skipped by rule, and listed: the DDPM
schedule buffers at top level (betas, alphas_cumprod, …), `model_ema.*` (the EMA copy or its
counters), `first_stage_model.loss.*` (the training loss's parameters some files keep).
"""

import re
from typing import Dict, List, Tuple

import torch

from . import layout
from .configs import SD15, FamilyConfig

UNET_PREFIX = "model.diffusion_model."
VAE_PREFIX = "first_stage_model."
CLIP_PREFIX = "cond_stage_model.transformer."

_RESNET_LDM = [("norm1", "in_layers.0"), ("conv1", "in_layers.2"), ("time_emb_proj", "emb_layers.1"),
               ("norm2", "out_layers.0"), ("conv2", "out_layers.3"), ("conv_shortcut", "skip_connection")]
_VAE_ATTN_LDM = [("group_norm", "norm"), ("to_q", "q"), ("to_k", "k"), ("to_v", "v"),
                 ("to_out.0", "proj_out")]
_VAE_ATTN_RE = re.compile(r"^(?:en|de)coder\.mid_block\.attentions\.0\.(to_q|to_k|to_v|to_out\.0)\.weight$")


def _sub_first(rest: str, pairs) -> str:
    for new, old in pairs:
        if rest == new or rest.startswith(new + "."):
            return old + rest[len(new):]
    return rest


def unet_key_to_ldm(key: str, cfg: FamilyConfig = SD15) -> str:
    u = cfg.unet
    n = u.layers_per_block + 1  # ldm input/output blocks per diffusers block
    fixed = {"conv_in": "input_blocks.0.0", "time_embedding.linear_1": "time_embed.0",
             "time_embedding.linear_2": "time_embed.2", "conv_norm_out": "out.0", "conv_out": "out.2"}
    for new, old in fixed.items():
        if key.startswith(new + "."):
            return old + key[len(new):]
    m = re.match(r"^down_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.*)$", key)
    if m:
        i, kind, j, rest = int(m[1]), m[2], int(m[3]), m[4]
        if kind == "resnets":
            return f"input_blocks.{n * i + j + 1}.0.{_sub_first(rest, _RESNET_LDM)}"
        return f"input_blocks.{n * i + j + 1}.1.{rest}"
    m = re.match(r"^down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.*)$", key)
    if m:
        return f"input_blocks.{n * (int(m[1]) + 1)}.0.op.{m[2]}"
    m = re.match(r"^mid_block\.(resnets|attentions)\.(\d+)\.(.*)$", key)
    if m:
        if m[1] == "attentions":
            return f"middle_block.1.{m[3]}"
        return f"middle_block.{2 * int(m[2])}.{_sub_first(m[3], _RESNET_LDM)}"
    m = re.match(r"^up_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.*)$", key)
    if m:
        i, kind, j, rest = int(m[1]), m[2], int(m[3]), m[4]
        if kind == "resnets":
            return f"output_blocks.{n * i + j}.0.{_sub_first(rest, _RESNET_LDM)}"
        return f"output_blocks.{n * i + j}.1.{rest}"
    m = re.match(r"^up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.*)$", key)
    if m:
        i = int(m[1])
        slot = 2 if u.up_block_types[i].startswith("CrossAttn") else 1
        return f"output_blocks.{n * i + n - 1}.{slot}.conv.{m[2]}"
    raise KeyError(f"UNet key {key!r} has no ldm name")


def vae_key_to_ldm(key: str, cfg: FamilyConfig = SD15) -> str:
    nb = len(cfg.vae.block_out_channels)
    for part in ("encoder", "decoder"):
        for new, old in (("conv_in", "conv_in"), ("conv_out", "conv_out"), ("conv_norm_out", "norm_out")):
            if key.startswith(f"{part}.{new}."):
                return f"{part}.{old}" + key[len(part) + 1 + len(new):]
    for name in ("quant_conv", "post_quant_conv"):
        if key.startswith(name + "."):
            return key
    m = re.match(r"^encoder\.down_blocks\.(\d+)\.resnets\.(\d+)\.(.*)$", key)
    if m:
        return f"encoder.down.{m[1]}.block.{m[2]}.{m[3].replace('conv_shortcut', 'nin_shortcut')}"
    m = re.match(r"^encoder\.down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.*)$", key)
    if m:
        return f"encoder.down.{m[1]}.downsample.conv.{m[2]}"
    m = re.match(r"^decoder\.up_blocks\.(\d+)\.resnets\.(\d+)\.(.*)$", key)
    if m:
        return (f"decoder.up.{nb - 1 - int(m[1])}.block.{m[2]}."
                f"{m[3].replace('conv_shortcut', 'nin_shortcut')}")
    m = re.match(r"^decoder\.up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.*)$", key)
    if m:
        return f"decoder.up.{nb - 1 - int(m[1])}.upsample.conv.{m[2]}"
    m = re.match(r"^(encoder|decoder)\.mid_block\.resnets\.(\d+)\.(.*)$", key)
    if m:
        return f"{m[1]}.mid.block_{int(m[2]) + 1}.{m[3].replace('conv_shortcut', 'nin_shortcut')}"
    m = re.match(r"^(encoder|decoder)\.mid_block\.attentions\.0\.(.*)$", key)
    if m:
        return f"{m[1]}.mid.attn_1.{_sub_first(m[2], _VAE_ATTN_LDM)}"
    raise KeyError(f"VAE key {key!r} has no ldm name")


def name_map(cfg: FamilyConfig = SD15) -> Dict[str, Tuple[str, str]]:
    """ldm full name -> (part, diffusers name), part one of unet / vae / text_encoder."""
    out: Dict[str, Tuple[str, str]] = {}
    for k in layout.unet_shapes(cfg):
        out[UNET_PREFIX + unet_key_to_ldm(k, cfg)] = ("unet", k)
    for k in layout.vae_shapes(cfg):
        out[VAE_PREFIX + vae_key_to_ldm(k, cfg)] = ("vae", k)
    for k in layout.clip_shapes(cfg, position_ids=True):
        out[CLIP_PREFIX + k] = ("text_encoder", k)
    return out


def is_skipped_ldm_key(key: str) -> bool:
    return "." not in key or key.startswith(("model_ema.", "first_stage_model.loss."))


def _to_linear(t: torch.Tensor) -> torch.Tensor:
    return t.reshape(t.shape[0], t.shape[1]) if t.dim() > 2 else t


def ldm_to_diffusers(state_dict: Dict[str, torch.Tensor], cfg: FamilyConfig = SD15
                     ) -> Tuple[Dict[str, Dict[str, torch.Tensor]], List[str]]:
    """({"unet": …, "vae": …, "text_encoder": …}, skipped keys). Raises on a key it does not
    know and on a published key the file lacks (position_ids excepted, which some files lack)."""
    names = name_map(cfg)
    parts: Dict[str, Dict[str, torch.Tensor]] = {"unet": {}, "vae": {}, "text_encoder": {}}
    skipped, unknown = [], []
    for k, v in state_dict.items():
        if k in names:
            part, dk = names[k]
            parts[part][dk] = _to_linear(v) if part == "vae" and _VAE_ATTN_RE.match(dk) else v
        elif is_skipped_ldm_key(k):
            skipped.append(k)
        else:
            unknown.append(k)
    missing = [k for k, (p, dk) in names.items() if dk not in parts[p]
               and not dk.endswith("position_ids")]
    if unknown or missing:
        raise KeyError(f"single-file checkpoint: {len(unknown)} unknown keys {unknown[:5]}, "
                       f"{len(missing)} missing {missing[:5]}")
    return parts, sorted(skipped)


def diffusers_to_ldm(unet: Dict[str, torch.Tensor], vae: Dict[str, torch.Tensor],
                     text_encoder: Dict[str, torch.Tensor], cfg: FamilyConfig = SD15
                     ) -> Dict[str, torch.Tensor]:
    """The inverse: diffusers state dicts -> one single-file state dict (the VAE's attention
    weights as the 1x1 convs ldm stores)."""
    out: Dict[str, torch.Tensor] = {}
    for k, v in unet.items():
        out[UNET_PREFIX + unet_key_to_ldm(k, cfg)] = v
    for k, v in vae.items():
        out[VAE_PREFIX + vae_key_to_ldm(k, cfg)] = (v.reshape(*v.shape, 1, 1)
                                                    if _VAE_ATTN_RE.match(k) else v)
    for k, v in text_encoder.items():
        out[CLIP_PREFIX + k] = v
    return out


def ldm_shape(part: str, key: str, shape: Tuple[int, ...]) -> Tuple[int, ...]:
    """The shape a diffusers tensor has in the single file."""
    return tuple(shape) + (1, 1) if part == "vae" and _VAE_ATTN_RE.match(key) else tuple(shape)
