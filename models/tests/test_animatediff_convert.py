"""The animatediff converter's parts: sampler, CLIP tokenizer, external-data splitter, fp16 graph,
and the TEST FIXTURE source folder it wrote (tests/fixtures/animatediff-tiny-model, random weights).

  /usr/bin/python3 -m unittest discover -s models/tests -p 'test_animatediff_convert.py' -v
  ZOETROPE_SLOW=1 …   also converts the single-file checkpoint again (~3 min) and compares graphs

The scheduler is checked against an independent float64 reimplementation written with Python's
math module (no NumPy), and against hand-checked figures: trailing timesteps 999/749/499/249 for
4 steps, SD 1.5's well-known sigma_max 14.6146 for scaled_linear.
"""
import hashlib
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
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from animatediff.clip_tokenizer import (ClipBpe, golden_ids, load_tokenizer_source, make_tiny_vocab,  # noqa: E402
                                        pre_split, tokenizer_json)
from animatediff.configs import TINY_VOCAB_SIZE  # noqa: E402
from animatediff.external_data import external_files, split_external  # noqa: E402
from animatediff.onnx_fp16 import emulate_fp16, to_fp16  # noqa: E402
from animatediff.scheduler import EulerTrailing, sample  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "animatediff-tiny")
MODEL = os.path.join(ROOT, "tests", "fixtures", "animatediff-tiny-model")
TOKENIZER = os.path.join(FIXTURE, "tokenizer")


def reference_sigmas(schedule, steps, start=0.00085, end=0.012, n=1000):
    """float64, loops only: betas, cumulative product, trailing timesteps, sigmas."""
    if schedule == "linear":
        betas = [start + (end - start) * i / (n - 1) for i in range(n)]
    else:
        betas = [(math.sqrt(start) + (math.sqrt(end) - math.sqrt(start)) * i / (n - 1)) ** 2 for i in range(n)]
    acp, prod = [], 1.0
    for b in betas:
        prod *= 1.0 - b
        acp.append(prod)
    ts = [round(n - k * n / steps) - 1 for k in range(steps)]
    return ts, [math.sqrt((1 - acp[t]) / acp[t]) for t in ts] + [0.0]


class SchedulerTest(unittest.TestCase):
    def test_trailing_timesteps(self):
        self.assertEqual(list(EulerTrailing(4).timesteps), [999, 749, 499, 249])
        self.assertEqual(list(EulerTrailing(2).timesteps), [999, 499])
        self.assertEqual(list(EulerTrailing(1).timesteps), [999])
        self.assertEqual(list(EulerTrailing(8).timesteps), [999, 874, 749, 624, 499, 374, 249, 124])

    def test_sigmas_match_an_independent_float64_implementation(self):
        for schedule in ("linear", "scaled_linear"):
            for steps in (1, 2, 3, 4, 8):
                s = EulerTrailing(steps, schedule)
                ts, sig = reference_sigmas(schedule, steps)
                self.assertEqual(list(s.timesteps), ts)
                np.testing.assert_allclose(s.sigmas, sig, rtol=1e-12, atol=0)
                self.assertEqual(s.init_noise_sigma, s.sigmas[0])  # trailing: sigma_max, not sqrt(max² + 1)

    def test_hand_checked_values(self):
        self.assertAlmostEqual(EulerTrailing(4, "scaled_linear").sigmas[0], 14.6146, places=4)
        self.assertAlmostEqual(EulerTrailing(4, "linear").sigmas[0], 25.1461, places=4)
        self.assertEqual(EulerTrailing(4).sigmas[-1], 0.0)

    def test_step_is_float32_euler(self):
        s = EulerTrailing(4)
        x = np.array([1.5, -2.25, 3.0], np.float32)
        eps = np.array([0.5, 0.25, -1.0], np.float32)
        out = s.step(x, eps, 0)
        self.assertEqual(out.dtype, np.float32)
        dt = np.float32(s.sigmas[1] - s.sigmas[0])
        np.testing.assert_array_equal(out, x + dt * eps)
        # with the true eps of a point x0, Euler to sigma = 0 lands on x0 exactly (up to float32)
        x0 = np.array([0.3, -0.7, 0.1], np.float32)
        noise = np.array([1.0, -0.5, 0.25], np.float32)
        final = sample(s, noise, lambda xin, t, i: (xin * np.float32(math.sqrt(s.sigmas[i] ** 2 + 1)) - x0) / np.float32(s.sigmas[i]))
        np.testing.assert_allclose(final, x0, atol=1e-5)

    def test_rejects_unknown_schedules(self):
        with self.assertRaises(ValueError):
            EulerTrailing(4, "cosine")


