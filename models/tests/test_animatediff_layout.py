"""The AnimateDiff / SD 1.5 modules have the published checkpoint layouts, and the TEST FIXTURE
`tests/fixtures/animatediff-tiny/` (random weights) loads strictly and runs.

  /usr/bin/python3 -m unittest discover -s models/tests -p 'test_animatediff_layout.py' -v

Sd15RandomFiles also reads the headers of the full-size random checkpoint when it exists
(ZOETROPE_SD15_RANDOM, default /tmp/animatediff-sd15-random; make_random.py --config sd15).
Numerical agreement with diffusers' and OpenAI's own implementations is checked by
models/animatediff/check_reference.py, which needs their source trees.

The sd15 layouts are computed on the meta device (nothing of the 1.3 B parameters is
allocated). The published figures below were checked against diffusers' UNet2DConditionModel /
MotionAdapter / AutoencoderKL and transformers' CLIPTextModel definitions and their conversion
script; the parameter counts 859,520,964 (UNet), 123,060,480 (CLIP text) and 83,653,863
(AutoencoderKL) are SD 1.5's published totals.
"""

import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "models"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from animatediff import layout, ldm_keys, safetensors_io as st  # noqa: E402
from animatediff.clip_text import POSITION_IDS, ClipTextModel  # noqa: E402
from animatediff.configs import SD15, TINY  # noqa: E402
from animatediff.motion import original_motion_to_diffusers  # noqa: E402
from animatediff.unet import UNetMotion  # noqa: E402
from animatediff.vae import VaeDecoder  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "animatediff-tiny")
DIFFUSERS = os.path.join(FIXTURE, "sd15-diffusers")
FILES = {
    "unet": os.path.join(DIFFUSERS, "unet", "diffusion_pytorch_model.safetensors"),
    "vae": os.path.join(DIFFUSERS, "vae", "diffusion_pytorch_model.safetensors"),
    "text_encoder": os.path.join(DIFFUSERS, "text_encoder", "model.safetensors"),
    "motion": os.path.join(FIXTURE, "animatediff_lightning_4step_diffusers.safetensors"),
    "single": os.path.join(FIXTURE, "sd15-single-file.safetensors"),
}

SD15_COUNTS = {  # (keys, values)
    "unet": (686, 859_520_964),
    "motion": (567, 453_813_440),       # 453,209,280 parameters + 21 pe buffers [1, 32, C]
    "clip": (196, 123_060_480),         # without position_ids
    "vae": (248, 83_653_863),
    "vae_decoder": (140, 49_490_199),   # post_quant_conv + decoder
}

