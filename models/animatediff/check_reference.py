"""Check our modules against the published reference implementations, run on a random-weight
checkpoint (by default the TEST FIXTURE): diffusers' own UNetMotionModel, MotionAdapter,
UNet2DConditionModel and AutoencoderKL, and OpenAI's own CLIP text transformer. Not a unit test:
it needs those two source trees, which are not part of this project and are not installable here
(no PyPI), so it takes their paths:

    git -C <diffusers clone> archive v0.27.2 src/diffusers | tar -x -C /tmp/ref
    git -C <openai/CLIP clone> archive HEAD clip | tar -x -C /tmp/ref
    /usr/bin/python3 models/animatediff/check_reference.py --diffusers /tmp/ref/src --openai-clip /tmp/ref/clip

diffusers' model code imports hub and image packages (huggingface_hub, safetensors, PIL, …) that
its models never call: while importing it, a placeholder module stands in for each one that is
missing. v0.27.2 is the version checked (newer ones need a newer torch than 1.13).

Measured on the tiny fixture (batch 2, 8 frames, t 999/749/10): all four reference models load
its files with strict=True, and the largest differences from ours are 1e-5 (UNet + motion),
2e-6 (VAE decode) and 1.5e-6 (CLIP text), all float32 rounding. On the full-size random
checkpoint (`--config sd15 --root /tmp/animatediff-sd15-random --skip-unet`, 6 min 44 s, 2.1 GB
peak on a loaded machine): VAE decode 8.6e-6 (512 x 512), CLIP text 2.9e-6. The full-size UNet
pair was not run here (two 5.3 GB models; the machine is shared).
"""

import argparse
import importlib.abc
import importlib.machinery
import json
import os
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from animatediff import safetensors_io as st  # noqa: E402
from animatediff.clip_text import ClipTextModel  # noqa: E402
from animatediff.configs import get_config  # noqa: E402
from animatediff.unet import UNetMotion  # noqa: E402
from animatediff.vae import VaeDecoder  # noqa: E402

PLACEHOLDERS = {"huggingface_hub", "safetensors", "filelock", "PIL", "regex", "tqdm",
                "importlib_metadata", "packaging"}


class _Anything:
    """Whatever diffusers asks of a placeholder at import time: callable, attribute-able, falsy."""

    def __init__(self, *a, **k):
        pass

    def __call__(self, *a, **k):
        return _Anything()

    def __getattr__(self, name):
        return _Anything()

    def __bool__(self):
        return False

    def __iter__(self):
        return iter(())


class _Version:
    """packaging.version.Version for the version comparisons diffusers makes at import."""

    def __init__(self, s):
        import re
        nums = [int(n) for n in re.findall(r"\d+", str(s).split("+")[0])[:3]]
        self.release = tuple(nums + [0] * (3 - len(nums)))
        self.base_version = ".".join(map(str, self.release))
        self.major, self.minor, self.micro = self.release
        self.is_prerelease = self.is_devrelease = False

    def _key(self, other):
        return (other if isinstance(other, _Version) else _Version(other)).release

    def __lt__(self, o): return self.release < self._key(o)
    def __le__(self, o): return self.release <= self._key(o)
    def __gt__(self, o): return self.release > self._key(o)
    def __ge__(self, o): return self.release >= self._key(o)
    def __eq__(self, o): return self.release == self._key(o)
    def __hash__(self): return hash(self.release)


