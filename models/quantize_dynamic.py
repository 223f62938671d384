"""The WASM variant of a weight-only int8 denoiser: dynamic int8, sharing the default graph's weights.

    /usr/bin/python3 models/quantize_dynamic.py <src>/denoiser.onnx <src>/denoiser.wasm.onnx [--self-contained]

Dynamic int8: before each MatMul whose weight is models/quantize.py's DequantizeLinear of int8, the
activation is quantized per tensor at run time (DynamicQuantizeLinear, uint8), multiplied with the
stored int8 weights in integer arithmetic (MatMulInteger), and scaled back to fp32. onnxruntime fuses
these into one DynamicQuantizeMatMul (or MatMulIntegerToFloat) kernel, which in WASM runs int8 dot
products instead of fp32 ones: measured 1.6-1.9x faster per denoiser call than the weight-only graph
(README, Performance). Only activations gain rounding error; the weights are the shipped ones. Gemm
nodes (the tiny timestep, text and modulation MLPs, two rows each) are left as they are. The variant's
LayerNorms become InstanceNormalization on rows (models/instance_norm.py), which WASM runs about twice
as fast.

Why a variant, not the default: these ops have no WebGPU kernels, so under WebGPU they would run on the
CPU. And why not in onnxruntime-node: its x64 u8s8 kernel saturates 16-bit sums (vpmaddubsw), so its
velocity strays far more from the model's (1.6 here) than WASM's (0.2); the evaluation of this variant
therefore samples through onnxruntime-web's WASM build (models/tools/sample-onnx.mjs --runtime wasm).

Weight sharing: by default every large tensor of the variant is stored as ONNX external data whose
`location` is the default graph's own file name and whose offset points at the same tensor's bytes
inside that file. The variant file is then about 0.3 MB instead of 6 MB, and the pack carries the
weights once. onnxruntime resolves the location next to the model file (onnxruntime-node, by path), or
from `externalData: [{ path: 'denoiser.onnx', data }]` (onnxruntime-web; the engine passes the bytes).
"""
from __future__ import annotations

import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from instance_norm import layer_norms_as_instance_norms

SHARE_MIN_BYTES = 1024  # smaller tensors stay inside the variant: not worth an external reference


def dynamic_quantize(model: onnx.ModelProto) -> int:
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in g.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    quantized: dict[str, tuple[str, str, str]] = {}  # activation name -> (q, scale, zero point)
    out, rewritten = [], 0
    dq_nodes = {n.output[0]: n for n in g.node if n.op_type == "DequantizeLinear"}
    drop = set()
    for node in g.node:
        dq = dq_nodes.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        axis = next((a.i for a in dq.attribute if a.name == "axis"), 1) if dq else None
        if dq is None or axis != 1 or len(consumers[dq.output[0]]) != 1 or not all(i in inits for i in dq.input):
            out.append(node)
            continue
        a = node.input[0]
        if a not in quantized:
            quantized[a] = (f"{a}__q", f"{a}__scale", f"{a}__zp")
            out.append(helper.make_node("DynamicQuantizeLinear", [a], list(quantized[a]), name=f"{a}__dql"))
        q, scale, zp = quantized[a]
        w_q, w_scale, w_zp = dq.input
        base = node.output[0]
        out.append(helper.make_node("MatMulInteger", [q, w_q, zp, w_zp], [f"{base}__i32"], name=f"{base}__mmi"))
        out.append(helper.make_node("Cast", [f"{base}__i32"], [f"{base}__f32"], to=onnx.TensorProto.FLOAT, name=f"{base}__cast"))
        out.append(helper.make_node("Mul", [scale, w_scale], [f"{base}__s"], name=f"{base}__scale"))
        out.append(helper.make_node("Mul", [f"{base}__f32", f"{base}__s"], [base], name=f"{base}__mul"))
        drop.add(dq.output[0])
        rewritten += 1
    del g.node[:]
    g.node.extend(n for n in out if not (n.op_type == "DequantizeLinear" and n.output[0] in drop))
    # MatMulInteger wants the weight's zero point with the weight's type, one per column: already so.
    for name in {dq_nodes[o].input[2] for o in drop}:
        assert numpy_helper.to_array(inits[name]).dtype == np.int8
    # Initializers only the dropped DequantizeLinear nodes used (none today: MatMulInteger takes them all).
    used = {i for n in g.node for i in n.input}
    keep = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep)
    return rewritten


def wasm_rewrites(model: onnx.ModelProto) -> dict:
    """What makes a graph the WASM backend's, in place: dynamic int8 MatMuls, then the LayerNorms as
    InstanceNormalization (instance_norm.py). The WASM variant and the batch-1 conditional graph
    (export.py) both go through here, so the two cannot drift apart."""
    return {"matmuls": dynamic_quantize(model), "layer_norms": layer_norms_as_instance_norms(model)}


def share_weights(variant: onnx.ModelProto, base_bytes: bytes, location: str) -> int:
    """Points every large initializer of `variant` at the identical bytes inside the file `base_bytes`
    (the default graph, saved as `location`), as ONNX external data. Returns how many were moved."""
    moved = 0
    for t in variant.graph.initializer:
        if not t.HasField("raw_data") or len(t.raw_data) < SHARE_MIN_BYTES:
            continue
        at = base_bytes.find(t.raw_data)
        if at < 0:
            continue  # not in the default graph (none today): it stays inside the variant
        size = len(t.raw_data)
        t.ClearField("raw_data")
        t.data_location = TensorProto.EXTERNAL
        del t.external_data[:]
        for key, value in (("location", location), ("offset", str(at)), ("length", str(size))):
            entry = t.external_data.add()
            entry.key, entry.value = key, value
        moved += 1
    return moved


def write_wasm_variant(base_path: str, out_path: str, self_contained: bool = False) -> dict:
    """Writes the dynamic-int8 variant of the graph at `base_path` to `out_path`; with weight sharing
    (the default), both files must stay in the same folder. Returns what was done, for the log."""
    with open(base_path, "rb") as f:
        base_bytes = f.read()
    model = onnx.load_from_string(base_bytes)
    rewritten = wasm_rewrites(model)
    onnx.checker.check_model(model)
    shared = 0 if self_contained else share_weights(model, base_bytes, os.path.basename(base_path))
    onnx.save(model, out_path)
    if shared:
        # The checker resolves external data relative to the file: this proves every reference lands.
        onnx.checker.check_model(out_path)
        back = onnx.load(out_path)  # reads the external data back out of base_path
        base_inits = {i.name: numpy_helper.to_array(i) for i in onnx.load_from_string(base_bytes).graph.initializer}
        for t in back.graph.initializer:
            if t.name in base_inits:
                assert np.array_equal(numpy_helper.to_array(t), base_inits[t.name]), t.name
    return {**rewritten, "shared": shared, "bytes": os.path.getsize(out_path)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src", help="a weight-only int8 graph (models/quantize.py)")
    ap.add_argument("dst")
    ap.add_argument("--self-contained", action="store_true", help="copy the weights instead of sharing src's")
    args = ap.parse_args()
    done = write_wasm_variant(args.src, args.dst, args.self_contained)
    print(f"rewrote {done['matmuls']} MatMuls to DynamicQuantizeLinear + MatMulInteger and {done['layer_norms']} "
          f"LayerNorms to InstanceNormalization; {done['shared']} tensors "
          f"shared with {os.path.basename(args.src)}: {args.dst} ({done['bytes'] / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