SD15_SAMPLE = {
    "unet": {
        "conv_in.weight": (320, 4, 3, 3),
        "time_embedding.linear_1.weight": (1280, 320),
        "time_embedding.linear_2.weight": (1280, 1280),
        "down_blocks.0.resnets.0.time_emb_proj.weight": (320, 1280),
        "down_blocks.0.attentions.0.proj_in.weight": (320, 320, 1, 1),
        "down_blocks.0.attentions.0.norm.weight": (320,),
        "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight": (320, 320),
        "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight": (320, 768),
        "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_out.0.bias": (320,),
        "down_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj.weight": (2560, 320),
        "down_blocks.0.attentions.0.transformer_blocks.0.ff.net.2.weight": (320, 1280),
        "down_blocks.0.downsamplers.0.conv.weight": (320, 320, 3, 3),
        "down_blocks.1.resnets.0.conv_shortcut.weight": (640, 320, 1, 1),
        "down_blocks.3.resnets.1.conv2.weight": (1280, 1280, 3, 3),
        "mid_block.attentions.0.transformer_blocks.0.attn1.to_q.weight": (1280, 1280),
        "mid_block.resnets.1.norm2.bias": (1280,),
        "up_blocks.0.resnets.0.conv1.weight": (1280, 2560, 3, 3),
        "up_blocks.0.upsamplers.0.conv.weight": (1280, 1280, 3, 3),
        "up_blocks.1.resnets.2.conv1.weight": (1280, 1920, 3, 3),
        "up_blocks.1.attentions.2.proj_out.weight": (1280, 1280, 1, 1),
        "up_blocks.3.resnets.0.conv1.weight": (320, 960, 3, 3),
        "up_blocks.3.resnets.2.conv_shortcut.weight": (320, 640, 1, 1),
        "conv_norm_out.weight": (320,),
        "conv_out.weight": (4, 320, 3, 3),
    },
    "motion": {
        "down_blocks.0.motion_modules.0.norm.weight": (320,),
        "down_blocks.0.motion_modules.0.proj_in.weight": (320, 320),
        "down_blocks.0.motion_modules.1.transformer_blocks.0.attn1.to_q.weight": (320, 320),
        "down_blocks.0.motion_modules.0.transformer_blocks.0.attn2.to_k.weight": (320, 320),
        "down_blocks.0.motion_modules.0.transformer_blocks.0.attn1.to_out.0.bias": (320,),
        "down_blocks.0.motion_modules.0.transformer_blocks.0.pos_embed.pe": (1, 32, 320),
        "down_blocks.3.motion_modules.1.transformer_blocks.0.norm3.weight": (1280,),
        "mid_block.motion_modules.0.transformer_blocks.0.ff.net.0.proj.weight": (10240, 1280),
        "mid_block.motion_modules.0.transformer_blocks.0.ff.net.2.weight": (1280, 5120),
        "up_blocks.0.motion_modules.2.proj_out.weight": (1280, 1280),
        "up_blocks.3.motion_modules.2.transformer_blocks.0.pos_embed.pe": (1, 32, 320),
    },
    "clip": {
        "text_model.embeddings.token_embedding.weight": (49408, 768),
        "text_model.embeddings.position_embedding.weight": (77, 768),
        "text_model.encoder.layers.0.self_attn.q_proj.weight": (768, 768),
        "text_model.encoder.layers.11.self_attn.out_proj.bias": (768,),
        "text_model.encoder.layers.11.mlp.fc1.weight": (3072, 768),
        "text_model.encoder.layers.11.mlp.fc2.weight": (768, 3072),
        "text_model.encoder.layers.5.layer_norm2.weight": (768,),
        "text_model.final_layer_norm.bias": (768,),
    },
    "vae": {
        "encoder.conv_in.weight": (128, 3, 3, 3),
        "encoder.down_blocks.1.resnets.0.conv_shortcut.weight": (256, 128, 1, 1),
        "encoder.conv_out.weight": (8, 512, 3, 3),
        "quant_conv.weight": (8, 8, 1, 1),
        "post_quant_conv.weight": (4, 4, 1, 1),
        "decoder.conv_in.weight": (512, 4, 3, 3),
        "decoder.mid_block.attentions.0.group_norm.weight": (512,),
        "decoder.mid_block.attentions.0.to_q.weight": (512, 512),
        "decoder.mid_block.attentions.0.to_out.0.weight": (512, 512),
        "decoder.up_blocks.0.upsamplers.0.conv.weight": (512, 512, 3, 3),
        "decoder.up_blocks.2.resnets.0.conv_shortcut.weight": (256, 512, 1, 1),
        "decoder.up_blocks.3.resnets.0.conv_shortcut.weight": (128, 256, 1, 1),
        "decoder.up_blocks.3.resnets.2.conv2.weight": (128, 128, 3, 3),
        "decoder.conv_out.weight": (3, 128, 3, 3),
    },
}

