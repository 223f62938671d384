#!/usr/bin/env python3
"""One command from the published Wan 2.1 T2V 1.3B + rCM + TAEW2.1 files to a Zoetrope pack source folder.

    /usr/bin/python3 models/convert/wan.py \\
        --wan-dir Wan2.1-T2V-1.3B/            (models_t5_umt5-xxl-enc-bf16.pth, google/umt5-xxl/tokenizer.json,
                                               and diffusion_pytorch_model.safetensors unless --dit is given)
        [--dit rCM_Wan2.1_T2V_1.3B_480p.pt]   (rCM's distilled DiT; or a Wan-layout .safetensors)
        --taew taew2_1.pth
        [--text-encoder FILE] [--tokenizer tokenizer.json]    (override the --wan-dir defaults)
        [--latent-frames 5 --height 256 --width 256 --fps 16] [--steps 1,2,3,4 --default-steps 4]
        [--sigma-max 80 --mid-t 1.5,1.4,1.0]
        --id ID --name NAME --version X.Y.Z [--fixture] [--licence-file FILE ...]
        [--external-data] [--max-file-mb 256] [--embeddings-dtype float32|float16|int8]
        [--embeddings-max-file-mb 256] [--no-fp16] [--fp16-roles denoiser,decoder]
        [--int4-text [--int4-block 32]] [--no-golden] --out DIR
    npm run pack-model -- DIR --out PACKDIR

Writes DIR/model.json (the manifest fields of models/wan/CONTRACT.md), tokenizer.json (the input file,
as it is), token_embedding.N.bin (umT5's token table, outside the graph), text_encoder.onnx, dit.onnx,
taew_decoder.onnx (fp32; weights as external data over ~1.5 GB or with --external-data), fp16 WebGPU
variants (*.fp16.onnx, "requires": ["shader-f16"]) and golden/. With --int4-text the text encoder is
text_encoder.int4.onnx instead (MatMulNBits, 4-bit weights: models/wan/int4_text.py), the form one
onnxruntime-web session can hold at full size; the fp32 one is not kept. The token table is int8 with
per-row scales at full size unless --embeddings-dtype says otherwise (float32 for the tiny fixture).
Every checkpoint loads with strict key and shape checks (models/wan/layout.py), so a file of another
layout fails here, naming the keys.

With --dit an rCM checkpoint (`net.` keys, Linear patch embedding) or a Wan-layout DiT may be given;
the sampler is rCM's few-step one either way, which only the distilled checkpoint is trained for.
This project has only run it on random-weight checkpoints of the published layouts
(tests/fixtures/wan-tiny): no model hub is reachable from its machines. --fixture marks a TEST FIXTURE.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import replace

MODELS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, MODELS)
from zoetrope.cpu_env import ensure_fast_env  # noqa: E402

ensure_fast_env()

import onnx  # noqa: E402
import torch  # noqa: E402

from animatediff import safetensors_io  # noqa: E402
from animatediff.external_data import MIB, split_external  # noqa: E402
from animatediff.onnx_fp16 import to_fp16  # noqa: E402
from wan import layout  # noqa: E402
from wan.configs import CONFIGS, DiTConfig, WanConfig  # noqa: E402
from wan.dit import FP32_SCOPE, WanDiT  # noqa: E402
from wan.embeddings import write_table  # noqa: E402
from wan.export_onnx import export_all, graph_files  # noqa: E402
from wan.golden import write_golden  # noqa: E402
from wan import int4_text  # noqa: E402
from wan.scheduler import MID_T, SIGMA_MAX, RcmTimes  # noqa: E402
from wan.taew import Taew  # noqa: E402
from wan.umt5 import UMT5Encoder  # noqa: E402
from wan.unigram import load_tokenizer_json  # noqa: E402

LICENCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "licenses")
DEFAULT_LICENCES = [os.path.join(LICENCES, "apache-2.0.txt"), os.path.join(LICENCES, "taehv-mit.txt")]
GRAPH_FILES = {"textEncoder": "text_encoder.onnx", "denoiser": "dit.onnx", "decoder": "taew_decoder.onnx"}
WAN_FILES = {"text": "models_t5_umt5-xxl-enc-bf16.pth", "tokenizer": os.path.join("google", "umt5-xxl", "tokenizer.json"),
             "dit": "diffusion_pytorch_model.safetensors"}


def log(msg: str) -> None:
    print(f"convert: {msg}", flush=True)


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(16 * MIB), b""):
            h.update(block)
    return h.hexdigest()


def load_file(path: str) -> dict:
    if path.endswith(".safetensors"):
        return safetensors_io.load(path)
    sd = torch.load(path, map_location="cpu")
    if not isinstance(sd, dict):
        raise ValueError(f"{path}: not a state dict ({type(sd).__name__})")
    return sd


def shapes_of(sd: dict) -> dict:
    return {k: tuple(v.shape) for k, v in sd.items()}


def detect(sd_dit: dict, sd_text: dict) -> WanConfig:
    """The named config whose DiT, umT5 (any vocabulary size) and TAEW have exactly these shapes."""
    dit, text = shapes_of(sd_dit), shapes_of(sd_text)
    vocab = text.get("token_embedding.weight", (0,))[0]
    for cfg in CONFIGS.values():
        c = replace(cfg, text=replace(cfg.text, vocab_size=vocab))
        if layout.dit_shapes(c.dit) == dit and layout.umt5_shapes(c.text) == text:
            return c
    raise ValueError("the DiT's and umT5's keys and shapes match no known config (" + ", ".join(CONFIGS) + "); "
                     "--config NAME loads them strictly and names every difference")


def fp16_variant(out: str, entry, max_file_bytes: int) -> dict:
    """The fp16 twin of an exported graph (the DiT's timestep sinusoid stays fp32: dit.FP32_SCOPE)."""
    file = entry if isinstance(entry, str) else entry["file"]
    half_file = file.replace(".onnx", ".fp16.onnx")
    half = to_fp16(onnx.load(os.path.join(out, file), load_external_data=True), inplace=True, keep=(FP32_SCOPE,))
    if isinstance(entry, str):
        onnx.save_model(half, os.path.join(out, half_file))
        return {"file": half_file, "externalData": [], "requires": ["shader-f16"]}
    data = split_external(half, out, out, half_file, max_file_bytes)
    return {"file": half_file, "externalData": data, "requires": ["shader-f16"]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    p.add_argument("--wan-dir")
    p.add_argument("--text-encoder")
    p.add_argument("--tokenizer")
    p.add_argument("--dit")
    p.add_argument("--taew", required=True)
    p.add_argument("--config", choices=sorted(CONFIGS), help="instead of detecting it from the shapes")
    p.add_argument("--latent-frames", type=int, default=5, help="F; the clip has 4 F - 3 frames (5: 17 frames)")
    p.add_argument("--height", type=int, default=256)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--fps", type=int, default=16)
    p.add_argument("--steps", default="1,2,3,4")
    p.add_argument("--default-steps", type=int, default=4)
    p.add_argument("--sigma-max", type=float, default=SIGMA_MAX)
    p.add_argument("--mid-t", default=",".join(str(t) for t in MID_T))
    p.add_argument("--id", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--description")
    p.add_argument("--fixture", action="store_true", help="mark the pack as a TEST FIXTURE (random weights)")
    p.add_argument("--licence-file", "--license-file", dest="licence_files", action="append",
                   help="licence texts, concatenated in order (default: Apache-2.0, then TAEHV's MIT)")
    p.add_argument("--licence-name", "--license-name", dest="licence_name", default="Apache-2.0 AND MIT")
    p.add_argument("--external-data", action="store_true", help="every graph's weights as external data files")
    p.add_argument("--max-file-mb", type=float, default=256.0, help="the most one external data file holds (MiB)")
    p.add_argument("--embeddings-dtype", choices=["float32", "float16", "int8"],
                   help="the token table's files (default: int8 with per-row scales at full size, 1.05 GB instead of "
                        "4.2 GB, as the engine holds the table in worker memory; float32 for the tiny fixture)")
    p.add_argument("--embeddings-max-file-mb", type=float, help="the most one table file holds (MiB; default --max-file-mb)")
    p.add_argument("--no-fp16", action="store_true", help="no fp16 WebGPU variants")
    p.add_argument("--fp16-roles", default="denoiser,decoder",
                   help="graphs that get an fp16 WebGPU variant (umT5 stays fp32 by default: T5's activations "
                        "pass fp16's 65504, which is why Wan's t5.py carries fp16_clamp)")
    p.add_argument("--int4-text", action="store_true",
                   help="the default text encoder with 4-bit weights (com.microsoft MatMulNBits, models/wan/int4_text.py): "
                        "umT5-XXL's blocks are 18.5 GB in fp32, 4.6 GB even in int8, over one onnxruntime-web session's "
                        "4 GiB; int4 is ~2.9 GB. The fp32 text encoder is not kept")
    p.add_argument("--int4-block", type=int, default=int4_text.DEFAULT_BLOCK,
                   help="--int4-text's block size along K (a power of 2, >= 16; one float32 scale per block)")
    p.add_argument("--no-golden", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    if a.int4_text:
        try:
            int4_text.check_block(a.int4_block)
        except ValueError as e:
            p.error(str(e))
    if a.height % 16 or a.width % 16:
        p.error("--height and --width must be multiples of 16 (8 for the VAE, 2 for the DiT's patches)")
    paths = {
        "text": a.text_encoder or (a.wan_dir and os.path.join(a.wan_dir, WAN_FILES["text"])),
        "tokenizer": a.tokenizer or (a.wan_dir and os.path.join(a.wan_dir, WAN_FILES["tokenizer"])),
        "dit": a.dit or (a.wan_dir and os.path.join(a.wan_dir, WAN_FILES["dit"])),
        "taew": a.taew,
    }
    for k, v in paths.items():
        if not v:
            p.error(f"no {k} file: give --wan-dir or --{'text-encoder' if k == 'text' else k}")
        if not os.path.isfile(v):
            p.error(f"{k}: {v} does not exist")
    max_file = int(a.max_file_mb * MIB)
    table_max = int((a.embeddings_max_file_mb or a.max_file_mb) * MIB)
    steps = [int(s) for s in a.steps.split(",")]
    mid_t = tuple(float(t) for t in a.mid_t.split(",")) if a.mid_t else ()
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()

    sd_dit = load_file(paths["dit"])
    dit_layout = "rcm" if any(k.startswith(layout.RCM_PREFIX) for k in sd_dit) else "wan"
    sd_text = load_file(paths["text"])
    sd_taew = load_file(paths["taew"])
    if dit_layout == "rcm":
        sd_dit = layout.rcm_to_wan(sd_dit, DiTConfig())  # in_dim and patch are Wan 2.1's in every config
    if a.config:
        cfg = CONFIGS[a.config]
        cfg = replace(cfg, text=replace(cfg.text, vocab_size=int(sd_text["token_embedding.weight"].shape[0])))
    else:
        cfg = detect(sd_dit, sd_text)
    latent = (a.latent_frames, a.height // 8, a.width // 8)
    enc = UMT5Encoder(cfg.text, cfg.max_length).eval()
    enc.load(sd_text)
    dit = WanDiT(cfg.dit, latent).eval()
    dit.load(sd_dit, "rCM DiT" if dit_layout == "rcm" else "Wan DiT")
    taew = Taew(cfg.taew).eval()
    taew.load(sd_taew)
    del sd_dit, sd_text, sd_taew
    tok_json, tok = load_tokenizer_json(paths["tokenizer"])
    if tok_json.get("normalizer"):
        # umt5-xxl's file has a Precompiled (nmt_nfkc) normalizer, which models/wan/unigram.py does not apply:
        # golden/'s input_ids are right for text it leaves as it is (the golden prompt is plain ASCII).
        log(f"tokenizer.json: a {tok_json['normalizer'].get('type')} normalizer, not applied by unigram.py "
            "(golden input_ids assume it leaves the golden prompt unchanged)")
    if len(tok.pieces) > cfg.text.vocab_size:
        raise ValueError(f"--tokenizer: {len(tok.pieces)} pieces, more than umT5's {cfg.text.vocab_size} table rows")
    log(f"config {cfg.name} (DiT {dit_layout} layout, umT5 table {cfg.text.vocab_size} x {cfg.text.dim}, "
        f"{len(tok.pieces)} pieces), latent {latent}, loaded in {time.time() - t0:.1f} s")

    graphs = export_all(enc, dit, taew, latent, a.out, GRAPH_FILES, external=True if a.external_data else None,
                        max_file_bytes=max_file, log=lambda m: log(m))
    # At full size the engine holds the whole table in worker memory: int8 with per-row scales is 1.05 GB
    # (256384 x 4096 + 1 MB of scales) instead of 4.2 GB of float32. The tiny fixture stays float32.
    table_dtype = a.embeddings_dtype or ("float32" if cfg.name == "tiny" else "int8")
    embeddings = write_table(enc.token_embedding.weight.detach().numpy(), a.out, table_dtype, table_max)
    log(f"embeddings: {len(embeddings['files'])} files of {table_dtype}")

    sched = RcmTimes(a.default_steps, a.sigma_max, mid_t).manifest(steps, a.default_steps)
    if not a.no_golden:
        t = time.time()
        write_golden(os.path.join(a.out, "golden"), tok, enc, dit, taew, sched, latent, cfg.max_length,
                     steps=a.default_steps)
        log(f"golden/ in {time.time() - t:.1f} s")
    state_shapes = taew.state_shapes(latent[1], latent[2])
    frames_per_latent, trim = taew.frames_per_latent, taew.trim_frames
    del enc, dit, taew
    variants = {}
    if not a.no_fp16:
        variants["webgpu"] = {role: fp16_variant(a.out, graphs[role], max_file) for role in a.fp16_roles.split(",") if role}
        log(f"fp16 variants: {[v['file'] for v in variants['webgpu'].values()]}")
    if a.int4_text:
        # The form one onnxruntime-web session can hold at full size (int4_text.py): it becomes the default
        # textEncoder and the fp32 graph leaves the folder, as --int8-unet does for animatediff's UNet.
        # golden/'s context stays PyTorch's fp32 encoder; the int4 error against it is measured by
        # models/tests/test_wan_int4.py and stated in models/convert/README.md.
        t = time.time()
        fp32_files = graph_files(graphs["textEncoder"])
        stats = int4_text.convert(a.out, fp32_files[0], "text_encoder.int4.onnx", max_file, a.int4_block)
        for name in fp32_files:
            os.remove(os.path.join(a.out, name))
        graphs["textEncoder"] = ({"file": stats["files"][0], "externalData": stats["files"][1:]}
                                 if stats["files"][1:] else stats["files"][0])
        log(f"int4 text encoder: {stats['matmul']} MatMuls -> MatMulNBits (4 bits, block {a.int4_block}), "
            f"{stats['bytes_in'] / 1e9:.3f} GB -> {stats['bytes_out'] / 1e9:.3f} GB, in {time.time() - t:.1f} s")
        log("full-size estimate: " + int4_text.describe_estimate(a.int4_block))

    shutil.copyfile(paths["tokenizer"], os.path.join(a.out, "tokenizer.json"))
    licence_text = ""
    for path in a.licence_files or DEFAULT_LICENCES:
        with open(path, encoding="utf-8") as f:
            licence_text += ("\n\n" if licence_text else "") + f.read()
    role_of = {"text": "text", "tokenizer": "text", "dit": "denoiser", "taew": "decoder"}
    sources = [{"role": role_of[k], "file": os.path.basename(v) if k != "tokenizer" else WAN_FILES["tokenizer"],
                "sha256": sha256_file(v)} for k, v in paths.items()]
    random_note = " Random weights: a TEST FIXTURE, it draws noise." if a.fixture else ""
    frames = frames_per_latent * a.latent_frames - trim
    manifest = {
        "id": a.id, "name": a.name, "version": a.version, "license": a.licence_name, "fixture": bool(a.fixture),
        "description": a.description or (f"Wan 2.1 T2V 1.3B with rCM's {max(steps)}-step distilled sampler and the "
                                          f"TAEW2.1 decoder, {frames} frames of {a.width}x{a.height}.{random_note}"),
        "pipeline": "wan",
        "video": {"frames": frames, "height": a.height, "width": a.width, "fps": a.fps},
        "sample": {"shape": [16, *latent]},
        "scheduler": sched,
        "tokenizer": {"file": "tokenizer.json", "maxLength": cfg.max_length, "padId": tok.pad_id, "unkId": tok.unk_id,
                      "eosId": tok.eos_id},
        "embeddings": embeddings,
        "decoder": {"framesPerLatent": frames_per_latent, "trimFrames": trim,
                    "state": [{"input": f"mem_in_{k}", "output": f"mem_out_{k}", "shape": list(s)}
                              for k, s in enumerate(state_shapes)]},
        "graphs": graphs,
        "licenseText": licence_text,
        "sources": sources,
    }
    if variants:
        manifest["variants"] = variants
    if cfg.name != "tiny":
        manifest["requiresGpu"] = True
    with open(os.path.join(a.out, "model.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")
    log(f"wrote {a.out} in {time.time() - t0:.1f} s; now: npm run pack-model -- {a.out} --out <packdir>")
    return 0


if __name__ == "__main__":
    sys.exit(main())