class _Placeholder(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name == "parse" and self.__name__ == "packaging.version":
            return _Version
        if name == "Version":
            return _Version
        if name.isupper():  # constants such as HF_HOME: a path
            return "/tmp/zoetrope-reference-check"
        if name[:1].isupper():  # classes and exception types
            base = Exception if name.endswith(("Error", "Exception", "Warning")) else object
            cls = type(name, (base,), {"__init__": lambda s, *a, **k: None})
            setattr(self, name, cls)
            return cls
        return _Anything()


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        top = name.split(".")[0]
        if top in PLACEHOLDERS and top in self.missing:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        m = _Placeholder(spec.name)
        m.__path__ = []
        m.__version__ = "0.30.0"
        return m

    def exec_module(self, module):
        pass


def import_diffusers(src: str):
    finder = _Finder()
    finder.missing = set()
    for top in PLACEHOLDERS:
        try:
            importlib.import_module(top)
        except ImportError:
            finder.missing.add(top)
    sys.meta_path.insert(0, finder)
    check = types.ModuleType("diffusers.dependency_versions_check")
    check.dep_version_check = lambda *a, **k: None
    sys.modules["diffusers.dependency_versions_check"] = check
    sys.path.insert(0, src)
    from diffusers.models.autoencoders.autoencoder_kl import AutoencoderKL
    from diffusers.models.unets.unet_2d_condition import UNet2DConditionModel
    from diffusers.models.unets.unet_motion_model import MotionAdapter, UNetMotionModel
    return UNet2DConditionModel, MotionAdapter, UNetMotionModel, AutoencoderKL


def _json(path):
    return {k: v for k, v in json.load(open(path)).items() if not k.startswith("_")}


def _report(what, a, b, tol, failures):
    d = (a - b).abs().max().item()
    print(f"{what}: max |diff| {d:.3e} (max |reference| {a.abs().max().item():.3f})", flush=True)
    if not d <= tol:
        failures.append(what)


def check_diffusers(src, root, cfg, tol, failures, unet=True):
    UNet2D, Adapter, UNetMotionRef, AutoencoderKL = import_diffusers(src)
    dif = os.path.join(root, "sd15-diffusers")
    load = lambda p: {k: v.float() for k, v in st.load(p).items()}  # noqa: E731
    if unet:
        check_unet(UNet2D, Adapter, UNetMotionRef, root, cfg, tol, failures, load)
    V = load(os.path.join(dif, "vae", "diffusion_pytorch_model.safetensors"))
    g = torch.Generator().manual_seed(4)
    h = cfg.height // 8
    with torch.no_grad():
        vae = AutoencoderKL(**_json(os.path.join(dif, "vae", "config.json"))).eval()
        print("diffusers AutoencoderKL strict:", vae.load_state_dict(V, strict=True))
        dec = VaeDecoder(cfg.vae).eval()
        dec.load(V)
        z = 5 * torch.randn(1, 4, h, h, generator=g)
        _report("VAE decode", vae.decode(z).sample, dec(z), tol, failures)


def check_unet(UNet2D, Adapter, UNetMotionRef, root, cfg, tol, failures, load):
    dif = os.path.join(root, "sd15-diffusers")
    U = load(os.path.join(dif, "unet", "diffusion_pytorch_model.safetensors"))
    M = load(os.path.join(root, "animatediff_lightning_4step_diffusers.safetensors"))
    print("diffusers UNet2DConditionModel strict:", UNet2D(**_json(os.path.join(dif, "unet", "config.json")))
          .load_state_dict(U, strict=True))
    m = cfg.motion
    print("diffusers MotionAdapter strict:", Adapter(
        block_out_channels=m.block_out_channels, motion_layers_per_block=m.motion_layers_per_block,
        motion_mid_block_layers_per_block=m.motion_mid_block_layers_per_block,
        motion_num_attention_heads=m.motion_num_attention_heads, motion_norm_num_groups=m.motion_norm_num_groups,
        motion_max_seq_length=m.motion_max_seq_length, use_motion_mid_block=m.use_motion_mid_block)
        .load_state_dict(M, strict=True))
    u = cfg.unet
    # Built from the config rather than with from_unet2d: v0.27.2's from_unet2d drops
    # attention_head_dim (SD 1.5's head count) for its default 8 heads.
    ref = UNetMotionRef(block_out_channels=u.block_out_channels, layers_per_block=u.layers_per_block,
                        norm_num_groups=u.norm_num_groups, cross_attention_dim=u.cross_attention_dim,
                        num_attention_heads=u.attention_head_dim,
                        motion_num_attention_heads=m.motion_num_attention_heads,
                        motion_max_seq_length=m.motion_max_seq_length,
                        use_motion_mid_block=m.use_motion_mid_block).eval()
    # v0.27.2 gives UpBlockMotion's motion modules no temporal_norm_num_groups (its default 32 is
    # SD 1.5's; only a reduced config differs): set the adapter's.
    for name, mod in ref.named_modules():
        if ".motion_modules." in name and isinstance(mod, torch.nn.GroupNorm):
            mod.num_groups = m.motion_norm_num_groups
    print("diffusers UNetMotionModel strict (UNet + MotionAdapter files):",
          ref.load_state_dict({**U, **M}, strict=True))
    mine = UNetMotion(cfg).eval()
    mine.load_base_unet(U)
    mine.load_motion(M)
    g = torch.Generator().manual_seed(3)
    h = cfg.height // 8
    x = torch.randn(2, 4, cfg.frames, h, h, generator=g)
    ctx = torch.randn(2, 77, u.cross_attention_dim, generator=g)
    with torch.no_grad():
        for t in (999, 749, 10):
            _report(f"UNet + motion, t={t}", ref(x, torch.tensor(t), ctx).sample,
                    mine(x, torch.tensor([t]), ctx), tol, failures)


def check_clip(clip_dir, root, cfg, tol, failures):
    sys.path.insert(0, clip_dir)
    from model import LayerNorm, Transformer  # OpenAI's clip/model.py
    T = {k: v.float() for k, v in st.load(os.path.join(root, "sd15-diffusers", "text_encoder", "model.safetensors")).items()}
    c = cfg.text
    n = c.max_position_embeddings
    ref = Transformer(c.hidden_size, c.num_hidden_layers, c.num_attention_heads,
                      attn_mask=torch.full((n, n), float("-inf")).triu(1)).eval()
    sd = {}
    for i in range(c.num_hidden_layers):
        p, q = f"text_model.encoder.layers.{i}.", f"resblocks.{i}."
        sd[q + "attn.in_proj_weight"] = torch.cat([T[p + f"self_attn.{x}_proj.weight"] for x in "qkv"])
        sd[q + "attn.in_proj_bias"] = torch.cat([T[p + f"self_attn.{x}_proj.bias"] for x in "qkv"])
        for a, b in (("attn.out_proj", "self_attn.out_proj"), ("ln_1", "layer_norm1"), ("ln_2", "layer_norm2"),
                     ("mlp.c_fc", "mlp.fc1"), ("mlp.c_proj", "mlp.fc2")):
            for w in ("weight", "bias"):
                sd[q + a + "." + w] = T[p + b + "." + w]
    print("OpenAI CLIP text transformer strict:", ref.load_state_dict(sd, strict=True))
    ln = LayerNorm(c.hidden_size)
    ln.load_state_dict({"weight": T["text_model.final_layer_norm.weight"], "bias": T["text_model.final_layer_norm.bias"]})
    mine = ClipTextModel(c).eval()
    mine.load(T)
    ids = torch.tensor([[c.bos_token_id] + list(range(3, 40)) + [c.eos_token_id] * (n - 38)])
    with torch.no_grad():
        x = T["text_model.embeddings.token_embedding.weight"][ids] + T["text_model.embeddings.position_embedding.weight"]
        _report("CLIP text (last hidden state)", ln(ref(x.permute(1, 0, 2)).permute(1, 0, 2)), mine(ids), tol, failures)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--diffusers", help="a diffusers source tree's src/ folder (v0.27.2)")
    ap.add_argument("--openai-clip", help="openai/CLIP's clip/ folder")
    ap.add_argument("--root", default=os.path.join(here, "..", "..", "tests", "fixtures", "animatediff-tiny"),
                    help="a make_random.py output folder (default: the TEST FIXTURE)")
    ap.add_argument("--config", default="tiny", choices=["tiny", "sd15"])
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--skip-unet", action="store_true",
                    help="VAE and CLIP only (at sd15 size the two UNets need ~11 GB together)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    cfg = get_config(a.config)
    failures = []
    if a.diffusers:
        check_diffusers(a.diffusers, a.root, cfg, a.tol, failures, unet=not a.skip_unet)
    if a.openai_clip:
        check_clip(a.openai_clip, a.root, cfg, a.tol, failures)
    if not (a.diffusers or a.openai_clip):
        ap.error("give --diffusers and/or --openai-clip")
    print("FAILED: " + ", ".join(failures) if failures else "all within tolerance")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
