"""The `wan` kind's exported graphs against PyTorch, and the converter's TEST FIXTURE source folder
(tests/fixtures/wan-tiny-model, random weights) against CONTRACT.md.

  /usr/bin/python3 -m unittest discover -s models/tests -p 'test_wan_graphs.py' -v
  ZOETROPE_WAN_RUNTIME=wasm …   runs the graphs in onnxruntime-web's WASM build instead of onnxruntime-node

Python has no onnxruntime here, so the graphs run in Node (models/tools/run-onnx.mjs; skipped where
there is no `node` or node_modules). Tolerances are golden.json's (max |ONNX − PyTorch|); each test
prints its measured error, which models/convert/README.md ("Wan", "Measured") records.
The decoder is run the engine's way: one latent frame a call, its MemBlock memories fed back, and
compared with PyTorch's whole-clip parallel decode (golden video).
"""
import hashlib
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
from onnx import TensorProto, numpy_helper  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "wan-tiny")
MODEL = os.path.join(ROOT, "tests", "fixtures", "wan-tiny-model")
PACK = os.path.join(ROOT, "tests", "fixtures", "wan-tiny-pack")
RUNNER = os.path.join(ROOT, "models", "tools", "run-onnx.mjs")
RUNTIME = os.environ.get("ZOETROPE_WAN_RUNTIME", "node")
HAVE_NODE = shutil.which("node") is not None and os.path.isdir(os.path.join(ROOT, "node_modules", "onnxruntime-node"))


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def golden_array(g, key):
    return np.fromfile(os.path.join(MODEL, "golden", g["files"][key]), "<f4").reshape(g["shapes"][key])


def run_graph(entry, runs, tmp):
    """Runs the graph `entry` (a manifest graph ref) in Node; returns [{output name: array}] per run."""
    file = entry if isinstance(entry, str) else entry["file"]
    external = [] if isinstance(entry, str) else entry["externalData"]
    spec_runs = []
    for r, inputs in enumerate(runs):
        spec_in = {}
        for name, value in inputs.items():
            if isinstance(value, tuple):          # ("from", run index, output name)
                spec_in[name] = {"from": [value[1], value[2]]}
                continue
            path = os.path.join(tmp, f"in.{r}.{name}.bin")
            dtype = "int64" if value.dtype == np.int64 else "float32"
            np.ascontiguousarray(value, "<i8" if dtype == "int64" else "<f4").tofile(path)
            spec_in[name] = {"file": path, "dtype": dtype, "shape": list(value.shape)}
        spec_runs.append({"inputs": spec_in})
    out_dir = os.path.join(tmp, "out")
    spec = {"graph": os.path.join(MODEL, file), "externalData": external, "outDir": out_dir, "runs": spec_runs}
    with open(os.path.join(tmp, "spec.json"), "w") as f:
        json.dump(spec, f)
    subprocess.run(["node", RUNNER, os.path.join(tmp, "spec.json"), "--runtime", RUNTIME, "--threads", "2"],
                   check=True, cwd=ROOT)
    result = load_json(os.path.join(out_dir, "result.json"))
    return [{name: np.fromfile(o["file"], "<f4" if o["type"] == "float32" else "<i8").reshape(o["dims"])
             for name, o in run["files"].items()} for run in result["runs"]]


def report(what, a, b, tol):
    err = float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).max())
    mean = float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).mean())
    print(f"\n  {what}: max |ONNX - PyTorch| {err:.3g}, mean {mean:.3g} (tolerance {tol:g}, values up to "
          f"{float(np.abs(b).max()):.3g}, {RUNTIME})", end="")
    return err