class TokenizerTest(unittest.TestCase):
    bpe = ClipBpe.from_files(os.path.join(TOKENIZER, "vocab.json"), os.path.join(TOKENIZER, "merges.txt"))

    def test_fixture_vocabulary_is_make_tiny_vocab_and_matches_the_config(self):
        vocab, merges = make_tiny_vocab()
        self.assertEqual(vocab, self.bpe.vocab)
        self.assertEqual(merges, list(self.bpe.ranks))
        self.assertEqual(len(vocab), TINY_VOCAB_SIZE)
        self.assertEqual((vocab["<|startoftext|>"], vocab["<|endoftext|>"]), (998, 999))

    def test_pre_split_follows_clips_regex(self):
        self.assertEqual(pre_split("it's 42 cats!!"), ["it", "'s", "4", "2", "cats", "!!"])
        self.assertEqual(pre_split("a!'s"), ["a", "!'", "s"])  # a contraction only where a match starts

    def test_words_end_in_end_of_word_symbols_and_ids_pad_with_eos(self):
        self.assertEqual(self.bpe.tokens("A Red BALL"), ["a</w>", "red</w>", "ball</w>"])
        ids = self.bpe.input_ids("a red ball")
        self.assertEqual(len(ids), 77)
        self.assertEqual(ids[0], 998)
        self.assertEqual(ids[4:], [999] * 73)
        self.assertEqual(len(self.bpe.input_ids("red " * 100)), 77)

    def test_golden_ids_file_is_current(self):
        with open(os.path.join(TOKENIZER, "golden-ids.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f), golden_ids(self.bpe))

    def test_tokenizer_json_passes_through(self):
        spec = tokenizer_json(self.bpe.vocab, list(self.bpe.ranks))
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "tokenizer.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(spec, f, ensure_ascii=False)
            again, bpe2 = load_tokenizer_source(path)
        self.assertEqual(again, spec)
        self.assertEqual(bpe2.encode("fireworks over the river"), self.bpe.encode("fireworks over the river"))
        self.assertEqual(spec["model"]["end_of_word_suffix"], "</w>")


def toy_model(sizes=(300, 70_000, 20_000, 50_000, 8)):
    """x [1, 4] -> a chain of Add (of ReduceMax of float initializers of the given element counts (reshaped), -> y."""
    rng = np.random.default_rng(0)
    inits, nodes, prev = [], [], "x"
    for k, n in enumerate(sizes):
        arr = rng.standard_normal((n // 4, 4)).astype(np.float32)
        inits.append(numpy_helper.from_array(arr, f"w{k}"))
        nodes.append(helper.make_node("ReduceMax", [f"w{k}"], [f"s{k}"], axes=[0], keepdims=1))
        nodes.append(helper.make_node("Add", [prev, f"s{k}"], [f"a{k}"]))
        prev = f"a{k}"
    nodes.append(helper.make_node("Softmax", [prev], ["y"], axis=-1))
    g = helper.make_graph(nodes, "toy", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


class ExternalDataTest(unittest.TestCase):
    def check_split(self, model, base_dir, limit):
        want = {t.name: numpy_helper.to_array(t, base_dir).tobytes() for t in model.graph.initializer}
        with tempfile.TemporaryDirectory() as out:
            files = split_external(model, base_dir, out, "toy.onnx", limit)
            self.assertEqual(files, external_files(onnx.load(os.path.join(out, "toy.onnx"), load_external_data=False)))
            self.assertGreater(len(files), 1)
            for f in files:
                self.assertLessEqual(os.path.getsize(os.path.join(out, f)), limit)
            self.assertEqual(sorted(os.listdir(out)), sorted(["toy.onnx", *files]))
            back = onnx.load(os.path.join(out, "toy.onnx"))
            onnx.checker.check_model(back)
            for t in back.graph.initializer:
                self.assertEqual(numpy_helper.to_array(t).tobytes(), want[t.name], t.name)
            for t in onnx.load(os.path.join(out, "toy.onnx"), load_external_data=False).graph.initializer:
                info = {e.key: e.value for e in t.external_data}
                if info:
                    self.assertEqual(int(info["offset"]) % 64, 0)

    def test_split_of_an_inline_graph(self):
        self.check_split(toy_model(), ".", 320 * 1024)

    def test_split_of_torchs_one_file_per_tensor_layout(self):
        with tempfile.TemporaryDirectory() as d:
            onnx.save_model(toy_model(), os.path.join(d, "toy.onnx"), save_as_external_data=True,
                            all_tensors_to_one_file=False, size_threshold=0)
            m = onnx.load(os.path.join(d, "toy.onnx"), load_external_data=False)
            self.assertGreater(len(external_files(m)), 3)
            self.check_split(m, d, 320 * 1024)

    def test_constant_nodes_torch_wrote_as_external_files_move_into_the_data_files(self):
        """torch 1.13 writes a > 2 GiB graph's large Constant node values as external files too (the wan
        DiT's RoPE tables): they must end up in the numbered files, not point at the deleted scratch."""
        m = toy_model()
        big = np.arange(2000, dtype=np.float32).reshape(500, 4)
        m.graph.node.insert(0, helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(big)))
        m.graph.node.append(helper.make_node("ReduceMax", ["c"], ["cm"], axes=[0], keepdims=1))
        m.graph.output.append(helper.make_tensor_value_info("cm", TensorProto.FLOAT, [1, 4]))
        with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as out:
            onnx.save_model(m, os.path.join(d, "toy.onnx"), save_as_external_data=True,
                            all_tensors_to_one_file=False, size_threshold=0, convert_attribute=True)
            src = onnx.load(os.path.join(d, "toy.onnx"), load_external_data=False)
            self.assertEqual(src.graph.node[0].attribute[0].t.data_location, TensorProto.EXTERNAL)
            files = split_external(src, d, out, "toy.onnx", 320 * 1024)
            self.assertEqual(sorted(os.listdir(out)), sorted(["toy.onnx", *files]))
            back = onnx.load(os.path.join(out, "toy.onnx"))
            self.assertNotIn("Constant", [n.op_type for n in back.graph.node])
            np.testing.assert_array_equal(numpy_helper.to_array(next(t for t in back.graph.initializer if t.name == "c")), big)
            onnx.checker.check_model(back)

    def test_a_tensor_over_the_limit_is_an_error(self):
        with tempfile.TemporaryDirectory() as out, self.assertRaisesRegex(ValueError, "max-file-mb"):
            split_external(toy_model(), ".", out, "toy.onnx", 64 * 1024)


class Fp16Test(unittest.TestCase):
    def test_io_stays_float32_and_block_list_ops_read_float32(self):
        half = to_fp16(toy_model())
        onnx.checker.check_model(half)
        self.assertEqual(half.graph.input[0].type.tensor_type.elem_type, TensorProto.FLOAT)
        self.assertEqual(half.graph.output[0].type.tensor_type.elem_type, TensorProto.FLOAT)
        inferred = onnx.shape_inference.infer_shapes(half)
        types = {v.name: v.type.tensor_type.elem_type for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
        types.update({t.name: t.data_type for t in half.graph.initializer})
        types.update({i.name: i.type.tensor_type.elem_type for i in half.graph.input})
        for n in half.graph.node:
            if n.op_type == "Softmax":
                self.assertEqual(types[n.input[0]], TensorProto.FLOAT)
            if n.op_type == "Add":
                self.assertEqual({types[i] for i in n.input}, {TensorProto.FLOAT16})
        self.assertTrue(all(t.data_type == TensorProto.FLOAT16 for t in half.graph.initializer))

    def test_emulation_rounds_weights_through_fp16(self):
        emu = emulate_fp16(toy_model())
        onnx.checker.check_model(emu)
        w = numpy_helper.to_array(emu.graph.initializer[0])
        np.testing.assert_array_equal(w, w.astype(np.float16).astype(np.float32))


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Int8VariantTest(unittest.TestCase):
    """int8_variant.py on the TEST FIXTURE's UNet: every large MatMul and Conv weight becomes dynamic
    int8 (MatMulInteger / ConvInteger), and no DequantizeLinear is left whose all-initializer
    inputs would let onnxruntime make every fp32 conv weight at the start of a run."""

    def test_the_fixture_unet(self):
        from animatediff import int8_variant
        src = onnx.load(os.path.join(MODEL, "unet.onnx"), load_external_data=False)
        src_weights = {i.name for i in src.graph.initializer}
        big_convs = [n for n in src.graph.node if n.op_type == "Conv" and n.input[1] in src_weights]
        with tempfile.TemporaryDirectory() as tmp:
            for name in external_files(src) + ["unet.onnx"]:
                os.link(os.path.join(MODEL, name), os.path.join(tmp, name))
            stats = int8_variant.convert(tmp, "unet.onnx", "unet.int8.onnx", 1 << 20)
            onnx.checker.check_model(os.path.join(tmp, "unet.int8.onnx"))
            m = onnx.load(os.path.join(tmp, "unet.int8.onnx"))
        ops = [n.op_type for n in m.graph.node]
        self.assertNotIn("DequantizeLinear", ops)
        self.assertGreater(stats["conv"], 0)
        self.assertEqual(ops.count("ConvInteger"), stats["conv"])
        self.assertEqual(ops.count("MatMulInteger"), stats["matmul"])
        self.assertLessEqual(stats["conv"], len(big_convs))
        inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
        for node in (n for n in m.graph.node if n.op_type == "ConvInteger"):
            w, zp = inits[node.input[1]], inits[node.input[3]]
            self.assertEqual((w.dtype, zp.dtype, zp.size, int(zp.reshape(-1)[0])), (np.uint8, np.uint8, 1, 128))
            scale = inits[node.input[1][: -len("__q")] + "__scale"]
            self.assertEqual(scale.shape, (w.shape[0], 1, 1))
        # The weights round-trip within half a step of their channel's scale.
        src_full = {i.name: numpy_helper.to_array(i) for i in onnx.load(os.path.join(MODEL, "unet.onnx")).graph.initializer}
        name = next(n.input[1] for n in big_convs if n.input[1] + "__q" in inits)
        w = src_full[name]
        back = (inits[name + "__q"].astype(np.float32) - 128) * inits[name + "__scale"].reshape(-1, 1, 1, 1)
        self.assertLessEqual(float(np.abs(back - w).max()), float(inits[name + "__scale"].max()) / 2 + 1e-7)


class FixtureFolderTest(unittest.TestCase):
    """tests/fixtures/animatediff-tiny-model: what the converter wrote for the TEST FIXTURE."""

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(MODEL, "model.json"), encoding="utf-8") as f:
            cls.manifest = json.load(f)
        with open(os.path.join(MODEL, "golden", "golden.json"), encoding="utf-8") as f:
            cls.golden = json.load(f)

    def test_manifest_fields(self):
        m = self.manifest
        self.assertEqual(m["pipeline"], "animatediff")
        self.assertTrue(m["fixture"])
        self.assertIn("TEST FIXTURE", m["name"])
        self.assertEqual(m["video"], {"frames": 8, "height": 64, "width": 64, "fps": 8})
        self.assertEqual(m["sample"], {"shape": [4, 8, 8, 8]})
        self.assertEqual(m["scheduler"]["betaSchedule"], "linear")
        self.assertEqual(m["scheduler"]["steps"], [4])
        self.assertEqual(m["scheduler"]["defaultGuidance"], 0)
        self.assertEqual(m["tokenizer"], {"file": "tokenizer.json", "maxLength": 77, "padId": 999, "unkId": 999,
                                          "bosId": 998, "eosId": 999})
        with open(os.path.join(ROOT, "models", "convert", "licenses", "creativeml-openrail-m.txt"), encoding="utf-8") as f:
            self.assertEqual(m["licenseText"], f.read())

    def test_every_named_file_exists_and_nothing_else(self):
        m = self.manifest
        named = {m["tokenizer"]["file"]}
        for g in list(m["graphs"].values()) + list(m["variants"]["webgpu"].values()):
            named |= {g} if isinstance(g, str) else {g["file"], *g["externalData"]}
        self.assertEqual(set(os.listdir(MODEL)) - {"model.json", "golden"}, named)
        for v in m["variants"]["webgpu"].values():
            self.assertEqual(v["requires"], ["shader-f16"])

    def test_sources_are_the_fixture_files(self):
        by_file = {s["file"]: s for s in self.manifest["sources"]}
        self.assertEqual(by_file["animatediff_lightning_4step_diffusers.safetensors"]["sha256"],
                         sha256(os.path.join(FIXTURE, "animatediff_lightning_4step_diffusers.safetensors")))
        self.assertEqual(by_file["sd15-diffusers/unet/diffusion_pytorch_model.safetensors"]["sha256"],
                         sha256(os.path.join(FIXTURE, "sd15-diffusers", "unet", "diffusion_pytorch_model.safetensors")))

    def test_graph_io_is_the_contracts(self):
        def io(entry):
            g = onnx.load(os.path.join(MODEL, entry if isinstance(entry, str) else entry["file"]), load_external_data=False).graph
            dims = lambda v: [d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
            return ({i.name: (i.type.tensor_type.elem_type, dims(i)) for i in g.input},
                    {o.name: (o.type.tensor_type.elem_type, dims(o)) for o in g.output})
        F, I = TensorProto.FLOAT, TensorProto.INT64
        self.assertEqual(sorted(self.manifest["variants"]["webgpu"]), ["denoiser", "textEncoder"])
        for graphs in (self.manifest["graphs"], dict(self.manifest["graphs"], **self.manifest["variants"]["webgpu"])):
            self.assertEqual(io(graphs["textEncoder"]), ({"input_ids": (I, [1, 77])}, {"encoder_hidden_states": (F, [1, 77, 32])}))
            self.assertEqual(io(graphs["denoiser"]), ({"sample": (F, [1, 4, 8, 8, 8]), "timestep": (I, [1]),
                                                       "encoder_hidden_states": (F, [1, 77, 32])},
                                                      {"noise_pred": (F, [1, 4, 8, 8, 8])}))
            self.assertEqual(io(graphs["decoder"]), ({"latent": (F, [1, 4, 8, 8])}, {"image": (F, [1, 3, 64, 64])}))

    def test_golden_files_have_their_shapes(self):
        g = self.golden
        self.assertEqual(g["timesteps"], [999, 749, 499, 249])
        self.assertEqual(g["initNoiseSigma"], g["sigmas"][0])
        self.assertEqual(g["input_ids"], TokenizerTest.bpe.input_ids(g["prompt"]))
        for key, file in g["files"].items():
            shape = g["shapes"][key]
            self.assertEqual(os.path.getsize(os.path.join(MODEL, "golden", file)), 4 * int(np.prod(shape)), key)
        noise = np.fromfile(os.path.join(MODEL, "golden", g["files"]["noise"]), "<f4")
        self.assertTrue(0.8 < noise.std() < 1.2)

    @unittest.skipUnless(os.environ.get("ZOETROPE_SLOW") == "1", "ZOETROPE_SLOW=1: converts the single file again (~3 min)")
    def test_single_file_checkpoint_gives_the_same_graph_weights(self):
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([sys.executable, os.path.join(ROOT, "models", "convert", "animatediff.py"),
                            "--base", os.path.join(FIXTURE, "sd15-single-file.safetensors"),
                            "--motion", os.path.join(FIXTURE, "animatediff_lightning_4step_diffusers.safetensors"),
                            "--tokenizer", TOKENIZER, "--frames", "8", "--height", "64", "--width", "64", "--fixture",
                            "--id", "x", "--name", "x", "--version", "0.0.0", "--external-data", "--max-file-mb", "0.25",
                            "--no-fp16", "--no-golden", "--out", out], check=True)
            for role, entry in self.manifest["graphs"].items():
                a = onnx.load(os.path.join(MODEL, entry["file"]))
                b = onnx.load(os.path.join(out, entry["file"]))
                wa = {t.name: numpy_helper.to_array(t).tobytes() for t in a.graph.initializer}
                wb = {t.name: numpy_helper.to_array(t).tobytes() for t in b.graph.initializer}
                self.assertEqual(wa, wb, role)


if __name__ == "__main__":
    unittest.main()