SD15_LDM_SAMPLE = {
    "model.diffusion_model.input_blocks.0.0.weight": "conv_in.weight",
    "model.diffusion_model.time_embed.2.bias": "time_embedding.linear_2.bias",
    "model.diffusion_model.input_blocks.1.1.proj_in.weight": "down_blocks.0.attentions.0.proj_in.weight",
    "model.diffusion_model.input_blocks.3.0.op.weight": "down_blocks.0.downsamplers.0.conv.weight",
    "model.diffusion_model.input_blocks.4.0.skip_connection.weight": "down_blocks.1.resnets.0.conv_shortcut.weight",
    "model.diffusion_model.input_blocks.11.0.out_layers.3.weight": "down_blocks.3.resnets.1.conv2.weight",
    "model.diffusion_model.middle_block.2.emb_layers.1.weight": "mid_block.resnets.1.time_emb_proj.weight",
    "model.diffusion_model.middle_block.1.transformer_blocks.0.attn2.to_v.weight":
        "mid_block.attentions.0.transformer_blocks.0.attn2.to_v.weight",
    "model.diffusion_model.output_blocks.2.1.conv.weight": "up_blocks.0.upsamplers.0.conv.weight",
    "model.diffusion_model.output_blocks.5.2.conv.bias": "up_blocks.1.upsamplers.0.conv.bias",
    "model.diffusion_model.output_blocks.8.2.conv.weight": "up_blocks.2.upsamplers.0.conv.weight",
    "model.diffusion_model.output_blocks.11.1.proj_out.weight": "up_blocks.3.attentions.2.proj_out.weight",
    "model.diffusion_model.out.0.weight": "conv_norm_out.weight",
    "model.diffusion_model.out.2.weight": "conv_out.weight",
    "first_stage_model.decoder.up.0.block.0.nin_shortcut.weight": "decoder.up_blocks.3.resnets.0.conv_shortcut.weight",
    "first_stage_model.decoder.up.3.upsample.conv.weight": "decoder.up_blocks.0.upsamplers.0.conv.weight",
    "first_stage_model.decoder.mid.attn_1.proj_out.weight": "decoder.mid_block.attentions.0.to_out.0.weight",
    "first_stage_model.decoder.mid.block_2.conv1.weight": "decoder.mid_block.resnets.1.conv1.weight",
    "first_stage_model.decoder.norm_out.bias": "decoder.conv_norm_out.bias",
    "first_stage_model.encoder.down.2.downsample.conv.weight": "encoder.down_blocks.2.downsamplers.0.conv.weight",
    "cond_stage_model.transformer.text_model.final_layer_norm.weight": "text_model.final_layer_norm.weight",
}


def _contract_ids(cfg):
    """[bos] + a few ids + [eos], padded with eos to 77 (the contract's token ids)."""
    t = cfg.text
    ids = [t.bos_token_id] + list(range(10, 30)) + [t.eos_token_id]
    return torch.tensor([ids + [t.eos_token_id] * (77 - len(ids))])


class SafetensorsIO(unittest.TestCase):
    def test_round_trip_every_dtype(self):
        g = torch.Generator().manual_seed(1)
        tensors = {
            "a.f32": torch.randn(3, 5, generator=g),
            "b.f16": torch.randn(7, generator=g).half(),
            "c.bf16": torch.randn(2, 2, 3, generator=g).bfloat16(),
            "d.i64": torch.arange(77).reshape(1, 77),
            "e.scalar": torch.tensor(0.5),
        }
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.safetensors")
            st.save(tensors, path, {"format": "pt"})
            with open(path, "rb") as f:
                n = int.from_bytes(f.read(8), "little")
            self.assertEqual((8 + n) % 8, 0, "tensor data starts 8-byte aligned")
            self.assertEqual(st.metadata(path), {"format": "pt"})
            back = st.load(path)
            self.assertEqual(set(back), set(tensors))
            for k, v in tensors.items():
                self.assertEqual(back[k].dtype, v.dtype, k)
                self.assertTrue(torch.equal(back[k], v), k)
            self.assertIsInstance(st.load_numpy(path)["a.f32"], np.memmap)
            # copy-on-write: changing a loaded tensor never changes the file
            back["a.f32"].zero_()
            self.assertTrue(torch.equal(st.load(path)["a.f32"], tensors["a.f32"]))

    def test_rejects_inconsistent_header(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "bad.safetensors")
            st.save({"x": torch.zeros(4)}, path)
            with open(path, "r+b") as f:
                f.truncate(os.path.getsize(path) - 4)
            with self.assertRaises(st.SafetensorsError):
                st.load(path)


