"""The `wan` kind's modules have the published checkpoint layouts, compute what the published code
computes, and the TEST FIXTURE `tests/fixtures/wan-tiny/` (random weights) loads strictly.

  /usr/bin/python3 -m unittest discover -s models/tests -p 'test_wan_layout.py' -v

The 1.3b layouts are computed from the config (no weight is allocated). The published figures: umT5-XXL
(wan/modules/t5.py umt5_xxl: vocab 256384, dim 4096, ffn 10240, 64 heads, 24 layers, 32 buckets), the
1.3B DiT (wan/configs/wan_t2v_1_3B.py: dim 1536, ffn 8960, 12 heads, 30 layers), TAEW2.1 (taehv.py:
n_f 256/128/64/64, encoder width 64). The parameter totals are computed here from those definitions
(5,680,910,336 for the umT5 encoder with its table, which as bf16 is the ~11.4 GB of
models_t5_umt5-xxl-enc-bf16.pth); they were not read off the real files (none is reachable here).

The reference checks re-derive the published arithmetic independently of dit.py / umt5.py: Conv3d patch
embedding, complex float64 RoPE (rope_params / rope_apply), einsum unpatchify, T5's bucket formula with
Python's math, and taehv.py's sequential work queue for the decoder.
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "models"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from animatediff import safetensors_io as st  # noqa: E402
from wan import layout  # noqa: E402
from wan.configs import TINY, TINY_VOCAB_SIZE, WAN_1_3B  # noqa: E402
from wan.dit import WanDiT  # noqa: E402
from wan.scheduler import RcmTimes, bf16_round, sample  # noqa: E402
from wan.taew import MemBlock, TGrow, Taew  # noqa: E402
from wan.umt5 import UMT5Encoder, relative_buckets  # noqa: E402
from wan.unigram import Unigram, clean, golden_ids, load_tokenizer_json, make_tiny_vocab, metaspace_split, tokenizer_json  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "wan-tiny")
WAN = os.path.join(FIXTURE, "Wan2.1-T2V-1.3B")
FILES = {"dit": os.path.join(WAN, "diffusion_pytorch_model.safetensors"),
         "umt5": os.path.join(WAN, "models_t5_umt5-xxl-enc-bf16.pth"),
         "tokenizer": os.path.join(WAN, "google", "umt5-xxl", "tokenizer.json"),
         "rcm": os.path.join(FIXTURE, "rCM_Wan2.1_T2V_1.3B_480p.pt"),
         "taew": os.path.join(FIXTURE, "taew2_1.pth")}
GRID = (TINY.video.latent_frames, TINY.video.height // 8, TINY.video.width // 8)


class FullSizeLayouts(unittest.TestCase):
    def test_counts(self):
        self.assertEqual((len(layout.umt5_shapes(WAN_1_3B.text)), layout.param_count(layout.umt5_shapes(WAN_1_3B.text))),
                         (1 + 24 * 10 + 1, 5_680_910_336))
        dit = layout.dit_shapes(WAN_1_3B.dit)
        self.assertEqual(len(dit), 12 + 30 * 27 + 3)
        self.assertEqual(layout.param_count(dit), 1_418_996_800)
        rcm = layout.rcm_dit_shapes(WAN_1_3B.dit)
        self.assertEqual(layout.param_count(rcm), layout.param_count(dit))
        self.assertTrue(all(k.startswith("net.") for k in rcm))
        taew = layout.taew_shapes(WAN_1_3B.taew)
        self.assertEqual(len([k for k in taew if k.startswith("decoder.")]), 2 + 9 * 6 + 3 + 3 + 2)
        self.assertEqual(layout.param_count({k: v for k, v in taew.items() if k.startswith("decoder.")}), 9_844_611)

    def test_sample_of_published_shapes(self):
        want = {
            "umt5": {"token_embedding.weight": (256384, 4096), "blocks.0.attn.q.weight": (4096, 4096),
                     "blocks.23.ffn.gate.0.weight": (10240, 4096), "blocks.23.ffn.fc2.weight": (4096, 10240),
                     "blocks.0.pos_embedding.embedding.weight": (32, 64), "norm.weight": (4096,)},
            "dit": {"patch_embedding.weight": (1536, 16, 1, 2, 2), "text_embedding.0.weight": (1536, 4096),
                    "time_embedding.0.weight": (1536, 256), "time_projection.1.weight": (9216, 1536),
                    "blocks.0.modulation": (1, 6, 1536), "blocks.0.norm3.bias": (1536,),
                    "blocks.29.cross_attn.norm_k.weight": (1536,), "blocks.29.ffn.0.weight": (8960, 1536),
                    "head.head.weight": (64, 1536), "head.modulation": (1, 2, 1536)},
            "rcm": {"net.patch_embedding.weight": (1536, 64), "net.blocks.0.self_attn.q.bias": (1536,)},
            "taew": {"encoder.0.weight": (64, 3, 3, 3), "encoder.2.conv.weight": (64, 128, 1, 1),
                     "encoder.3.weight": (64, 64, 3, 3), "encoder.12.conv.weight": (64, 64, 1, 1),
                     "encoder.17.weight": (16, 64, 3, 3), "decoder.1.weight": (256, 16, 3, 3),
                     "decoder.3.conv.0.weight": (256, 512, 3, 3), "decoder.7.conv.weight": (256, 256, 1, 1),
                     "decoder.8.weight": (128, 256, 3, 3), "decoder.13.conv.weight": (256, 128, 1, 1),
                     "decoder.19.conv.weight": (128, 64, 1, 1), "decoder.22.weight": (3, 64, 3, 3)},
        }
        have = {"umt5": layout.umt5_shapes(WAN_1_3B.text), "dit": layout.dit_shapes(WAN_1_3B.dit),
                "rcm": layout.rcm_dit_shapes(WAN_1_3B.dit), "taew": layout.taew_shapes(WAN_1_3B.taew)}
        for part, sample_ in want.items():
            for k, shape in sample_.items():
                self.assertEqual(have[part].get(k), shape, f"{part} {k}")
        self.assertNotIn("decoder.8.bias", have["taew"])        # conv(n_f[0], n_f[1], bias=False)
        self.assertNotIn("encoder.3.bias", have["taew"])
        self.assertNotIn("pos_embedding.embedding.weight", have["umt5"])   # shared_pos=False: per block only

    def test_tiny_has_the_published_names(self):
        self.assertEqual(sorted(layout.taew_shapes(TINY.taew)), sorted(layout.taew_shapes(WAN_1_3B.taew)))
        for fn, cfg_part in ((layout.dit_shapes, "dit"), (layout.umt5_shapes, "text")):
            full = {k for k in fn(getattr(WAN_1_3B, cfg_part)) if ".blocks." not in "." + k or
                    k.startswith(("blocks.0.", "blocks.1."))}
            self.assertEqual(set(fn(getattr(TINY, cfg_part))), full, cfg_part)

    def test_modules_have_the_layouts(self):
        """The modules' own state dicts are the layouts (so strict loading means the published names)."""
        shapes = lambda m: {k: tuple(v.shape) for k, v in m.state_dict().items()}  # noqa: E731
        self.assertEqual(shapes(UMT5Encoder(TINY.text, 32)), layout.umt5_shapes(TINY.text))
        self.assertEqual(shapes(WanDiT(TINY.dit, GRID)), layout.dit_shapes(TINY.dit))
        self.assertEqual(shapes(Taew(TINY.taew)), layout.taew_shapes(TINY.taew))


class TinyFixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(2)
        cls.dit_sd = st.load(FILES["dit"])
        cls.rcm_sd = torch.load(FILES["rcm"])
        cls.umt5_sd = torch.load(FILES["umt5"])
        cls.taew_sd = torch.load(FILES["taew"])

    def test_files_have_the_layouts(self):
        sh = lambda sd: {k: tuple(v.shape) for k, v in sd.items()}  # noqa: E731
        self.assertEqual(sh(self.dit_sd), layout.dit_shapes(TINY.dit))
        self.assertEqual(sh(self.rcm_sd), layout.rcm_dit_shapes(TINY.dit))
        self.assertEqual(sh(self.umt5_sd), layout.umt5_shapes(TINY.text))
        self.assertEqual(sh(self.taew_sd), layout.taew_shapes(TINY.taew))
        self.assertEqual(st.shapes(FILES["dit"])["blocks.0.self_attn.q.weight"][0], "F32")
        self.assertEqual({v.dtype for v in self.rcm_sd.values()}, {torch.bfloat16})
        self.assertEqual({v.dtype for v in self.umt5_sd.values()}, {torch.bfloat16})
        self.assertIn("TEST FIXTURE", st.metadata(FILES["dit"])["zoetrope"])
        with open(os.path.join(WAN, "config.json")) as f:
            self.assertEqual(json.load(f)["dim"], TINY.dit.dim)

    def test_both_dit_layouts_hold_the_same_weights(self):
        wan = layout.rcm_to_wan(self.rcm_sd, TINY.dit)
        self.assertEqual(set(wan), set(self.dit_sd))
        for k, v in self.dit_sd.items():
            self.assertTrue(torch.equal(wan[k].float(), v), k)
        back = layout.wan_to_rcm(self.dit_sd)
        self.assertEqual({k: tuple(v.shape) for k, v in back.items()}, layout.rcm_dit_shapes(TINY.dit))

    def test_strict_loads_name_what_is_wrong(self):
        dit = WanDiT(TINY.dit, GRID)
        dit.load(self.dit_sd)
        dit.load(layout.rcm_to_wan(self.rcm_sd, TINY.dit), "rCM DiT")
        with self.assertRaisesRegex(KeyError, "1 keys missing"):
            dit.load({k: v for k, v in self.dit_sd.items() if k != "head.modulation"})
        with self.assertRaisesRegex(KeyError, "1 unexpected"):
            dit.load({**self.dit_sd, "blocks.2.ffn.0.bias": torch.zeros(128)})
        with self.assertRaisesRegex(ValueError, "patch_embedding.weight is"):
            dit.load({**self.dit_sd, "patch_embedding.weight": torch.zeros(64, 64)})   # rCM's Linear, not converted
        with self.assertRaisesRegex(KeyError, "without the 'net.' prefix"):
            layout.rcm_to_wan({**self.rcm_sd, "blocks.0.modulation": torch.zeros(1, 6, 64)}, TINY.dit)
        enc = UMT5Encoder(TINY.text, 32)
        enc.load(self.umt5_sd)
        with self.assertRaises(KeyError):
            enc.load({**self.umt5_sd, "pos_embedding.embedding.weight": torch.zeros(32, 4)})  # a shared_pos layout
        taew = Taew(TINY.taew)
        taew.load(self.taew_sd)
        with self.assertRaises(KeyError):
            taew.load({k: v for k, v in self.taew_sd.items() if k.startswith("decoder.")})  # the encoder is part of the file

    def test_taew_takes_a_tgrow_of_more_frames_as_taehv_does(self):
        sd = dict(self.taew_sd)
        w = sd["decoder.7.conv.weight"]                      # [16, 16, 1, 1]: stride 1 in this config
        sd["decoder.7.conv.weight"] = torch.cat([torch.randn_like(w), w])
        taew = Taew(TINY.taew)
        taew.load(sd)
        self.assertTrue(torch.equal(taew.decoder[7].conv.weight, w))   # the last-timestep channels

    def test_make_random_is_reproducible(self):
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([sys.executable, os.path.join(ROOT, "models", "wan", "make_random.py"), "--config", "tiny",
                            "--out", d, "--seed", "0"], check=True, capture_output=True)
            for root, _, files in os.walk(FIXTURE):
                for name in files:
                    rel = os.path.relpath(os.path.join(root, name), FIXTURE)
                    if rel == "README.md":
                        continue
                    with open(os.path.join(root, name), "rb") as a, open(os.path.join(d, rel), "rb") as b:
                        self.assertEqual(a.read(), b.read(), rel)


