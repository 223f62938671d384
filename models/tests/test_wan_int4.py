"""The `wan` kind's 4-bit text encoder (models/convert/wan.py --int4-text, models/wan/int4_text.py).

  /usr/bin/python3 -m unittest discover -s models/tests -p 'test_wan_int4.py' -v

Converts the TEST FIXTURE checkpoint (tests/fixtures/wan-tiny, random weights) with --int4-text into a
temporary folder (the committed tests/fixtures/wan-tiny-model stays fp32) and checks:
  - the graph: every umT5 projection is a com.microsoft MatMulNBits (bits 4, the block size asked for), no
    MatMul has a weight initializer left, and no fp32 copy of those weights remains;
  - the packing, on one MatMulNBits node with K not a multiple of the block (a padded last block):
    onnxruntime's output = A @ int4_text.dequantize(B, scales), the exact numpy inverse of our packing;
  - the converted encoder, in onnxruntime-node AND onnxruntime-web's WASM build (models/tools/run-onnx.mjs):
    against PyTorch's umT5 with the dequantized weights (tight: any layout error would be of the size of the
    weights) and against PyTorch's fp32 umT5 (golden/'s context: the 4-bit rounding error, a stated bound).
Each prints its measured error, which models/convert/README.md ("Wan", "Measured") records.
"""
import json
import os
import shutil
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

from wan import int4_text  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "wan-tiny")
MODEL = os.path.join(ROOT, "tests", "fixtures", "wan-tiny-model")
RUNNER = os.path.join(ROOT, "models", "tools", "run-onnx.mjs")
HAVE_NODE = shutil.which("node") is not None and os.path.isdir(os.path.join(ROOT, "node_modules", "onnxruntime-node"))
RUNTIMES = ("node", "wasm")
# max |ONNX int4 - PyTorch on the dequantized weights|: float32 summation order only (measured <= 6e-7).
TOL_LAYOUT = 1e-5
# ONNX int4 against PyTorch fp32 (golden/'s context, values up to 3.05) on the fixture's random weights at
# block 32: the 4-bit rounding itself, measured max 0.83 and relative RMS 0.22 over the prompt's tokens (one
# projection alone: 0.088; int8 per channel would be 0.016). Bounds with some room; a wrong nibble order or
# scale index gives a relative RMS near 1 or more.
TOL_INT4_MAX = 1.0
TOL_INT4_REL = 0.3


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def golden_array(g, key):
    return np.fromfile(os.path.join(MODEL, "golden", g["files"][key]), "<f4").reshape(g["shapes"][key])


def run_onnx(graph, external, inputs, tmp, runtime):
    """One run of graph (a path) in Node with `runtime`; returns {output name: array}."""
    spec_in = {}
    for name, value in inputs.items():
        path = os.path.join(tmp, f"in.{name}.bin")
        dtype = "int64" if value.dtype == np.int64 else "float32"
        np.ascontiguousarray(value, "<i8" if dtype == "int64" else "<f4").tofile(path)
        spec_in[name] = {"file": path, "dtype": dtype, "shape": list(value.shape)}
    out_dir = os.path.join(tmp, f"out.{runtime}")
    spec = {"graph": graph, "externalData": external, "outDir": out_dir, "runs": [{"inputs": spec_in}]}
    spec_path = os.path.join(tmp, "spec.json")
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    subprocess.run(["node", RUNNER, spec_path, "--runtime", runtime, "--threads", "2"], check=True, cwd=ROOT)
    run = load_json(os.path.join(out_dir, "result.json"))["runs"][0]
    return {name: np.fromfile(o["file"], "<f4").reshape(o["dims"]) for name, o in run["files"].items()}


def max_err(a, b):
    d = np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))
    return float(d.max()), float(d.mean())


