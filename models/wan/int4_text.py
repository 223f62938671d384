#!/usr/bin/env python3
"""The 4-bit form of the `wan` kind's umT5 text-encoder graph (com.microsoft MatMulNBits), for one
onnxruntime-web session.

    /usr/bin/python3 models/wan/int4_text.py <folder> text_encoder.onnx text_encoder.int4.onnx [--block 32]
    /usr/bin/python3 models/wan/int4_text.py --estimate [--block 32]     (full-size umT5-XXL bytes, nothing built)

Owns the rewrite of one exported text-encoder graph of a converter source folder (models/convert/wan.py
--int4-text) into `<folder>/<dst>` + `<dst>.data.0, .1, …`, the packing of the weights (`quantize`), its
exact inverse (`dequantize`, the tests' reference) and the size estimate of the full-size graph.

Why: umT5-XXL's 24 blocks hold 4.6 B parameters (18.5 GB fp32, 9.3 GB fp16, 4.6 GB int8). onnxruntime-web
is wasm32: one session's weights pass through a heap of at most 4 GiB, even for WebGPU (they are read into
the WASM heap before the upload). At 4 bits the blocks are ~2.3 GB plus one float32 scale per block of
`block_size` inputs (+12.5 % at 32), which fits, with room for activations.

What it does, streaming one tensor at a time as animatediff/int8_variant.py does (the fp32 graph is never
in memory at once: read without weights, each initializer read from its external file, rewritten and
appended to the new data files):
  - every MatMul whose input 1 is a constant 2-D float32 initializer W [K, N] (torch exports Linear(x) as
    MatMul(x, weightᵀ); all umT5 projections q, k, v, o, fc1, gate.0, fc2 are such) becomes
    MatMulNBits(x, B, scales) with K, N, bits=4, block_size; no fp32 copy of W is left in the graph.
    The activation-by-activation MatMuls of attention (q·kᵀ, p·v) have no initializer and stay.
  - everything else (the RMS norms' weights, the relative-position tables [32, heads]) is copied as it is.

Weight layout (onnxruntime docs/ContribOperators.md, com.microsoft.MatMulNBits; checked numerically against
onnxruntime-node 1.30 and onnxruntime-web 1.30 WASM by models/tests/test_wan_int4.py):
  - the matrix is quantized along K in blocks of block_size (a power of 2, >= 16), per output column n:
    n_blocks = ceil(K / block_size), blob_size = block_size · bits / 8 (16 bytes at 4 bits, block 32).
  - B: uint8 [N, n_blocks, blob_size]; byte j of block b of column n holds k = b·block_size + 2j in its
    LOW nibble and k + 1 in its HIGH nibble ("low nibble first"). K not a multiple of block_size: the
    last block is padded with zeros (its codes are never multiplied by anything).
  - scales: float32 [N, n_blocks] (scale of block b of column n at n · n_blocks + b). onnxruntime also
    takes the same bytes as 1-D [N · n_blocks], but its matmul_nbits_helper.h calls that form deprecated
    ("we will remove the support of this format in the future"), so the 2-D form is written.
  - zero_points omitted: then the zero point is 2^(bits − 1) = 8, so w = (code − 8) · scale. This is the
    symmetric form: no zero-point bytes and the same kernel path in every onnxruntime build.
  - the scale of a block is its value of largest magnitude m divided by −8 (MLAS's symmetric choice):
    m itself becomes code 0 (−8 · scale = m, exact), and the other 15 codes cover [−8, 7] · scale, so
    the whole 16-level range is used instead of the 15 of max|w| / 7. A zero block gets scale 1.
Weights are random in everything this project has run (a TEST FIXTURE); the rounding error of int4 is
measured against PyTorch's fp32 encoder by the tests and stated in models/convert/README.md, not assumed.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from animatediff.external_data import MIB, tensor_bytes  # noqa: E402
from animatediff.int8_variant import DataWriter, add_initializer, keep_initializer, save_rewritten, weight_uses  # noqa: E402

BITS = 4
DEFAULT_BLOCK = 32
ZERO_POINT = 1 << (BITS - 1)   # onnxruntime's default when zero_points is absent
MS_DOMAIN = "com.microsoft"


def check_block(block_size: int) -> None:
    if block_size < 16 or block_size & (block_size - 1):
        raise ValueError(f"--int4-block: a power of 2 of at least 16 (MatMulNBits), got {block_size}")


def quantize(w: np.ndarray, block_size: int = DEFAULT_BLOCK) -> tuple[np.ndarray, np.ndarray]:
    """W float32 [K, N] (the MatMul's input 1) -> (B uint8 [N, n_blocks, block_size / 2], scales float32 [N, n_blocks])."""
    check_block(block_size)
    k, n = w.shape
    n_blocks = -(-k // block_size)
    cols = np.zeros((n, n_blocks * block_size), np.float32)
    cols[:, :k] = w.T                                     # column n of W is row n: quantized along K
    blocks = cols.reshape(n, n_blocks, block_size)
    idx = np.abs(blocks).argmax(axis=2)[..., None]
    m = np.take_along_axis(blocks, idx, axis=2)[..., 0]   # the signed value of largest magnitude
    scale = (m / np.float32(-ZERO_POINT)).astype(np.float32)
    scale[scale == 0] = 1.0
    codes = np.clip(np.rint(blocks / scale[..., None]), -ZERO_POINT, ZERO_POINT - 1).astype(np.int16) + ZERO_POINT
    codes = codes.astype(np.uint8)
    packed = codes[..., 0::2] | (codes[..., 1::2] << 4)   # low nibble: the even k, high nibble: k + 1
    return np.ascontiguousarray(packed), np.ascontiguousarray(scale)


def dequantize(packed: np.ndarray, scales: np.ndarray, k: int, block_size: int = DEFAULT_BLOCK) -> np.ndarray:
    """The exact float32 W [K, N] that MatMulNBits multiplies by: (code − 8) · scale, from the packed bytes."""
    n, n_blocks, blob = packed.shape
    codes = np.empty((n, n_blocks, blob * 2), np.uint8)
    codes[..., 0::2] = packed & 0x0F
    codes[..., 1::2] = packed >> 4
    w = (codes.astype(np.float32) - np.float32(ZERO_POINT)) * scales.reshape(n, n_blocks, 1).astype(np.float32)
    return np.ascontiguousarray(w.reshape(n, n_blocks * block_size)[:, :k].T)


def convert(folder: str, src: str, dst: str, max_bytes: int = 256 * MIB, block_size: int = DEFAULT_BLOCK) -> dict:
    """Writes folder/dst (+ data files); returns counts, bytes in / out and the files, graph first."""
    check_block(block_size)
    model = onnx.load(os.path.join(folder, src), load_external_data=False)
    g = model.graph
    uses = weight_uses(g)
    writer = DataWriter(folder, dst, max_bytes)
    new_inits: list[TensorProto] = []
    rewrite: dict[str, tuple[str, str, int, int]] = {}   # W name -> (B name, scales name, K, N)
    stats = {"matmul": 0, "kept": 0, "bytes_in": 0, "bytes_out": 0, "matmul_bytes_in": 0}
    try:
        for t in g.initializer:
            data = tensor_bytes(t, folder)
            stats["bytes_in"] += len(data)
            consumers = uses.get(t.name, [])
            # only a weight every consumer of which is a MatMul's input 1: one rewrite serves them all
            if (t.data_type == TensorProto.FLOAT and len(t.dims) == 2 and consumers
                    and all(nd.op_type == "MatMul" and k == 1 for nd, k in consumers)):
                w = np.frombuffer(data, dtype="<f4").reshape(list(t.dims))
                packed, scales = quantize(w, block_size)
                names = (f"{t.name}__q4", f"{t.name}__scales")
                for name, arr in zip(names, (packed, scales)):
                    add_initializer(name, arr, writer, new_inits, stats)
                rewrite[t.name] = (*names, int(t.dims[0]), int(t.dims[1]))
                stats["matmul"] += 1
                stats["matmul_bytes_in"] += len(data)
                continue
            keep_initializer(t, data, writer, new_inits, stats)
    finally:
        writer.close()

    nodes: list[onnx.NodeProto] = []
    for node in g.node:
        if node.op_type == "MatMul" and len(node.input) == 2 and node.input[1] in rewrite:
            b, s, k, n = rewrite[node.input[1]]
            nodes.append(helper.make_node("MatMulNBits", [node.input[0], b, s], list(node.output),
                                          name=f"{node.name or node.output[0]}__q4", domain=MS_DOMAIN,
                                          K=k, N=n, bits=BITS, block_size=block_size))
        else:
            nodes.append(node)
    if not any(o.domain == MS_DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(MS_DOMAIN, 1))
    save_rewritten(model, nodes, new_inits, os.path.join(folder, dst))
    stats["files"] = [dst, *writer.files]
    return stats


def estimate(text=None, block_size: int = DEFAULT_BLOCK) -> dict:
    """Bytes of the int4 text graph of a UMT5Config (default: umT5-XXL), computed from the shapes."""
    if text is None:
        from wan.configs import UMT5Config
        text = UMT5Config()
    c = text
    mats = [(c.dim, c.dim_attn)] * 3 + [(c.dim_attn, c.dim)] + [(c.dim, c.dim_ffn)] * 2 + [(c.dim_ffn, c.dim)]
    params = sum(k * n for k, n in mats) * c.num_layers
    packed = sum(n * -(-k // block_size) * block_size * BITS // 8 for k, n in mats) * c.num_layers
    scales = sum(n * -(-k // block_size) * 4 for k, n in mats) * c.num_layers
    other = (c.num_layers * (2 * c.dim + c.num_buckets * c.num_heads) + c.dim) * 4   # norms, position tables
    return {"params": params, "fp32": params * 4, "packed": packed, "scales": scales, "other": other,
            "int4": packed + scales + other}


def describe_estimate(block_size: int = DEFAULT_BLOCK) -> str:
    e = estimate(block_size=block_size)
    limit = 4 << 30
    return (f"umT5-XXL blocks: {e['params'] / 1e9:.3f} B weights ({e['fp32'] / 1e9:.2f} GB fp32) -> int4 "
            f"{e['packed'] / 1e9:.3f} GB codes + {e['scales'] / 1e9:.3f} GB scales (block {block_size}) + "
            f"{e['other'] / 1e6:.2f} MB norms / position tables = {e['int4'] / 1e9:.3f} GB "
            f"({e['int4'] / 2**30:.2f} GiB, {100 * e['int4'] / limit:.0f} % of the 4 GiB wasm32 heap)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("folder", nargs="?")
    p.add_argument("src", nargs="?")
    p.add_argument("dst", nargs="?")
    p.add_argument("--block", type=int, default=DEFAULT_BLOCK)
    p.add_argument("--max-file-mb", type=float, default=256.0)
    p.add_argument("--estimate", action="store_true", help="print the full-size umT5-XXL int4 graph's bytes")
    a = p.parse_args(argv)
    if a.estimate:
        print(describe_estimate(a.block), flush=True)
        return 0
    if not (a.folder and a.src and a.dst):
        p.error("folder, src and dst (or --estimate)")
    s = convert(a.folder, a.src, a.dst, int(a.max_file_mb * MIB), a.block)
    onnx.checker.check_model(os.path.join(a.folder, a.dst))
    print(f"int4: {a.src} -> {a.dst}: {s['matmul']} MatMuls -> MatMulNBits (block {a.block}), {s['kept']} tensors "
          f"kept; weights {s['bytes_in'] / 1e9:.4f} GB -> {s['bytes_out'] / 1e9:.4f} GB in {len(s['files']) - 1} "
          f"data files", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
