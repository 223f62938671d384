#!/usr/bin/env python3
"""The int8 form of an exported multi-GB graph, for onnxruntime-web's WASM backend (4 GB heap).

    /usr/bin/python3 models/animatediff/int8_variant.py <folder> unet.onnx unet.int8.onnx [--max-file-mb 256]

Owns the conversion of one graph of a converter source folder (models/convert/animatediff.py) into
`<folder>/<out>` + `<out>.data.0, .1, …` (<= 256 MiB each), streaming one tensor at a time: the
graph is read without its weights, and each initializer is read from its external data file, rewritten
and appended to the new data files, so a 5.2 GB fp32 UNet never sits in memory at once (the fp32 UNet
+ motion modules do not fit WASM's 4 GB heap at all; int8 is 1.3 GB).

- MatMul with a constant 2-D weight (every Linear of the UNet, the motion modules and CLIP): dynamic
  int8, as models/quantize_dynamic.py does for the DiT pack: DynamicQuantizeLinear on the activation
  (uint8, per tensor, at run time) -> MatMulInteger with the int8 weight (per output channel scales)
  -> Cast -> Mul by activation scale x weight scales. onnxruntime fuses it into one int8 kernel, and
  no fp32 copy of the weight ever exists.
- Conv with a constant 4-D weight: dynamic int8 too. DynamicQuantizeLinear on the input -> ConvInteger
  with the weight as uint8 (per output channel scales, zero point 128) -> Cast -> Mul by activation
  scale x weight scales -> Add the bias. The first form of this file stored the weight as int8 +
  DequantizeLinear instead: each DequantizeLinear makes its 4-D weight in fp32 at run time (2.19 GiB
  for the 98 of the full-size UNet), and a DequantizeLinear whose inputs are all initializers can run
  as early as onnxruntime likes. Measured on the full-size UNet alone in onnxruntime-web's WASM heap
  (1.5 GB after the session): that form failed with std::bad_alloc at 4096 MiB, this one ran. With
  ConvInteger no fp32 copy of a conv weight exists at all.
- Everything else (biases, norms, Gemm of the small time-embedding MLPs) is copied as it is.

Weights are random in everything this project has run (a TEST FIXTURE); the rounding error of int8
is reported against the fp32 graph by the caller, not assumed.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from animatediff.external_data import ALIGN, MIB, _set_external, _set_inline, tensor_bytes  # noqa: E402

MIN_ELEMENTS = 4096  # smaller weights stay fp32: not worth the extra nodes


class DataWriter:
    """Appends tensors to numbered external data files of at most max_bytes, 64-byte aligned."""

    def __init__(self, folder: str, name: str, max_bytes: int):
        self.folder, self.name, self.max_bytes = folder, name, max_bytes
        self.files: list[str] = []
        self.handle = None
        self.used = 0

    def put(self, t: TensorProto, data: bytes) -> None:
        if len(data) < 1024:
            _set_inline(t, data)
            return
        offset = (self.used + ALIGN - 1) // ALIGN * ALIGN
        if self.handle is None or offset + len(data) > self.max_bytes:
            if self.handle is not None:
                self.handle.close()
            self.files.append(f"{self.name}.data.{len(self.files)}")
            self.handle = open(os.path.join(self.folder, self.files[-1]), "wb")
            offset = self.used = 0
        self.handle.write(b"\0" * (offset - self.used))
        self.handle.write(data)
        self.used = offset + len(data)
        _set_external(t, self.files[-1], offset, len(data))

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def per_channel(w: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 with one scale per slice along `axis` (zero point 0)."""
    other = tuple(i for i in range(w.ndim) if i != axis)
    scale = np.maximum(np.abs(w).max(axis=other), 1e-12).astype(np.float32) / np.float32(127.0)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.rint(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def tensor(name: str, array: np.ndarray) -> TensorProto:
    return numpy_helper.from_array(np.ascontiguousarray(array), name)


# The steps a weight rewrite of a graph shares (this file's int8 form, models/wan/int4_text.py's int4 one).

def weight_uses(graph: onnx.GraphProto) -> dict[str, list[tuple[onnx.NodeProto, int]]]:
    """For each name, every (node, input index) that reads it: a weight may be rewritten only if all its readers allow."""
    uses: dict[str, list[tuple[onnx.NodeProto, int]]] = {}
    for node in graph.node:
        for k, name in enumerate(node.input):
            uses.setdefault(name, []).append((node, k))
    return uses


def keep_initializer(t: TensorProto, data: bytes, writer: DataWriter, inits: list[TensorProto], stats: dict) -> None:
    """An initializer left as it is, moved into the new graph's data files (or inline when small)."""
    kept = TensorProto()
    kept.CopyFrom(t)
    writer.put(kept, data)
    inits.append(kept)
    stats["kept"] += 1
    stats["bytes_out"] += len(data)


def add_initializer(name: str, array: np.ndarray, writer: DataWriter, inits: list[TensorProto], stats: dict) -> None:
    """A new initializer (a rewritten weight's codes, scales or zero points), written like the kept ones."""
    qt = tensor(name, array)
    writer.put(qt, qt.raw_data)
    inits.append(qt)
    stats["bytes_out"] += array.nbytes


def save_rewritten(model: onnx.ModelProto, nodes: list[onnx.NodeProto], inits: list[TensorProto], path: str) -> None:
    """Replaces the graph's nodes and initializers and saves it (its data files are already written)."""
    g = model.graph
    del g.node[:]
    g.node.extend(nodes)
    del g.initializer[:]
    g.initializer.extend(inits)
    onnx.save_model(model, path)


def convert(folder: str, src: str, dst: str, max_bytes: int) -> dict:
    model = onnx.load(os.path.join(folder, src), load_external_data=False)
    g = model.graph
    uses = weight_uses(g)
    writer = DataWriter(folder, dst, max_bytes)
    new_inits: list[TensorProto] = []
    rewrite: dict[str, tuple[str, str, str]] = {}  # weight name -> (q, scale, zp) names
    kinds: dict[str, str] = {}
    stats = {"matmul": 0, "conv": 0, "kept": 0, "bytes_in": 0, "bytes_out": 0}
    try:
        for t in g.initializer:
            data = tensor_bytes(t, folder)
            stats["bytes_in"] += len(data)
            consumers = uses.get(t.name, [])
            op = {n.op_type for n, _ in consumers}
            slot_ok = all(k == 1 for _, k in consumers)
            kind = None
            if t.data_type == TensorProto.FLOAT and consumers and slot_ok and len(op) == 1:
                dims = list(t.dims)
                if op == {"MatMul"} and len(dims) == 2 and np.prod(dims) >= MIN_ELEMENTS:
                    kind = "matmul"
                elif op == {"Conv"} and len(dims) == 4 and np.prod(dims) >= MIN_ELEMENTS:
                    kind = "conv"
            if kind is None:
                keep_initializer(t, data, writer, new_inits, stats)
                continue
            w = np.frombuffer(data, dtype=np.float32).reshape(list(t.dims))
            q, scale = per_channel(w, axis=1 if kind == "matmul" else 0)
            names = (f"{t.name}__q", f"{t.name}__scale", f"{t.name}__zp")
            if kind == "matmul":
                arrays = (q, scale, np.zeros_like(scale, dtype=np.int8))
            else:
                # onnxruntime's CPU ConvInteger takes uint8 weights with one zero point; the scales,
                # shaped [O, 1, 1], broadcast over the [N, O, H, W] output.
                arrays = ((q.astype(np.int16) + 128).astype(np.uint8), scale.reshape(-1, 1, 1), np.array(128, dtype=np.uint8))
            for name, arr in zip(names, arrays):
                add_initializer(name, arr, writer, new_inits, stats)
            rewrite[t.name] = names
            kinds[t.name] = kind
            stats[kind] += 1
    finally:
        writer.close()

    nodes: list[onnx.NodeProto] = []
    bias_shape: list[TensorProto] = []
    quantized: dict[str, tuple[str, str, str]] = {}  # activation -> its DynamicQuantizeLinear outputs
    for node in g.node:
        w = node.input[1] if len(node.input) > 1 else None
        if w not in rewrite:
            nodes.append(node)
            continue
        q, scale, zp = rewrite[w]
        a = node.input[0]
        if a not in quantized:
            quantized[a] = (f"{a}__aq", f"{a}__ascale", f"{a}__azp")
            nodes.append(helper.make_node("DynamicQuantizeLinear", [a], list(quantized[a]), name=f"{a}__dql"))
        aq, ascale, azp = quantized[a]
        out = node.output[0]
        bias = node.input[2] if kinds[w] == "conv" and len(node.input) > 2 and node.input[2] else None
        scaled = f"{out}__scaled" if bias else out
        if kinds[w] == "conv":
            nodes.append(helper.make_node("ConvInteger", [aq, q, azp, zp], [f"{out}__i32"], name=f"{out}__convi"))
            nodes[-1].attribute.extend(node.attribute)  # pads, strides, dilations, group, kernel_shape
        else:
            nodes.append(helper.make_node("MatMulInteger", [aq, q, azp, zp], [f"{out}__i32"], name=f"{out}__mmi"))
        nodes.append(helper.make_node("Cast", [f"{out}__i32"], [f"{out}__f32"], to=TensorProto.FLOAT, name=f"{out}__cast"))
        nodes.append(helper.make_node("Mul", [ascale, scale], [f"{out}__s"], name=f"{out}__smul"))
        nodes.append(helper.make_node("Mul", [f"{out}__f32", f"{out}__s"], [scaled], name=f"{out}__mul"))
        if bias:
            # The bias [O] as [O, 1, 1]: a Reshape of initializers, folded when the session is made.
            if not bias_shape:
                bias_shape.append(tensor("int8_variant__bias_shape", np.array([-1, 1, 1], dtype=np.int64)))
                new_inits.append(bias_shape[0])
            nodes.append(helper.make_node("Reshape", [bias, bias_shape[0].name], [f"{out}__bias"], name=f"{out}__bias_reshape"))
            nodes.append(helper.make_node("Add", [scaled, f"{out}__bias"], [out], name=f"{out}__add"))
    save_rewritten(model, nodes, new_inits, os.path.join(folder, dst))
    stats["files"] = [dst, *writer.files]
    return stats


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    p.add_argument("folder")
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--max-file-mb", type=float, default=256.0)
    a = p.parse_args(argv)
    s = convert(a.folder, a.src, a.dst, int(a.max_file_mb * MIB))
    onnx.checker.check_model(os.path.join(a.folder, a.dst))  # by path: resolves every external reference
    print(f"int8: {a.src} -> {a.dst}: {s['matmul']} MatMuls dynamic int8, {s['conv']} Convs dynamic int8 "
          f"(ConvInteger), {s['kept']} tensors kept; weights {s['bytes_in'] / 1e9:.3f} GB -> "
          f"{s['bytes_out'] / 1e9:.3f} GB in {len(s['files']) - 1} data files", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