class Sd15Layout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.shapes = {"unet": layout.unet_shapes(SD15), "motion": layout.motion_shapes(SD15),
                      "clip": layout.clip_shapes(SD15, position_ids=False), "vae": layout.vae_shapes(SD15),
                      "vae_decoder": layout.vae_decoder_shapes(SD15)}

    def test_key_and_value_counts(self):
        for part, (keys, values) in SD15_COUNTS.items():
            self.assertEqual(len(self.shapes[part]), keys, part)
            self.assertEqual(layout.param_count(self.shapes[part]), values, part)
        with_ids = layout.clip_shapes(SD15, position_ids=True)
        self.assertEqual(len(with_ids), 197)
        self.assertEqual(with_ids[POSITION_IDS], (1, 77))

    def test_sample_of_published_shapes(self):
        for part, sample in SD15_SAMPLE.items():
            for k, shape in sample.items():
                self.assertEqual(self.shapes[part].get(k), shape, f"{part} {k}")

    def test_motion_key_pattern(self):
        per_module = {}
        for k in self.shapes["motion"]:
            m = re.match(r"^((?:down_blocks\.\d|mid_block|up_blocks\.\d)\.motion_modules\.\d)\.(.+)$", k)
            self.assertIsNotNone(m, k)
            per_module.setdefault(m[1], set()).add(m[2])
        self.assertEqual(len(per_module), 4 * 2 + 1 + 4 * 3)  # down 2 a block, mid 1, up 3 a block
        suffixes = per_module["mid_block.motion_modules.0"]
        self.assertTrue(all(v == suffixes for v in per_module.values()))
        self.assertEqual(len(suffixes), 27)
        for k in ("norm.weight", "proj_in.bias", "proj_out.weight", "transformer_blocks.0.pos_embed.pe",
                  "transformer_blocks.0.attn1.to_q.weight", "transformer_blocks.0.attn2.to_out.0.bias",
                  "transformer_blocks.0.norm3.bias", "transformer_blocks.0.ff.net.0.proj.weight"):
            self.assertIn(k, suffixes)
        self.assertNotIn("transformer_blocks.0.attn1.to_q.bias", suffixes)  # attention_bias False

    def test_ldm_names(self):
        names = ldm_keys.name_map(SD15)
        self.assertEqual(len(names), 686 + 248 + 197, "one ldm name per diffusers key, none shared")
        for ldm, dif in SD15_LDM_SAMPLE.items():
            self.assertEqual(names[ldm][1], dif, ldm)
        self.assertEqual(ldm_keys.ldm_shape("vae", "decoder.mid_block.attentions.0.to_q.weight", (512, 512)),
                         (512, 512, 1, 1))

    def test_tiny_has_the_published_names(self):
        for fn in (layout.unet_shapes, layout.motion_shapes, layout.vae_shapes):
            self.assertEqual(sorted(fn(TINY)), sorted(fn(SD15)), fn.__name__)
        tiny_clip = set(layout.clip_shapes(TINY))
        self.assertEqual({k for k in layout.clip_shapes(SD15) if ".layers." not in k or ".layers.0." in k
                          or ".layers.1." in k}, tiny_clip)


class TinyFixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.sd = {k: st.load(p) for k, p in FILES.items()}

    def test_files_have_the_layout(self):
        want = {"unet": layout.unet_shapes(TINY), "vae": layout.vae_shapes(TINY),
                "text_encoder": layout.clip_shapes(TINY, position_ids=True), "motion": layout.motion_shapes(TINY)}
        for part, shapes in want.items():
            got = {k: tuple(v.shape) for k, v in self.sd[part].items()}
            self.assertEqual(got, shapes, part)
        self.assertEqual(self.sd["text_encoder"][POSITION_IDS].dtype, torch.int64)
        self.assertEqual(self.sd["unet"]["conv_in.weight"].dtype, torch.float16)
        self.assertIn("TEST FIXTURE", st.metadata(FILES["unet"])["zoetrope"])

    def test_single_file_is_the_diffusers_folder(self):
        parts, skipped = ldm_keys.ldm_to_diffusers(self.sd["single"], TINY)
        self.assertEqual(len(skipped), 14, skipped)  # 12 DDPM buffers, model_ema.{decay,num_updates}
        for part in ("unet", "vae", "text_encoder"):
            a, b = self.sd[part], parts[part]
            self.assertEqual(set(a), set(b), part)
            for k in a:
                self.assertTrue(torch.equal(a[k], b[k]), f"{part} {k}")
        back = ldm_keys.diffusers_to_ldm(parts["unet"], parts["vae"], parts["text_encoder"], TINY)
        kept = {k: v for k, v in self.sd["single"].items() if not ldm_keys.is_skipped_ldm_key(k)}
        self.assertEqual(set(back), set(kept))
        for k in kept:
            self.assertTrue(torch.equal(back[k], kept[k]), k)
        self.assertEqual(tuple(kept["first_stage_model.decoder.mid.attn_1.q.weight"].shape), (32, 32, 1, 1))

    def test_strict_loads(self):
        u = UNetMotion(TINY)
        u.load_base_unet(self.sd["unet"])
        u.load_motion(self.sd["motion"])
        self.assertTrue(torch.equal(u.state_dict()["conv_out.weight"], self.sd["unet"]["conv_out.weight"].float()))
        broken = dict(self.sd["unet"])
        broken.pop("mid_block.resnets.0.conv1.bias")
        with self.assertRaises(KeyError):
            u.load_base_unet(broken)
        with self.assertRaises(KeyError):
            u.load_base_unet({**self.sd["unet"], "extra.weight": torch.zeros(1)})
        with self.assertRaises(KeyError):
            u.load_motion({**self.sd["motion"], "up_blocks.0.motion_modules.0.proj_in.weight": torch.zeros(3, 3)})
        with self.assertRaises(KeyError):
            u.load_base_unet({**self.sd["unet"], **self.sd["motion"]})  # each part strict on its own keys
        c = ClipTextModel(TINY.text)
        c.load(self.sd["text_encoder"])
        c.load({k: v for k, v in self.sd["text_encoder"].items() if k != POSITION_IDS})
        with self.assertRaises(ValueError):
            c.load({**self.sd["text_encoder"], POSITION_IDS: torch.zeros(1, 77, dtype=torch.int64)})
        v = VaeDecoder(TINY.vae)
        v.load(self.sd["vae"])  # encoder.* and quant_conv.* ignored by name
        with self.assertRaises(KeyError):
            v.load({k: t for k, t in self.sd["vae"].items() if not k.startswith("post_quant_conv.")})

    def test_old_vae_attention_names(self):
        old = {}
        for k, t in self.sd["vae"].items():
            for new, was in (("to_q.", "query."), ("to_k.", "key."), ("to_v.", "value."), ("to_out.0.", "proj_attn.")):
                k = k.replace("mid_block.attentions.0." + new, "mid_block.attentions.0." + was)
            old[k] = t
        self.assertIn("decoder.mid_block.attentions.0.proj_attn.weight", old)
        a, b = VaeDecoder(TINY.vae), VaeDecoder(TINY.vae)
        a.load(self.sd["vae"])
        b.load(old)
        for k, t in a.state_dict().items():
            self.assertTrue(torch.equal(t, b.state_dict()[k]), k)

    def test_original_motion_layout(self):
        orig = {}
        for k, t in self.sd["motion"].items():
            k2 = (k.replace(".motion_modules.0.", ".motion_modules.0.temporal_transformer.")
                  .replace(".motion_modules.1.", ".motion_modules.1.temporal_transformer.")
                  .replace(".motion_modules.2.", ".motion_modules.2.temporal_transformer."))
            k2 = (k2.replace(".norm1.", ".norms.0.").replace(".norm2.", ".norms.1.").replace(".norm3.", ".ff_norm.")
                  .replace(".attn1.", ".attention_blocks.0.").replace(".attn2.", ".attention_blocks.1."))
            if k2.endswith(".pos_embed.pe"):
                base = k2[: -len(".pos_embed.pe")]
                orig[base + ".attention_blocks.0.pos_encoder.pe"] = t
                orig[base + ".attention_blocks.1.pos_encoder.pe"] = t
                continue
            orig[k2] = t
        back = original_motion_to_diffusers(orig)
        self.assertEqual(set(back), set(self.sd["motion"]))
        a, b = UNetMotion(TINY), UNetMotion(TINY)
        a.load_motion(self.sd["motion"])
        b.load_motion(orig)  # renamed by load_motion itself
        for k in a.motion_keys():
            self.assertTrue(torch.equal(a.state_dict()[k], b.state_dict()[k]), k)

    def test_forward_shapes_and_sensitivity(self):
        u = UNetMotion(TINY).eval()
        u.load_base_unet(self.sd["unet"])
        u.load_motion(self.sd["motion"])
        c = ClipTextModel(TINY.text).eval()
        c.load(self.sd["text_encoder"])
        v = VaeDecoder(TINY.vae).eval()
        v.load(self.sd["vae"])
        f, h = TINY.frames, TINY.height // 8
        g = torch.Generator().manual_seed(0)
        x = torch.randn(1, 4, f, h, h, generator=g)
        with torch.no_grad():
            ids = _contract_ids(TINY)
            text = c(ids)
            self.assertEqual(tuple(text.shape), (1, 77, TINY.text.hidden_size))
            ids2 = ids.clone()
            ids2[0, 10] = 500
            text2 = c(ids2)
            self.assertTrue(torch.equal(text[:, :10], text2[:, :10]), "causal: earlier tokens do not see later ones")
            self.assertGreater((text[:, 10:] - text2[:, 10:]).abs().max().item(), 1e-3)

            out = u(x, torch.tensor([999]), text)
            self.assertEqual(tuple(out.shape), (1, 4, f, h, h))
            self.assertTrue(torch.isfinite(out).all())
            scale = out.abs().mean().item()
            self.assertGreater(scale, 1e-2)
            for other, what in ((u(x, torch.tensor([749]), text), "timestep"),
                                (u(x, torch.tensor([999]), text2), "text")):
                self.assertGreater((other - out).abs().mean().item(), 0.01 * scale, what)
            # the motion modules mix frames: changing frame 3 moves frame 0's prediction
            x3 = x.clone()
            x3[:, :, 3] += 1.0
            out3 = u(x3, torch.tensor([999]), text)
            self.assertGreater((out3[:, :, 0] - out[:, :, 0]).abs().mean().item(), 0.01 * scale)
            # batch 2 = two batch-1 calls (frames folded per sample, text/time repeated per frame)
            both = u(torch.cat([x, x3]), torch.tensor([999]), torch.cat([text, text]))
            self.assertLess((both[1:] - out3).abs().max().item(), 1e-4)

            img = v(x[:, :, 0] / TINY.vae.scaling_factor)
            self.assertEqual(tuple(img.shape), (1, 3, TINY.height, TINY.width))
            self.assertTrue(torch.isfinite(img).all())

    def test_fixture_is_reproducible(self):
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([sys.executable, os.path.join(ROOT, "models", "animatediff", "make_random.py"),
                            "--config", "tiny", "--out", d, "--dtype", "fp16", "--seed", "0"],
                           check=True, capture_output=True)
            for part, path in FILES.items():
                rel = os.path.relpath(path, FIXTURE)
                with open(path, "rb") as a, open(os.path.join(d, rel), "rb") as b:
                    self.assertEqual(a.read(), b.read(), rel)


