"""Weight-only int8 quantization of an exported graph: every large MatMul/Gemm weight is stored as int8
with one fp32 scale per output channel, and a DequantizeLinear node restores it to fp32.

    /usr/bin/python3 models/quantize.py models/src/zoetrope-shapes/denoiser.onnx

The file shrinks about 4x (the pack's download and IndexedDB footprint). onnxruntime folds the
DequantizeLinear of a constant at session creation, so both the WebGPU and the WASM backends run the
same fp32 kernels as before: no int8 kernel support is needed, and accuracy is that of the rounded weights.
The fp32 original is kept as <name>.fp32.onnx next to it unless --replace is given.
"""
from __future__ import annotations

import argparse
import os
import shutil

import numpy as np
import onnx
from onnx import helper, numpy_helper

MIN_ELEMENTS = 4096  # small tensors (biases, norms) are not worth the extra node


def quantize(model: onnx.ModelProto) -> tuple[int, int]:
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    uses = {}
    for node in g.node:
        for k, name in enumerate(node.input):
            uses.setdefault(name, []).append((node, k))
    before = after = 0
    new_nodes = []
    for name, init in list(inits.items()):
        w = numpy_helper.to_array(init)
        consumers = uses.get(name, [])
        if w.dtype != np.float32 or w.ndim != 2 or w.size < MIN_ELEMENTS or not consumers:
            continue
        if not all(n.op_type in ("MatMul", "Gemm") and k == 1 for n, k in consumers):
            continue
        if any(n.op_type == "Gemm" and any(a.name == "transB" and a.i == 1 for a in n.attribute) for n, _ in consumers):
            axis, scale = 0, np.abs(w).max(axis=1)  # Gemm(transB): weight is [N, K], channels on axis 0
        else:
            axis, scale = 1, np.abs(w).max(axis=0)  # MatMul: weight is [K, N], channels on axis 1
        scale = np.maximum(scale, 1e-12) / 127.0
        q = np.clip(np.rint(w / (scale if axis == 1 else scale[:, None])), -127, 127).astype(np.int8)
        before += w.nbytes
        after += q.nbytes + scale.nbytes
        g.initializer.remove(init)
        g.initializer.extend([numpy_helper.from_array(q, name + "_q"),
                              numpy_helper.from_array(scale.astype(np.float32), name + "_scale"),
                              numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), name + "_zp")])
        new_nodes.append(helper.make_node("DequantizeLinear", [name + "_q", name + "_scale", name + "_zp"],
                                          [name], name=name + "_dq", axis=axis))
    # Dequantize nodes first keeps the graph topologically sorted.
    nodes = new_nodes + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    return before, after


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--replace", action="store_true", help="do not keep the fp32 original")
    args = ap.parse_args()
    model = onnx.load(args.path)
    before, after = quantize(model)
    onnx.checker.check_model(model)
    if not args.replace:
        shutil.copyfile(args.path, args.path.replace(".onnx", ".fp32.onnx"))
    onnx.save(model, args.path)
    print(f"{args.path}: weights {before / 1e6:.2f} MB -> {after / 1e6:.2f} MB; file {os.path.getsize(args.path) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
