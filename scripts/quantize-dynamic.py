"""Rewrites a weight-only int8 denoiser (models/quantize.py's DequantizeLinear -> MatMul) into dynamic
int8 quantization: each MatMul's activation is quantized per tensor at run time (DynamicQuantizeLinear,
uint8) and multiplied with the stored int8 weights in integer arithmetic (MatMulInteger), then scaled
back to fp32. onnxruntime fuses the four nodes into one DynamicQuantizeMatMul kernel on the CPU (WASM
included), which runs int8 dot products instead of fp32 ones. The weights, their scales and the file
size stay exactly as shipped; only activations gain rounding error (the bench reports how much).

    /usr/bin/python3 scripts/quantize-dynamic.py models/zoetrope-shapes/shards/<denoiser sha> /tmp/denoiser.dyn.onnx

`npm run bench` measures the result next to the shipped graph (scripts/bench-native.mjs). Gemm nodes
(the tiny timestep and text MLPs, two rows each) are left as they are.
"""
from __future__ import annotations

import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


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
    return rewritten


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    model = onnx.load(src)
    n = dynamic_quantize(model)
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    print(f"rewrote {n} MatMuls to DynamicQuantizeLinear + MatMulInteger: {dst}")


if __name__ == "__main__":
    main()