class Packing(unittest.TestCase):
    def test_quantize_dequantize(self):
        rng = np.random.default_rng(0)
        w = rng.standard_normal((80, 24)).astype(np.float32)   # K = 80: blocks of 32, 32, 16 + 16 padding
        packed, scales = int4_text.quantize(w, 32)
        self.assertEqual((packed.dtype, packed.shape), (np.dtype(np.uint8), (24, 3, 16)))
        self.assertEqual((scales.dtype, scales.shape), (np.dtype(np.float32), (24, 3)))
        deq = int4_text.dequantize(packed, scales, 80, 32)
        self.assertEqual(deq.shape, w.shape)
        # each value within half a step of its block, except past code 15 (+7.5 steps, clipped: within one
        # step); the value of largest magnitude exact (code 0 = -8 steps)
        scale = scales.repeat(32, axis=1)[:, :80].T
        err = np.abs(deq - w)
        inside = w / scale <= 7.5
        self.assertTrue(np.all(err[inside] <= np.abs(scale[inside]) / 2 + 1e-6))
        self.assertTrue(np.all(err <= np.abs(scale) + 1e-6))
        cols = np.abs(w[:32]).argmax(axis=0)
        np.testing.assert_array_equal(deq[cols, np.arange(24)], w[cols, np.arange(24)])
        # low nibble first: element k = 0 of column 0 is the low 4 bits of byte 0
        code0 = int(np.clip(np.rint(w[0, 0] / scales[0, 0]), -8, 7)) + 8
        self.assertEqual(packed[0, 0, 0] & 0x0F, code0)

    def test_estimate_full_size(self):
        e = int4_text.estimate(block_size=32)
        self.assertEqual(e["params"], 4_630_511_616)               # 24 x (4 x 4096² + 3 x 4096 x 10240)
        self.assertEqual(e["packed"], e["params"] // 2)
        self.assertEqual(e["scales"], e["params"] // 32 * 4)
        self.assertLess(e["int4"], 4 << 30)
        print(f"\n  {int4_text.describe_estimate(32)}", end="")


class Int8Table(unittest.TestCase):
    def test_context_from_int8_rows(self):
        """The full-size default table (int8, per-row scales) changes PyTorch's context by little (fixture)."""
        import torch
        from wan.configs import TINY
        from wan.embeddings import read_table, write_table
        from wan.export_onnx import TextEncoderGraph
        from wan.umt5 import UMT5Encoder
        torch.set_num_threads(2)
        g = load_json(os.path.join(MODEL, "golden", "golden.json"))
        sd = torch.load(os.path.join(FIXTURE, "Wan2.1-T2V-1.3B", "models_t5_umt5-xxl-enc-bf16.pth"))
        enc = UMT5Encoder(TINY.text, TINY.max_length).eval()
        enc.load(sd)
        with tempfile.TemporaryDirectory() as d:
            table = read_table(d, write_table(sd["token_embedding.weight"].float().numpy(), d, "int8"))
        rows = torch.from_numpy(table[np.array(g["input_ids"])][None])
        with torch.no_grad():
            out = TextEncoderGraph(enc)(rows, torch.tensor([g["attention_mask"]], dtype=torch.int64)).numpy()
        n = sum(g["attention_mask"])
        ref = golden_array(g, "context")[0, :n].astype(np.float64)
        d = out[0, :n].astype(np.float64) - ref
        rel = float(np.sqrt((d ** 2).mean() / (ref ** 2).mean()))
        print(f"\n  int8 table rows -> context: max |PyTorch - PyTorch fp32 rows| {np.abs(d).max():.3g}, "
              f"relative RMS {rel:.3g} (bound 0.03)", end="")
        self.assertLess(rel, 0.03)


@unittest.skipUnless(HAVE_NODE, "needs node and node_modules/onnxruntime-node (npm ci)")
class OneNode(unittest.TestCase):
    def test_matmulnbits_layout(self):
        """A [1, 5, 80] @ W [80, 24] as MatMulNBits = A @ dequantize(quantize(W)) in both runtimes."""
        rng = np.random.default_rng(1)
        k, n, bs = 80, 24, 32
        w = rng.standard_normal((k, n)).astype(np.float32)
        a = rng.standard_normal((1, 5, k)).astype(np.float32)
        packed, scales = int4_text.quantize(w, bs)
        node = helper.make_node("MatMulNBits", ["a", "b", "s"], ["y"], domain="com.microsoft", K=k, N=n, bits=4, block_size=bs)
        graph = helper.make_graph([node], "one", [helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 5, k])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5, n])],
                                  [numpy_helper.from_array(packed, "b"), numpy_helper.from_array(scales, "s")])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
        want = a.astype(np.float64) @ int4_text.dequantize(packed, scales, k, bs).astype(np.float64)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "one.onnx")
            onnx.save_model(model, path)
            for runtime in RUNTIMES:
                y = run_onnx(path, [], {"a": a}, tmp, runtime)["y"]
                err, _ = max_err(y, want)
                print(f"\n  one MatMulNBits (K 80, padded block): max |ONNX - numpy dequant| {err:.3g} (values up to "
                      f"{float(np.abs(want).max()):.3g}, {runtime})", end="")
                self.assertLess(err, 1e-6 * float(np.abs(want).max()), runtime)
                # and a layout other than ours would be visibly off: the nibbles swapped
                swapped = ((packed & 0x0F) << 4) | (packed >> 4)
                off = a.astype(np.float64) @ int4_text.dequantize(swapped, scales, k, bs).astype(np.float64)
                self.assertGreater(max_err(y, off)[0], 0.1)