SD15_RANDOM = os.environ.get("ZOETROPE_SD15_RANDOM", "/tmp/animatediff-sd15-random")


class SlicedAttention(unittest.TestCase):
    def test_slices_give_the_unsliced_result(self):
        # 1024 tokens (the UNet's first level at 256 x 256), 4 frames x 8 heads: 128 MiB of scores, so
        # the 64 MiB budget makes two slices of 16 (frame, head) pairs, and a tiny budget one pair each.
        from animatediff import blocks
        torch.manual_seed(0)
        attn = blocks.Attention(64, heads=8, dim_head=8).eval()
        x = torch.randn(4, 1024, 64)
        saved = blocks.SCORE_SLICE_BYTES
        try:
            with torch.no_grad():
                blocks.SCORE_SLICE_BYTES = 1 << 40
                whole = attn(x)
                blocks.SCORE_SLICE_BYTES = 64 * 2 ** 20
                halves = attn(x)
                blocks.SCORE_SLICE_BYTES = 1
                pairs = attn(x)
                ctx = torch.randn(4, 77, 64)
                cross = blocks.Attention(64, heads=8, dim_head=8, kv_dim=64).eval()
                cross_pairs = cross(x, ctx)
                blocks.SCORE_SLICE_BYTES = 1 << 40
                cross_whole = cross(x, ctx)
        finally:
            blocks.SCORE_SLICE_BYTES = saved
        self.assertLess(float((halves - whole).abs().max()), 1e-6)
        self.assertLess(float((pairs - whole).abs().max()), 1e-6)
        self.assertLess(float((cross_pairs - cross_whole).abs().max()), 1e-6)
        self.assertGreater(float(whole.abs().max()), 1e-3)


