#!/usr/bin/env python3
"""One command from the published AnimateDiff-Lightning + SD 1.5 files to a Zoetrope pack source folder.

    /usr/bin/python3 models/convert/animatediff.py \\
        --base <diffusers folder | single-file .safetensors/.ckpt> \\
        --motion animatediff_lightning_4step_diffusers.safetensors \\
        [--tokenizer <folder with vocab.json + merges.txt | tokenizer.json>]   (default: <base>/tokenizer)
        [--steps N] [--frames 16 --height 256 --width 256] [--beta-schedule linear]
        --id ID --name NAME --version X.Y.Z [--fixture] [--licence-file FILE]
        [--external-data] [--max-file-mb 256] [--no-fp16] [--int8-unet] --out DIR
    npm run pack-model -- DIR --out PACKDIR

Writes DIR/model.json (the animatediff kind's manifest fields, CONTRACT.md), tokenizer.json,
text_encoder.onnx, unet.onnx, vae_decoder.onnx (fp32; the UNet's weights as external data files
when over ~1.5 GB or with --external-data), fp16 WebGPU variants of the text encoder and the UNet
(*.fp16.onnx, "requires": ["shader-f16"]) and golden/ (PyTorch's numbers for the engine's tests). The checkpoints load
with strict key and shape checks into the plain-PyTorch modules of models/animatediff, so a file
of another layout fails here, naming the keys, rather than exporting something else.

This project has only ever run it on random-weight checkpoints of the published layouts
(tests/fixtures/animatediff-tiny, and a full-size random one outside git): no model hub is
reachable from its machines. --fixture marks the result as a TEST FIXTURE.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time

MODELS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, MODELS)
from zoetrope.cpu_env import ensure_fast_env  # noqa: E402

ensure_fast_env()

import onnx  # noqa: E402
import torch  # noqa: E402

from animatediff import int8_variant, safetensors_io  # noqa: E402
from animatediff.clip_text import ClipTextModel  # noqa: E402
from animatediff.clip_tokenizer import BOS, EOS, load_tokenizer_source  # noqa: E402
from animatediff.configs import CONFIGS, get_config  # noqa: E402
from animatediff.export_onnx import (DecoderGraph, DenoiserGraph, TextEncoderGraph, example_inputs,  # noqa: E402
                                     export_graph, graph_files)
from animatediff.external_data import MIB, split_external  # noqa: E402
from animatediff.golden import write_golden  # noqa: E402
from animatediff.ldm_keys import ldm_to_diffusers  # noqa: E402
from animatediff.onnx_fp16 import to_fp16  # noqa: E402
from animatediff.scheduler import EulerTrailing  # noqa: E402
from animatediff.unet import UNetMotion  # noqa: E402
from animatediff.vae import VaeDecoder  # noqa: E402

DEFAULT_LICENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "licenses", "creativeml-openrail-m.txt")
GRAPH_FILES = {"textEncoder": "text_encoder.onnx", "denoiser": "unet.onnx", "decoder": "vae_decoder.onnx"}
DIFFUSERS_PARTS = {  # subfolder -> the file names diffusers writes, preferred first
    "unet": ("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors", "diffusion_pytorch_model.bin"),
    "text_encoder": ("model.safetensors", "model.fp16.safetensors", "pytorch_model.bin"),
    "vae": ("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors", "diffusion_pytorch_model.bin"),
}


def log(msg: str) -> None:
    print(f"convert: {msg}", flush=True)


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(16 * MIB), b""):
            h.update(block)
    return h.hexdigest()


def load_state_dict(path: str) -> dict:
    if path.endswith(".safetensors"):
        return safetensors_io.load(path)
    sd = torch.load(path, map_location="cpu")
    return sd.get("state_dict", sd) if isinstance(sd, dict) else sd


def detect_config(unet_sd: dict, text_sd: dict):
    """The named config (configs.py) whose UNet has exactly these shapes; the text vocabulary from the file."""
    from animatediff.layout import unet_shapes
    shapes = {k: tuple(v.shape) for k, v in unet_sd.items()}
    vocab = int(text_sd["text_model.embeddings.token_embedding.weight"].shape[0])
    for name in CONFIGS:
        if unet_shapes(CONFIGS[name]) == shapes:
            return get_config(name, vocab_size=vocab)
    raise ValueError("--base: the UNet's keys and shapes match no known config (" + ", ".join(CONFIGS) + ")")


def single_file_config(sd: dict):
    conv_in = sd.get("model.diffusion_model.input_blocks.0.0.weight")
    if conv_in is None:
        raise ValueError("--base: not an SD 1.5 single-file checkpoint (no model.diffusion_model.input_blocks.0.0.weight)")
    for name, cfg in CONFIGS.items():
        if cfg.unet.block_out_channels[0] == conv_in.shape[0]:
            return cfg
    raise ValueError(f"--base: conv_in has {conv_in.shape[0]} channels, which no known config has")


def load_base(base: str):
    """({"unet", "text_encoder", "vae"} diffusers state dicts, [(file, path)] read)."""
    if os.path.isdir(base):
        parts, files = {}, []
        for sub, names in DIFFUSERS_PARTS.items():
            path = next((os.path.join(base, sub, n) for n in names if os.path.exists(os.path.join(base, sub, n))), None)
            if path is None:
                raise FileNotFoundError(f"--base: {base}/{sub}/ has none of {', '.join(names)}")
            parts[sub] = load_state_dict(path)
            files.append((os.path.relpath(path, os.path.dirname(os.path.abspath(base))), path))
        return parts, files
    sd = load_state_dict(base)
    parts, skipped = ldm_to_diffusers(sd, single_file_config(sd))
    if skipped:
        log(f"single file: {len(skipped)} keys no graph uses, skipped (e.g. {skipped[0]})")
    return parts, [(os.path.basename(base), base)]


def steps_from_name(path: str) -> int:
    m = re.search(r"(\d+)step", os.path.basename(path))
    if not m:
        raise ValueError(f"--steps: not given, and {os.path.basename(path)} does not name its step count (…_4step_…)")
    return int(m.group(1))


def build_modules(parts: dict, motion_sd: dict):
    cfg = detect_config(parts["unet"], parts["text_encoder"])
    unet = UNetMotion(cfg)
    unet.load_base_unet(parts["unet"])
    unet.load_motion(motion_sd)
    clip = ClipTextModel(cfg.text)
    clip.load(parts["text_encoder"])
    vae = VaeDecoder(cfg.vae)
    vae.load(parts["vae"])
    for m in (unet, clip, vae):
        m.eval()
    return cfg, unet, clip, vae


def fp16_variant(out: str, entry, max_file_bytes: int):
    """The fp16 twin of an exported graph; external data again if the fp32 one has it."""
    file = entry if isinstance(entry, str) else entry["file"]
    half_file = file.replace(".onnx", ".fp16.onnx")
    model = onnx.load(os.path.join(out, file), load_external_data=True)
    half = to_fp16(model, inplace=True)
    if isinstance(entry, str):
        onnx.save_model(half, os.path.join(out, half_file))
        return {"file": half_file, "externalData": [], "requires": ["shader-f16"]}
    data = split_external(half, out, out, half_file, max_file_bytes)
    return {"file": half_file, "externalData": data, "requires": ["shader-f16"]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    p.add_argument("--base", required=True)
    p.add_argument("--motion", required=True)
    p.add_argument("--tokenizer")
    p.add_argument("--steps", type=int)
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--height", type=int, default=256)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--fps", type=int, default=8)
    p.add_argument("--beta-schedule", default="linear", choices=["linear", "scaled_linear"],
                   help="linear, as AnimateDiff-Lightning's model card sets it (SD 1.5's own config: scaled_linear)")
    p.add_argument("--id", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--description")
    p.add_argument("--fixture", action="store_true", help="mark the pack as a TEST FIXTURE (random weights)")
    p.add_argument("--licence-file", "--license-file", dest="licence_file", default=DEFAULT_LICENCE)
    p.add_argument("--licence-name", "--license-name", dest="licence_name", default="CreativeML Open RAIL-M")
    p.add_argument("--external-data", action="store_true", help="every graph's weights as external data files")
    p.add_argument("--max-file-mb", type=float, default=256.0, help="the most one external data file holds (MiB)")
    p.add_argument("--no-fp16", action="store_true", help="no fp16 WebGPU variants")
    p.add_argument("--int8-unet", action="store_true",
                   help="the default denoiser as dynamic int8 (the form WASM's 4 GB heap can hold; use with --frames 8 at full size)")
    p.add_argument("--fp16-roles", default="textEncoder,denoiser",
                   help="the graphs that get an fp16 WebGPU variant (the kind's variantRoles; the VAE decoder's "
                        "GroupNorms at full resolution are where fp16 is most fragile, so it stays fp32 by default)")
    p.add_argument("--no-golden", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    if a.height % 8 or a.width % 8:
        p.error("--height and --width must be multiples of 8")
    max_file = int(a.max_file_mb * MIB)
    steps = a.steps if a.steps is not None else steps_from_name(a.motion)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()

    parts, base_files = load_base(a.base)
    motion_sd = safetensors_io.load(a.motion)
    tok_src = a.tokenizer or os.path.join(a.base if os.path.isdir(a.base) else os.path.dirname(a.base), "tokenizer")
    tok_json, bpe = load_tokenizer_source(tok_src)
    cfg, unet, clip, vae = build_modules(parts, motion_sd)
    del parts, motion_sd
    if len(bpe.vocab) != cfg.text.vocab_size:
        raise ValueError(f"--tokenizer: {len(bpe.vocab)} tokens, but the text encoder's embedding has {cfg.text.vocab_size}")
    log(f"config {cfg.name} (vocab {cfg.text.vocab_size}, text width {cfg.text.hidden_size}), {steps} steps, "
        f"loaded in {time.time() - t0:.1f} s")

    ex = example_inputs(a.frames, a.height, a.width, cfg.text.max_position_embeddings, cfg.text.hidden_size)
    graphs = {}
    for role, module in (("textEncoder", TextEncoderGraph(clip)), ("denoiser", DenoiserGraph(unet)), ("decoder", DecoderGraph(vae))):
        t = time.time()
        graphs[role] = export_graph(module, ex[role], role, a.out, GRAPH_FILES[role],
                                    external=True if a.external_data else None, max_file_bytes=max_file)
        log(f"{role}: {graph_files(graphs[role])} in {time.time() - t:.1f} s")

    scheduler = EulerTrailing(steps, a.beta_schedule)
    sched_manifest = scheduler.manifest([steps])
    if not a.no_golden:
        t = time.time()
        write_golden(os.path.join(a.out, "golden"), clip, unet, vae, bpe, scheduler, sched_manifest,
                     a.frames, a.height, a.width, cfg.vae.scaling_factor, cfg.text.max_position_embeddings)
        log(f"golden/ in {time.time() - t:.1f} s")
    del unet, clip, vae, module  # the fp16 pass holds a whole fp32 graph; the torch copies are no longer needed
    variants = {}
    if not a.no_fp16:
        variants["webgpu"] = {}
        for role in a.fp16_roles.split(","):
            variants["webgpu"][role] = fp16_variant(a.out, graphs[role], max_file)
        log(f"fp16 variants: {[v['file'] for v in variants['webgpu'].values()]}")
    if a.int8_unet:
        # The form WASM can hold (README, "Full-size random-weight AnimateDiff pack"): the int8 UNet
        # becomes the default denoiser and the fp32 one (5.25 GB at full size) leaves the folder; a
        # GPU with shader-f16 still takes the fp16 variant.
        t = time.time()
        fp32_files = graph_files(graphs["denoiser"])
        stats = int8_variant.convert(a.out, fp32_files[0], "unet.int8.onnx", max_file)
        for name in fp32_files:
            os.remove(os.path.join(a.out, name))
        graphs["denoiser"] = {"file": stats["files"][0], "externalData": stats["files"][1:]} if stats["files"][1:] else stats["files"][0]
        log(f"int8 UNet: {stats['matmul']} MatMuls and {stats['conv']} Convs dynamic int8, "
            f"{stats['bytes_in'] / 1e9:.3f} GB -> {stats['bytes_out'] / 1e9:.3f} GB, in {time.time() - t:.1f} s")

    with open(os.path.join(a.out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok_json, f, ensure_ascii=False)
    eos = bpe.vocab[EOS]
    with open(a.licence_file, encoding="utf-8") as f:
        licence_text = f.read()
    sources = [{"role": "base", "file": name, "sha256": sha256_file(path)} for name, path in base_files]
    sources.append({"role": "motion", "file": os.path.basename(a.motion), "sha256": sha256_file(a.motion)})
    h, w = a.height // 8, a.width // 8
    random_note = " Random weights: a TEST FIXTURE, it draws noise." if a.fixture else ""
    manifest = {
        "id": a.id, "name": a.name, "version": a.version, "license": a.licence_name, "fixture": bool(a.fixture),
        "description": a.description or (f"AnimateDiff-Lightning ({steps}-step motion module) on an SD 1.5 base, "
                                          f"{a.frames} frames of {a.width}x{a.height}.{random_note}"),
        "pipeline": "animatediff",
        "video": {"frames": a.frames, "height": a.height, "width": a.width, "fps": a.fps},
        "sample": {"shape": [4, a.frames, h, w]},
        "scheduler": sched_manifest,
        "latent": {"scalingFactor": cfg.vae.scaling_factor},
        "tokenizer": {"file": "tokenizer.json", "maxLength": cfg.text.max_position_embeddings, "padId": eos,
                      "unkId": eos, "bosId": bpe.vocab[BOS], "eosId": eos},
        "graphs": graphs,
        "licenseText": licence_text,
        "sources": sources,
    }
    if variants:
        manifest["variants"] = variants
    if cfg.name != "tiny":
        # An 860 M-parameter UNet: "Automatic" without a hardware GPU says so instead of starting it on
        # WASM, where its 16-frame UNet alone outgrows the 4 GB heap (README, "Full-size random-weight
        # AnimateDiff pack"); choosing WASM in Settings still runs it.
        manifest["requiresGpu"] = True
    with open(os.path.join(a.out, "model.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")
    log(f"wrote {a.out} in {time.time() - t0:.1f} s; now: npm run pack-model -- {a.out} --out <packdir>")
    return 0


if __name__ == "__main__":
    sys.exit(main())
