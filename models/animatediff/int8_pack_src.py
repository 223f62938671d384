#!/usr/bin/env python3
"""Assembles the 2.1 GB pack source of the full-size random-weight AnimateDiff TEST FIXTURE (README,
"Full-size random-weight AnimateDiff pack (measured)"): the int8 UNet already written into OUT by
int8_variant.py as the default denoiser, the converter's fp32 text encoder and VAE decoder hard-linked
from CONVERTED, a synthetic 49408-token TEST FIXTURE tokenizer, and a model.json with the converter's
fields (CONTRACT.md). The fp32 and fp16 UNets are left out: 5.2 GB does not fit WASM's 4 GB heap.

    /usr/bin/python3 models/animatediff/int8_pack_src.py CONVERTED OUT FRAMES HEIGHT WIDTH
"""
import hashlib, json, os, sys
MODELS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, MODELS)
from animatediff.clip_tokenizer import BOS, EOS, load_tokenizer_source, make_synthetic_vocab, write_vocab
from animatediff.scheduler import EulerTrailing

conv, out, frames, height, width = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rnd = "/tmp/animatediff-sd15-random"
tok = "/tmp/animatediff-sd15-tokenizer"
if not os.path.exists(os.path.join(tok, "vocab.json")):
    os.makedirs(tok, exist_ok=True)
    write_vocab(tok, *make_synthetic_vocab(49408))
    with open(os.path.join(tok, "README.txt"), "w") as f:
        f.write("TEST FIXTURE: a synthetic CLIP-layout vocabulary of 49408 tokens (byte symbols + synthetic merges, "
                "clip_tokenizer.make_synthetic_vocab), not CLIP's real vocabulary.\n")
tok_json, bpe = load_tokenizer_source(tok)
assert len(bpe.vocab) == 49408
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
    json.dump(tok_json, f, ensure_ascii=False)

def link(name):
    dst = os.path.join(out, name)
    if not os.path.exists(dst):
        os.link(os.path.join(conv, name), dst)

def entry(name, folder):
    data = sorted((f for f in os.listdir(folder) if f.startswith(name + ".data.")), key=lambda f: int(f.rsplit(".", 1)[1]))
    return {"file": name, "externalData": data} if data else name

graphs = {}
for role, name in (("textEncoder", "text_encoder.onnx"), ("decoder", "vae_decoder.onnx")):
    e = entry(name, conv)
    for f in ([e] if isinstance(e, str) else [e["file"], *e["externalData"]]):
        link(f)
    graphs[role] = e
graphs["denoiser"] = entry("unet.int8.onnx", out)
graphs = {k: graphs[k] for k in ("textEncoder", "denoiser", "decoder")}

def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(16 << 20), b""):
            h.update(b)
    return h.hexdigest()

sources = [{"role": "base", "file": f"sd15-diffusers/{p}", "sha256": sha(os.path.join(rnd, "sd15-diffusers", p))}
           for p in ("unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors", "vae/diffusion_pytorch_model.safetensors")]
motion = "animatediff_lightning_4step_diffusers.safetensors"
sources.append({"role": "motion", "file": motion, "sha256": sha(os.path.join(rnd, motion))})
with open(os.path.join(MODELS, "convert", "licenses", "creativeml-openrail-m.txt"), encoding="utf-8") as f:
    licence = f.read()
eos = bpe.vocab[EOS]
manifest = {
    # The default shape keeps the id the README and tests name; another shape gets its own.
    "id": "animatediff-sd15-random" if (frames, height, width) == (16, 256, 256) else f"animatediff-sd15-random-{frames}x{height}x{width}",
    "name": f"AnimateDiff full-size random-weights TEST FIXTURE (int8 UNet, {frames} frames of {width}x{height})",
    "version": "0.0.1", "license": "CreativeML Open RAIL-M", "fixture": True,
    "description": (f"AnimateDiff-Lightning (4-step motion module) on an SD 1.5 base at full size, {frames} frames of "
                    f"{width}x{height}; UNet + motion modules in int8 (dynamic int8 MatMuls and Convs), text "
                    "encoder and VAE decoder fp32. Random weights: a TEST FIXTURE, it draws noise."),
    "pipeline": "animatediff",
    "video": {"frames": frames, "height": height, "width": width, "fps": 8},
    "sample": {"shape": [4, frames, height // 8, width // 8]},
    "scheduler": EulerTrailing(4, "linear").manifest([4]),
    "latent": {"scalingFactor": 0.18215},
    "tokenizer": {"file": "tokenizer.json", "maxLength": 77, "padId": eos, "unkId": eos, "bosId": bpe.vocab[BOS], "eosId": eos},
    "graphs": graphs,
    "licenseText": licence,
    "sources": sources,
    # As the converter marks every full-size pack (models/convert/animatediff.py).
    "requiresGpu": True,
}
with open(os.path.join(out, "model.json"), "w", encoding="utf-8") as f:
    json.dump(manifest, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(json.dumps({k: manifest[k] for k in ("graphs", "video", "sample")}, indent=1))