# Needs the full-size random checkpoint on disk, so it is skipped where /tmp does not have it.
@unittest.skipUnless(os.path.isdir(SD15_RANDOM), "no full-size random checkpoint (make_random.py --config sd15 "
                     "--out /tmp/animatediff-sd15-random; outside git)")
class Sd15RandomFiles(unittest.TestCase):
    """The full-size random checkpoint's headers (read only: no weight is loaded)."""

    def test_headers_have_the_published_layout(self):
        d = os.path.join(SD15_RANDOM, "sd15-diffusers")
        want = {os.path.join(d, "unet", "diffusion_pytorch_model.safetensors"): layout.unet_shapes(SD15),
                os.path.join(d, "vae", "diffusion_pytorch_model.safetensors"): layout.vae_shapes(SD15),
                os.path.join(d, "text_encoder", "model.safetensors"): layout.clip_shapes(SD15),
                os.path.join(SD15_RANDOM, "animatediff_lightning_4step_diffusers.safetensors"): layout.motion_shapes(SD15)}
        for path, shapes in want.items():
            self.assertEqual({k: s for k, (_, s) in st.shapes(path).items()}, shapes, path)
        single = st.shapes(os.path.join(SD15_RANDOM, "sd15-single-file.safetensors"))
        names = ldm_keys.name_map(SD15)
        kept = {k: s for k, (_, s) in single.items() if not ldm_keys.is_skipped_ldm_key(k)}
        self.assertEqual(set(kept), set(names))
        parts = {"unet": layout.unet_shapes(SD15), "vae": layout.vae_shapes(SD15), "text_encoder": layout.clip_shapes(SD15)}
        for k, s in kept.items():
            part, dk = names[k]
            self.assertEqual(s, ldm_keys.ldm_shape(part, dk, parts[part][dk]), k)


if __name__ == "__main__":
    unittest.main()