def reference_dit(sd, c, x, t, context):
    """The published WanModel.forward (T2V), written from wan/modules/model.py: Conv3d, complex float64 RoPE,
    float64 sinusoid, einsum unpatchify."""
    d, n = c.dim, c.num_heads
    hd = d // n
    lin = lambda v, k: F.linear(v, sd[k + ".weight"], sd.get(k + ".bias"))  # noqa: E731
    rms = lambda v, k: v * torch.rsqrt(v.pow(2).mean(-1, keepdim=True) + c.eps) * sd[k]  # noqa: E731
    ln = lambda v, k=None: F.layer_norm(v, (d,), sd.get(k + ".weight") if k else None, sd.get(k + ".bias") if k else None, c.eps)  # noqa: E731
    u = F.conv3d(x, sd["patch_embedding.weight"], sd["patch_embedding.bias"], stride=c.patch_size)
    f, h, w = u.shape[2:]
    u = u.flatten(2).transpose(1, 2)

    def rope_params(m, dim):
        fr = torch.outer(torch.arange(m), 1.0 / torch.pow(10000, torch.arange(0, dim, 2).to(torch.float64).div(dim)))
        return torch.polar(torch.ones_like(fr), fr)
    freqs = torch.cat([rope_params(1024, hd - 4 * (hd // 6)), rope_params(1024, 2 * (hd // 6)), rope_params(1024, 2 * (hd // 6))], 1)
    cc = hd // 2
    fs = freqs.split([cc - 2 * (cc // 3), cc // 3, cc // 3], dim=1)
    fi = torch.cat([fs[0][:f].view(f, 1, 1, -1).expand(f, h, w, -1), fs[1][:h].view(1, h, 1, -1).expand(f, h, w, -1),
                    fs[2][:w].view(1, 1, w, -1).expand(f, h, w, -1)], -1).reshape(f * h * w, 1, -1)

    def rope(q):
        z = torch.view_as_complex(q[0].to(torch.float64).reshape(f * h * w, n, -1, 2))
        return torch.view_as_real(z * fi).flatten(2).unsqueeze(0).float()

    def attn(q, k, v):
        return F.softmax(torch.einsum("binc,bjnc->bnij", q, k) / math.sqrt(hd), -1).matmul(v.transpose(1, 2)).transpose(1, 2).flatten(2)
    half = c.freq_dim // 2
    pos = t.to(torch.float64)
    sinus = torch.outer(pos, torch.pow(10000, -torch.arange(half).to(pos).div(half)))
    sinus = torch.cat([torch.cos(sinus), torch.sin(sinus)], 1).float()
    e = lin(F.silu(lin(sinus, "time_embedding.0")), "time_embedding.2")
    e0 = lin(F.silu(e), "time_projection.1").view(1, 6, d)
    ctx = lin(F.gelu(lin(context, "text_embedding.0"), approximate="tanh"), "text_embedding.2")
    for i in range(c.num_layers):
        b = f"blocks.{i}."
        m = (sd[b + "modulation"] + e0).chunk(6, dim=1)
        y = ln(u) * (1 + m[1]) + m[0]
        q = rope(rms(lin(y, b + "self_attn.q"), b + "self_attn.norm_q.weight").view(1, -1, n, hd))
        k = rope(rms(lin(y, b + "self_attn.k"), b + "self_attn.norm_k.weight").view(1, -1, n, hd))
        u = u + lin(attn(q, k, lin(y, b + "self_attn.v").view(1, -1, n, hd)), b + "self_attn.o") * m[2]
        y = ln(u, b + "norm3")
        q = rms(lin(y, b + "cross_attn.q"), b + "cross_attn.norm_q.weight").view(1, -1, n, hd)
        k = rms(lin(ctx, b + "cross_attn.k"), b + "cross_attn.norm_k.weight").view(1, -1, n, hd)
        u = u + lin(attn(q, k, lin(ctx, b + "cross_attn.v").view(1, -1, n, hd)), b + "cross_attn.o")
        y = ln(u) * (1 + m[4]) + m[3]
        u = u + lin(F.gelu(lin(y, b + "ffn.0"), approximate="tanh"), b + "ffn.2") * m[5]
    m = (sd["head.modulation"] + e.unsqueeze(1)).chunk(2, dim=1)
    u = lin(ln(u) * (1 + m[1]) + m[0], "head.head")
    u = u[0].view(f, h, w, *c.patch_size, c.out_dim)
    return torch.einsum("fhwpqrc->cfphqwr", u).reshape(1, c.out_dim, f, h * 2, w * 2)


def reference_buckets(length, num_buckets=32, max_dist=128):
    """T5's bidirectional bucket of key − query, with Python's math (float64; the buckets are integers)."""
    half, out = num_buckets // 2, []
    max_exact = half // 2
    for i in range(length):
        row = []
        for j in range(length):
            rel = j - i
            b = half if rel > 0 else 0
            a = abs(rel)
            if a < max_exact:
                b += a
            else:
                b += min(half - 1, max_exact + int(math.log(a / max_exact) / math.log(max_dist / max_exact) * (half - max_exact)))
            row.append(b)
        out.append(row)
    return out


class AgainstThePublishedArithmetic(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(2)
        cls.sd = {k: v.float() for k, v in st.load(FILES["dit"]).items()}

    def test_dit_is_wans_forward(self):
        dit = WanDiT(TINY.dit, GRID).eval()
        dit.load(self.sd)
        g = torch.Generator().manual_seed(0)
        x = torch.randn(1, 16, *GRID, generator=g)
        ctx = torch.randn(1, 32, 32, generator=g)
        ctx[:, 10:] = 0
        with torch.no_grad():
            for t in (988.0, 608.0):
                ours = dit(x, torch.tensor([t]), ctx)
                ref = reference_dit(self.sd, TINY.dit, x, torch.tensor([t]), ctx)
                err = float((ours - ref).abs().max())
                self.assertLess(err, 2e-5, f"t={t}: {err}")
            self.assertGreater(float((dit(x, torch.tensor([988.0]), ctx) - dit(x, torch.tensor([608.0]), ctx)).abs().mean()), 0.05)

    def test_umt5_buckets_and_mask(self):
        self.assertEqual(relative_buckets(40, 32, 128).tolist(), reference_buckets(40))
        self.assertEqual(relative_buckets(512, 32, 128)[0, 511].item(), 31)   # the farthest key, after the query
        self.assertEqual(relative_buckets(512, 32, 128)[511, 0].item(), 15)
        enc = UMT5Encoder(TINY.text, 32).eval()
        enc.load(torch.load(FILES["umt5"]))
        ids = torch.tensor([[4, 33, 43, 1] + [0] * 28])
        mask = torch.tensor([[1] * 4 + [0] * 28])
        with torch.no_grad():
            a = enc(enc.embed(ids), mask)
            ids2 = ids.clone()
            ids2[0, 20] = 77                      # a different token under the padding changes nothing
            b = enc(enc.embed(ids2), mask)
        self.assertTrue(torch.equal(a, b))
        self.assertTrue(torch.all(a[0, 4:] == 0))
        self.assertGreater(float(a[0, :4].abs().min()), 0)


def reference_stream(taew, latents):
    """taehv.py's sequential decode: a work queue through the decoder's blocks, each MemBlock remembering
    its own input of the previous frame (zeros, i.e. xt * 0, at first); returns all frames, untrimmed."""
    memory = [None] * len(taew.decoder)
    queue = [(latents[t:t + 1], 0) for t in range(latents.shape[0])]
    out = []
    while queue:
        x, i = queue.pop(0)
        if i == len(taew.decoder):
            out.append(x)
            continue
        b = taew.decoder[i]
        if isinstance(b, MemBlock):
            y = b(x, x * 0 if memory[i] is None else memory[i])
            memory[i] = x
            queue.insert(0, (y, i + 1))
        elif isinstance(b, TGrow):
            y = b.conv(x)
            for chunk in reversed(y.chunk(b.stride, 1)):
                queue.insert(0, (chunk, i + 1))
        else:
            queue.insert(0, (b(x), i + 1))
    return torch.cat(out)


class TaewDecoding(unittest.TestCase):
    def test_streamed_steps_equal_the_parallel_decode_and_taehvs_queue(self):
        torch.set_num_threads(2)
        taew = Taew(TINY.taew).eval()
        taew.load(torch.load(FILES["taew"]))
        g = torch.Generator().manual_seed(1)
        lat = torch.randn(4, 16, 8, 8, generator=g)
        with torch.no_grad():
            whole = taew.decode_parallel(lat)
            mem = [torch.zeros(s) for s in taew.state_shapes(8, 8)]
            parts = []
            for t in range(4):
                img, mem = taew.decode_step(lat[t:t + 1], mem)
                parts.append(img)
            queue = reference_stream(taew, lat)
        self.assertEqual(tuple(whole.shape), (16, 3, 64, 64))
        self.assertLess(float((torch.cat(parts) - whole).abs().max()), 1e-5)
        self.assertLess(float((queue - whole).abs().max()), 1e-5)
        self.assertEqual((taew.frames_per_latent, taew.trim_frames), (4, 3))
        self.assertEqual(tuple(taew.decode_video(lat.permute(1, 0, 2, 3)).shape), (13, 3, 64, 64))
        # the memories matter: frame 1's images differ from a decode of latent 1 alone
        alone = taew.decode_parallel(lat[1:2])
        self.assertGreater(float((alone - whole[4:8]).abs().mean()), 1e-3)


class TokenTable(unittest.TestCase):
    def test_files_of_whole_rows_in_every_dtype(self):
        from wan.embeddings import read_table, write_table
        w = np.random.default_rng(0).standard_normal((37, 8)).astype(np.float32)
        w[5] = 0
        with tempfile.TemporaryDirectory() as d:
            for dtype, tol in (("float32", 0.0), ("float16", 2e-3), ("int8", None)):
                e = write_table(w, d, dtype, max_file_bytes=100, stem=f"t_{dtype}")
                self.assertEqual((e["rows"], e["dim"], e["dtype"]), (37, 8, dtype))
                size = 8 * {"float32": 4, "float16": 2, "int8": 1}[dtype]
                self.assertEqual(sum(os.path.getsize(os.path.join(d, f)) for f in e["files"]), 37 * size)
                for f in e["files"]:
                    self.assertLessEqual(os.path.getsize(os.path.join(d, f)), 100)
                    self.assertEqual(os.path.getsize(os.path.join(d, f)) % size, 0)
                back = read_table(d, e)
                if dtype == "int8":
                    scales = np.fromfile(os.path.join(d, e["scales"]), "<f4")
                    self.assertEqual(scales[5], 1.0)
                    self.assertTrue(np.all(np.abs(back - w) <= scales[:, None] / 2 + 1e-7))
                else:
                    self.assertLessEqual(float(np.abs(back - w).max()), tol)


class RcmSampler(unittest.TestCase):
    def test_times_are_the_published_formula(self):
        for steps in (1, 2, 3, 4):
            r = RcmTimes(steps)
            trig = [math.atan(80.0), *[1.5, 1.4, 1.0][: steps - 1], 0.0]
            want = [math.sin(t) / (math.cos(t) + math.sin(t)) for t in trig]
            np.testing.assert_allclose(r.s, want, rtol=1e-15, atol=1e-16)
            self.assertEqual(r.s[-1], 0.0)
        self.assertAlmostEqual(RcmTimes(4).s[0], 80 / 81, places=15)   # sin / (cos + sin) of atan(80)
        self.assertEqual(RcmTimes(4).timesteps, [988.0, 932.0, 852.0, 608.0])
        with self.assertRaises(ValueError):
            RcmTimes(5)

    def test_timesteps_are_torchs_bfloat16_cast(self):
        vals = np.random.default_rng(0).uniform(0, 1000, 2000)
        for v in vals:
            self.assertEqual(bf16_round(float(np.float32(v))), float(torch.tensor([float(v)], dtype=torch.float64).float().to(torch.bfloat16).float()))
        for s in RcmTimes(4).s[:-1]:
            # the published script: (t_cur.float() * ones(float64) * 1000).to(bfloat16)
            ref = (torch.tensor(s, dtype=torch.float64).float() * torch.ones(1, 1, dtype=torch.float64) * 1000).to(torch.bfloat16)
            self.assertEqual(bf16_round(float(np.float32(s)) * 1000.0), float(ref))

    def test_the_true_velocity_lands_on_x0(self):
        rng = np.random.default_rng(0)
        x0 = rng.standard_normal(64).astype(np.float32)
        for steps in (1, 2, 4):
            r = RcmTimes(steps)
            noise = rng.standard_normal(64 * steps).astype(np.float32)
            seen = []

            def v(x, t, i):
                seen.append(t)
                return (x.astype(np.float64) - x0) / r.s[i]     # the velocity whose x0 = x - s v is x0
            out = sample(r, noise, v)
            np.testing.assert_allclose(out, x0, atol=1e-5)
            self.assertEqual(seen, r.timesteps)


class UnigramTokenizer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.spec, cls.tok = load_tokenizer_json(FILES["tokenizer"])

    def test_fixture_tokenizer_is_make_tiny_vocab(self):
        self.assertEqual(self.spec, json.loads(json.dumps(tokenizer_json(make_tiny_vocab()))))
        self.assertLessEqual(len(self.tok.pieces), TINY_VOCAB_SIZE)
        self.assertEqual(self.tok.pieces[:4], ["<pad>", "</s>", "<unk>", "\u2581"])
        self.assertIsNone(self.spec["normalizer"])
        self.assertEqual(self.spec["pre_tokenizer"], {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True})

    def test_golden_ids_file_is_current(self):
        with open(os.path.join(FIXTURE, "tokenizer", "golden-ids.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f), golden_ids(self.tok, TINY.max_length))

    def test_rules(self):
        self.assertEqual(clean(" a \t\n b\u00a0 c "), "a b c")
        self.assertEqual(metaspace_split("a red  ball"), ["\u2581a", "\u2581red", "\u2581", "\u2581ball"])
        self.assertEqual(metaspace_split("\u2581x"), ["\u2581x"])
        t = Unigram([("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -1.0), ("ab", -1.0), ("a", -2.0),
                     ("b", -2.0), ("\u2581ab", -1.5)])
        self.assertEqual(t.tokens("ab"), ["\u2581ab"])                          # -1.5 beats ▁ + ab (-2.0)
        self.assertEqual(t.encode("xyz ab"), [3, 2, 7])                          # ▁, one fused <unk>, ▁ab
        self.assertEqual(t.unk_score, -12.0)
        tie = Unigram([("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -1.0), ("\u2581a", -1.0), ("b", -1.0),
                       ("\u2581ab", -3.0), ("a", -1.0), ("ab", -2.0)])
        # ▁a + b, ▁ + ab and ▁ + a + b... : ▁ab (-3) ties ▁ + ab (-3) and ▁a + b (-2) wins outright
        self.assertEqual(tie.tokens("ab"), ["\u2581a", "b"])
        tie2 = Unigram([("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -1.0), ("\u2581ab", -3.0), ("ab", -2.0)])
        self.assertEqual(tie2.tokens("ab"), ["\u2581ab"])   # a tie: the path whose last piece starts earliest
        ids, mask = self.tok.input_ids("a " * 100, 32)
        self.assertEqual((len(ids), ids[-1], sum(mask)), (32, 1, 32))
        ids, mask = self.tok.input_ids("a red ball", 32)
        self.assertEqual(ids[:5], [4, 33, 43, 1, 0])
        self.assertEqual(mask[:5], [1, 1, 1, 1, 0])

    @unittest.skipUnless(os.path.isdir(os.path.join(ROOT, "node_modules", "@huggingface", "tokenizers")),
                         "needs node_modules/@huggingface/tokenizers (npm ci)")
    def test_same_ids_as_huggingface_tokenizers_js(self):
        """A second implementation: @huggingface/tokenizers (the JS port) on the same tokenizer.json."""
        with open(os.path.join(FIXTURE, "tokenizer", "golden-ids.json"), encoding="utf-8") as f:
            cases = json.load(f)["cases"]
        script = ("import('@huggingface/tokenizers').then(({Tokenizer}) => { const fs = require('fs');"
                  "const t = new Tokenizer(JSON.parse(fs.readFileSync(process.argv[1], 'utf8')), {});"
                  "const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));"
                  "console.log(JSON.stringify(cases.map((c) => t.encode(c, { add_special_tokens: false }).ids))); });")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "cases.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump([c["cleaned"] for c in cases], f, ensure_ascii=False)
            out = subprocess.run(["node", "-e", script, FILES["tokenizer"], path], capture_output=True, text=True,
                                 check=True, cwd=ROOT).stdout
        self.assertEqual(json.loads(out), [c["ids"] for c in cases])


if __name__ == "__main__":
    unittest.main()