@unittest.skipUnless(HAVE_NODE, "needs node and node_modules/onnxruntime-node (npm ci)")
class ConvertedTextEncoder(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="wan-int4-")
        cls.out = os.path.join(cls.tmp, "src")
        p = subprocess.run([sys.executable, os.path.join(ROOT, "models", "convert", "wan.py"),
                            "--wan-dir", os.path.join(FIXTURE, "Wan2.1-T2V-1.3B"),
                            "--dit", os.path.join(FIXTURE, "rCM_Wan2.1_T2V_1.3B_480p.pt"),
                            "--taew", os.path.join(FIXTURE, "taew2_1.pth"),
                            "--latent-frames", "3", "--height", "64", "--width", "64", "--fixture", "--id", "x",
                            "--name", "x", "--version", "0.0.0", "--external-data", "--max-file-mb", "0.25",
                            "--no-fp16", "--no-golden", "--int4-text", "--out", cls.out],
                           check=True, capture_output=True, text=True)
        cls.log = p.stdout
        cls.m = load_json(os.path.join(cls.out, "model.json"))
        cls.g = load_json(os.path.join(MODEL, "golden", "golden.json"))
        cls.entry = cls.m["graphs"]["textEncoder"]
        cls.graph = onnx.load(os.path.join(cls.out, cls.entry["file"]))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_manifest_and_files(self):
        self.assertEqual(self.entry["file"], "text_encoder.int4.onnx")
        self.assertFalse([f for f in os.listdir(self.out) if f.startswith("text_encoder.onnx")], "the fp32 graph is dropped")
        for f in self.entry["externalData"]:
            self.assertTrue(os.path.isfile(os.path.join(self.out, f)), f)
        self.assertEqual(self.m["embeddings"]["dtype"], "float32")   # tiny: unchanged
        self.assertIn("int4 text encoder: 14 MatMuls -> MatMulNBits", self.log)
        self.assertIn("full-size estimate: umT5-XXL blocks", self.log)
        onnx.checker.check_model(os.path.join(self.out, self.entry["file"]))

    def test_graph_has_matmulnbits_and_no_fp32_weights(self):
        g = self.graph.graph
        inits = {t.name: t for t in g.initializer}
        q4 = [n for n in g.node if n.op_type == "MatMulNBits"]
        self.assertEqual(len(q4), 2 * 7)   # q, k, v, o, fc1, gate.0, fc2 in each of the 2 blocks
        for n in q4:
            self.assertEqual(n.domain, "com.microsoft")
            at = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            self.assertEqual((at["bits"], at["block_size"]), (4, 32))
            b, s = inits[n.input[1]], inits[n.input[2]]
            blocks = -(-at["K"] // 32)
            self.assertEqual((b.data_type, list(b.dims)), (TensorProto.UINT8, [at["N"], blocks, 16]))
            self.assertEqual((s.data_type, list(s.dims)), (TensorProto.FLOAT, [at["N"], blocks]))
            self.assertEqual(len(n.input), 3)   # no zero_points: the default 8 (symmetric)
        for n in g.node:
            if n.op_type == "MatMul":
                self.assertNotIn(n.input[1], inits, "a MatMul with a weight initializer left")
        weights = [list(t.dims) for t in g.initializer if t.data_type == TensorProto.FLOAT and len(t.dims) == 2
                   and not t.name.endswith("__scales")]
        self.assertEqual(weights, [[32, 4], [32, 4]], "only the two [32, heads] position tables are 2-D float weights")
        self.assertIn("com.microsoft", [o.domain for o in self.graph.opset_import])

    def reference_on_dequantized(self):
        """PyTorch's umT5 from the fixture checkpoint with every projection's weight = dequantize(B, scales)."""
        import torch
        from wan.configs import TINY
        from wan.export_onnx import TextEncoderGraph
        from wan.umt5 import UMT5Encoder
        torch.set_num_threads(2)
        enc = UMT5Encoder(TINY.text, TINY.max_length).eval()
        enc.load(torch.load(os.path.join(FIXTURE, "Wan2.1-T2V-1.3B", "models_t5_umt5-xxl-enc-bf16.pth")))
        linears = [m for m in enc.modules() if isinstance(m, torch.nn.Linear)]
        inits = {t.name: numpy_helper.to_array(t) for t in self.graph.graph.initializer}
        done = 0
        for n in self.graph.graph.node:
            if n.op_type != "MatMulNBits":
                continue
            at = {a.name: helper.get_attribute_value(a) for a in n.attribute}
            deq = int4_text.dequantize(inits[n.input[1]], inits[n.input[2]], at["K"], at["block_size"])
            # the Linear whose fp32 weight this was: the nearest of the right shape
            cands = [m for m in linears if tuple(m.weight.shape) == (at["N"], at["K"])]
            lin = min(cands, key=lambda m: float(np.abs(m.weight.detach().numpy().T - deq).max()))
            self.assertLess(float(np.abs(lin.weight.detach().numpy().T - deq).max()), 0.5)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(deq.T)))
            linears.remove(lin)
            done += 1
        self.assertEqual((done, linears), (14, []))
        with torch.no_grad():
            return TextEncoderGraph(enc)(torch.from_numpy(golden_array(self.g, "inputs_embeds")),
                                         torch.tensor([self.g["attention_mask"]], dtype=torch.int64)).numpy()

    def test_context_both_runtimes(self):
        g = self.g
        embeds = golden_array(g, "inputs_embeds")
        mask = np.array([g["attention_mask"]], np.int64)
        ref_deq = self.reference_on_dequantized()
        fp32 = golden_array(g, "context")
        n = sum(g["attention_mask"])
        with tempfile.TemporaryDirectory() as tmp:
            for runtime in RUNTIMES:
                out = run_onnx(os.path.join(self.out, self.entry["file"]), self.entry["externalData"],
                               {"inputs_embeds": embeds, "attention_mask": mask}, tmp, runtime)["context"]
                e_deq, m_deq = max_err(out, ref_deq)
                e_fp, _ = max_err(out[0, :n], fp32[0, :n])
                m_fp = float(np.abs(out[0, :n] - fp32[0, :n]).mean())
                rel = float(np.sqrt(((out[0, :n] - fp32[0, :n]).astype(np.float64) ** 2).mean()
                                    / (fp32[0, :n].astype(np.float64) ** 2).mean()))
                print(f"\n  int4 context ({runtime}): max |ONNX - PyTorch on dequantized weights| {e_deq:.3g} "
                      f"(mean {m_deq:.3g}, tolerance {TOL_LAYOUT:g}); |ONNX - PyTorch fp32| max {e_fp:.3g} mean "
                      f"{m_fp:.3g} relative RMS {rel:.3g} over the {n} tokens (tolerances {TOL_INT4_MAX:g}, "
                      f"{TOL_INT4_REL:g}; values up to {float(np.abs(fp32).max()):.3g})", end="")
                self.assertLess(e_deq, TOL_LAYOUT, runtime)
                self.assertLess(e_fp, TOL_INT4_MAX, runtime)
                self.assertLess(rel, TOL_INT4_REL, runtime)
                self.assertTrue(np.all(out[0, n:] == 0), "zero where the mask is 0")


if __name__ == "__main__":
    unittest.main()