class FixtureFolder(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = load_json(os.path.join(MODEL, "model.json"))
        cls.g = load_json(os.path.join(MODEL, "golden", "golden.json"))

    def test_manifest_fields(self):
        m = self.m
        self.assertEqual(m["pipeline"], "wan")
        self.assertTrue(m["fixture"])
        self.assertIn("TEST FIXTURE", m["name"])
        self.assertEqual(m["video"], {"frames": 9, "height": 64, "width": 64, "fps": 16})
        self.assertEqual(m["sample"], {"shape": [16, 3, 8, 8]})
        self.assertEqual(m["scheduler"], {"kind": "rcm", "sigmaMax": 80.0, "midT": [1.5, 1.4, 1.0], "steps": [1, 2, 3, 4],
                                          "defaultSteps": 4, "defaultGuidance": 0})
        self.assertEqual(m["tokenizer"], {"file": "tokenizer.json", "maxLength": 32, "padId": 0, "unkId": 2, "eosId": 1})
        self.assertEqual(m["graphs"]["textEncoder"]["file"], "text_encoder.onnx")
        self.assertEqual(m["graphs"]["denoiser"]["file"], "dit.onnx")
        self.assertEqual(m["graphs"]["decoder"]["file"], "taew_decoder.onnx")
        self.assertEqual(m["decoder"]["framesPerLatent"], 4)
        self.assertEqual(m["decoder"]["trimFrames"], 3)
        self.assertEqual([s["shape"] for s in m["decoder"]["state"]],
                         [[1, 16, 8, 8]] * 3 + [[1, 8, 16, 16]] * 3 + [[1, 8, 32, 32]] * 3)
        text = ""
        for name in ("apache-2.0.txt", "taehv-mit.txt"):
            with open(os.path.join(ROOT, "models", "convert", "licenses", name), encoding="utf-8") as f:
                text += ("\n\n" if text else "") + f.read()
        self.assertEqual(m["licenseText"], text)
        self.assertIn("Apache License", m["licenseText"])
        self.assertEqual(m["license"], "Apache-2.0 AND MIT")

    def test_every_named_file_exists_and_nothing_else(self):
        m = self.m
        named = {m["tokenizer"]["file"], *m["embeddings"]["files"]}
        for g in list(m["graphs"].values()) + list(m["variants"]["webgpu"].values()):
            named |= {g} if isinstance(g, str) else {g["file"], *g["externalData"]}
        self.assertEqual(set(os.listdir(MODEL)) - {"model.json", "golden"}, named)
        self.assertEqual(sorted(m["variants"]["webgpu"]), ["decoder", "denoiser"])
        for v in m["variants"]["webgpu"].values():
            self.assertEqual(v["requires"], ["shader-f16"])

    def test_sources_are_the_fixture_files(self):
        def sha(path):
            with open(path, "rb") as f:
                return hashlib.sha256(f.read()).hexdigest()
        want = {("text", "models_t5_umt5-xxl-enc-bf16.pth"): "Wan2.1-T2V-1.3B/models_t5_umt5-xxl-enc-bf16.pth",
                ("text", "google/umt5-xxl/tokenizer.json"): "Wan2.1-T2V-1.3B/google/umt5-xxl/tokenizer.json",
                ("denoiser", "rCM_Wan2.1_T2V_1.3B_480p.pt"): "rCM_Wan2.1_T2V_1.3B_480p.pt",
                ("decoder", "taew2_1.pth"): "taew2_1.pth"}
        got = {(s["role"], s["file"]): s["sha256"] for s in self.m["sources"]}
        self.assertEqual(set(got), set(want))
        for key, rel in want.items():
            self.assertEqual(got[key], sha(os.path.join(FIXTURE, rel)), rel)
        with open(os.path.join(MODEL, "tokenizer.json"), "rb") as a, \
                open(os.path.join(FIXTURE, want[("text", "google/umt5-xxl/tokenizer.json")]), "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_embedding_files_are_the_checkpoints_table(self):
        import torch
        from wan.embeddings import read_table
        e = self.m["embeddings"]
        self.assertEqual((e["dtype"], e["rows"], e["dim"]), ("float32", 384, 32))
        self.assertEqual(len(e["files"]), 3)   # --embeddings-max-file-mb 0.02: 163 rows a file
        for f in e["files"]:
            self.assertEqual(os.path.getsize(os.path.join(MODEL, f)) % (32 * 4), 0, f)
        sd = torch.load(os.path.join(FIXTURE, "Wan2.1-T2V-1.3B", "models_t5_umt5-xxl-enc-bf16.pth"))
        np.testing.assert_array_equal(read_table(MODEL, e), sd["token_embedding.weight"].float().numpy())
        rows = read_table(MODEL, e)[np.array(self.g["input_ids"])]
        np.testing.assert_array_equal(rows[None], golden_array(self.g, "inputs_embeds"))

    def test_graph_io_is_the_contracts(self):
        def io(entry):
            g = onnx.load(os.path.join(MODEL, entry["file"]), load_external_data=False).graph
            dims = lambda v: [d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
            return ({i.name: (i.type.tensor_type.elem_type, dims(i)) for i in g.input},
                    {o.name: (o.type.tensor_type.elem_type, dims(o)) for o in g.output})
        F, I = TensorProto.FLOAT, TensorProto.INT64
        state = self.m["decoder"]["state"]
        for graphs in (self.m["graphs"], dict(self.m["graphs"], **self.m["variants"]["webgpu"])):
            self.assertEqual(io(graphs["textEncoder"]), ({"inputs_embeds": (F, [1, 32, 32]), "attention_mask": (I, [1, 32])},
                                                         {"context": (F, [1, 32, 32])}))
            self.assertEqual(io(graphs["denoiser"]), ({"sample": (F, [1, 16, 3, 8, 8]), "timestep": (F, [1]),
                                                       "context": (F, [1, 32, 32])}, {"velocity": (F, [1, 16, 3, 8, 8])}))
            self.assertEqual(io(graphs["decoder"]), ({"latent": (F, [1, 16, 8, 8]), **{s["input"]: (F, s["shape"]) for s in state}},
                                                     {"image": (F, [4, 3, 64, 64]), **{s["output"]: (F, s["shape"]) for s in state}}))

    def test_graphs_are_export_friendly(self):
        """Opset 17; no Conv3d, GroupNorm / InstanceNorm, float64 or dynamic dims; umT5's position bias is
        a Gather from each block's [32, heads] table (not a baked [L, L, heads] constant)."""
        for role, entry in self.m["graphs"].items():
            m = onnx.load(os.path.join(MODEL, entry["file"]))
            self.assertEqual([o.version for o in m.opset_import if o.domain in ("", "ai.onnx")], [17], role)
            ops = {n.op_type for n in m.graph.node}
            self.assertFalse(ops & {"InstanceNormalization", "GroupNormalization", "Loop", "If", "Scan"}, role)
            for n in m.graph.node:
                if n.op_type == "Conv":
                    w = next(t for t in m.graph.initializer if t.name == n.input[1])
                    self.assertEqual(len(w.dims), 4, f"{role}: a Conv that is not 2-D")
                for a in n.attribute:
                    if a.name == "to":
                        self.assertNotEqual(a.i, TensorProto.DOUBLE, f"{role}: a Cast to float64")
            for t in m.graph.initializer:
                self.assertNotEqual(t.data_type, TensorProto.DOUBLE, f"{role}: float64 {t.name}")
            for v in list(m.graph.input) + list(m.graph.output):
                self.assertTrue(all(d.dim_value > 0 for d in v.type.tensor_type.shape.dim), f"{role} {v.name}")
        te = onnx.load(os.path.join(MODEL, "text_encoder.onnx"))
        tables = [t for t in te.graph.initializer if list(t.dims) == [32, 4]]
        self.assertEqual(len(tables), 2)   # one relative-position table a block
        gathers = [n for n in te.graph.node if n.op_type == "Gather" and n.input[0] in {t.name for t in tables}]
        self.assertEqual(len(gathers), 2)
        self.assertFalse([t for t in te.graph.initializer if list(t.dims)[-2:] == [32, 4] and len(t.dims) == 3])
        dit = onnx.load(os.path.join(MODEL, "dit.onnx"))
        self.assertTrue([t for t in dit.graph.initializer if list(t.dims) == [64, 64]], "the patch MatMul weight")

    def test_the_wan_layout_dit_converts_to_the_same_graph(self):
        """The fixture folder was converted from the rCM .pt; Wan's safetensors (same values) gives the same DiT."""
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([sys.executable, os.path.join(ROOT, "models", "convert", "wan.py"),
                            "--wan-dir", os.path.join(FIXTURE, "Wan2.1-T2V-1.3B"), "--taew", os.path.join(FIXTURE, "taew2_1.pth"),
                            "--latent-frames", "3", "--height", "64", "--width", "64", "--fixture", "--id", "x", "--name", "x",
                            "--version", "0.0.0", "--external-data", "--max-file-mb", "0.25", "--no-fp16", "--no-golden",
                            "--out", out], check=True, capture_output=True)
            m = load_json(os.path.join(out, "model.json"))
            self.assertEqual([s["file"] for s in m["sources"] if s["role"] == "denoiser"], ["diffusion_pytorch_model.safetensors"])
            a = onnx.load(os.path.join(MODEL, "dit.onnx"))
            b = onnx.load(os.path.join(out, "dit.onnx"))
            wa = {t.name: numpy_helper.to_array(t).tobytes() for t in a.graph.initializer}
            wb = {t.name: numpy_helper.to_array(t).tobytes() for t in b.graph.initializer}
            self.assertEqual(wa, wb)

    def test_golden_is_pytorch_on_the_fixture(self):
        """golden/ is reproduced by the PyTorch modules from the fixture checkpoint."""
        import torch
        from wan import layout
        from wan.configs import TINY
        from wan.dit import WanDiT
        from wan.golden import write_golden
        from wan.taew import Taew
        from wan.umt5 import UMT5Encoder
        from wan.unigram import load_tokenizer_json
        torch.set_num_threads(2)
        enc = UMT5Encoder(TINY.text, TINY.max_length).eval()
        enc.load(torch.load(os.path.join(FIXTURE, "Wan2.1-T2V-1.3B", "models_t5_umt5-xxl-enc-bf16.pth")))
        dit = WanDiT(TINY.dit, (3, 8, 8)).eval()
        dit.load(layout.rcm_to_wan(torch.load(os.path.join(FIXTURE, "rCM_Wan2.1_T2V_1.3B_480p.pt")), TINY.dit))
        taew = Taew(TINY.taew).eval()
        taew.load(torch.load(os.path.join(FIXTURE, "taew2_1.pth")))
        _, tok = load_tokenizer_json(os.path.join(MODEL, "tokenizer.json"))
        with tempfile.TemporaryDirectory() as d:
            again = write_golden(d, tok, enc, dit, taew, self.m["scheduler"], (3, 8, 8), 32)
            # bit-exact only with the converter's thread settings (BLAS summation order): 1e-5 relative
            for key in ("prompt", "input_ids", "attention_mask", "seed", "steps", "scheduler", "timesteps",
                        "shapes", "files", "tolerance", "tolerance_fp16"):
                self.assertEqual(again[key], self.g[key], key)
            # rCM's times come from numpy's tan/arctan, whose SIMD kernels differ by an ulp between CPUs
            # (0.608979049230431 here against 0.6089790492304311 where the golden was written).
            np.testing.assert_allclose(again["s"], self.g["s"], rtol=1e-14, atol=0, err_msg="s")
            for key, name in self.g["files"].items():
                a = np.fromfile(os.path.join(d, name), "<f4")
                b = np.fromfile(os.path.join(MODEL, "golden", name), "<f4")
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * float(np.abs(b).max()), err_msg=key)
        self.assertEqual(self.g["timesteps"], [988.0, 932.0, 852.0, 608.0])
        noise = golden_array(self.g, "noise")
        self.assertTrue(0.8 < noise.std() < 1.2)
        video = golden_array(self.g, "video")
        self.assertEqual(video.shape, (9, 3, 64, 64))
        self.assertGreater(video.std(), 0.05)


@unittest.skipUnless(HAVE_NODE, "needs node and node_modules/onnxruntime-node (npm ci)")
class GraphsVsPyTorch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = load_json(os.path.join(MODEL, "model.json"))
        cls.g = load_json(os.path.join(MODEL, "golden", "golden.json"))

    def graphs(self, fp16):
        return dict(self.m["graphs"], **(self.m["variants"]["webgpu"] if fp16 else {}))

    def test_text_encoder(self):
        g = self.g
        with tempfile.TemporaryDirectory() as tmp:
            out = run_graph(self.m["graphs"]["textEncoder"], [{
                "inputs_embeds": golden_array(g, "inputs_embeds"),
                "attention_mask": np.array([g["attention_mask"]], np.int64)}], tmp)[0]["context"]
        want = golden_array(g, "context")
        err = report("text encoder context", out, want, g["tolerance"]["context"])
        self.assertLess(err, g["tolerance"]["context"])
        n = sum(g["attention_mask"])
        self.assertTrue(np.all(out[0, n:] == 0), "zero where the mask is 0")

    def check_denoiser(self, fp16):
        g = self.g
        tol = (g["tolerance_fp16"] if fp16 else g["tolerance"])
        s0 = g["s"][0]
        noise = golden_array(g, "noise")
        n = 16 * 3 * 8 * 8
        x = (noise[:n].astype(np.float64) * s0).astype(np.float32).reshape(1, 16, 3, 8, 8)
        with tempfile.TemporaryDirectory() as tmp:
            v = run_graph(self.graphs(fp16)["denoiser"], [{"sample": x, "timestep": np.array([g["timesteps"][0]], np.float32),
                                                            "context": golden_array(g, "context")}], tmp)[0]["velocity"]
        want = golden_array(g, "velocity0")
        err = report(f"DiT velocity0{' fp16' if fp16 else ''}", v, want, tol["velocity0"])
        self.assertLess(err, tol["velocity0"])
        # and the step the engine takes with it
        x0 = x.astype(np.float64) - s0 * v.astype(np.float64)
        step = ((1 - g["s"][1]) * x0 + g["s"][1] * noise[n: 2 * n].reshape(x.shape)).astype(np.float32)[0]
        err = report(f"x after step 0{' fp16' if fp16 else ''}", step, golden_array(g, "step_output0"), tol["step_output0"])
        self.assertLess(err, tol["step_output0"])

    def test_denoiser(self):
        self.check_denoiser(False)

    def test_denoiser_fp16(self):
        self.check_denoiser(True)

    def check_decoder(self, fp16):
        """One latent frame a call with the memories fed back = PyTorch's parallel decode of the clip."""
        g = self.g
        tol = (g["tolerance_fp16"] if fp16 else g["tolerance"])["video"]
        latent = golden_array(g, "final_latent")
        state = self.m["decoder"]["state"]
        runs = []
        for f in range(latent.shape[1]):
            inputs = {"latent": np.ascontiguousarray(latent[:, f][None])}
            for s in state:
                inputs[s["input"]] = np.zeros(s["shape"], np.float32) if f == 0 else ("from", f - 1, s["output"])
            runs.append(inputs)
        with tempfile.TemporaryDirectory() as tmp:
            outs = run_graph(self.graphs(fp16)["decoder"], runs, tmp)
        video = np.concatenate([o["image"] for o in outs])[self.m["decoder"]["trimFrames"]:]
        err = report(f"TAEW video, streamed{' fp16' if fp16 else ''}", video, golden_array(g, "video"), tol)
        self.assertLess(err, tol)

    def test_decoder_streamed(self):
        self.check_decoder(False)

    def test_decoder_streamed_fp16(self):
        self.check_decoder(True)


if __name__ == "__main__":
    unittest.main()
