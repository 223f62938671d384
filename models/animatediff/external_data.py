"""ONNX external data for multi-GB graphs: move initializers out of the .onnx into numbered files.

Owns the layout the manifest lists: `<graph>.onnx` (the graph with no weights in it, a few MB)
plus `<graph>.onnx.data.0`, `.data.1`, … each at most `max_file_bytes` (256 MiB by default; ONNX
and the browser's ArrayBuffers both stop at 2 GiB, and smaller files install and verify in
smaller pieces). Each initializer's `location`/`offset`/`length` are rewritten; offsets are
64-byte aligned so a runtime may view the bytes in place. Tensors are never split across files.

A graph over protobuf's 2 GiB limit can only exist with its weights outside it; torch 1.13's
exporter writes such a graph with one external file per tensor beside it. `split_external`
takes either kind of graph (weights inside, or in any external files) and streams each tensor
from where it is into the numbered files, so no step holds the whole set of weights twice.
"""
from __future__ import annotations

import os

import onnx
from onnx import TensorProto

MIB = 1 << 20
ALIGN = 64
HARD_LIMIT = (2 << 30) - 1  # no file over 2 GiB
MIN_EXTERNAL_BYTES = 1024   # tiny tensors (shapes, scalars) stay inside the graph


def _external_info(t: TensorProto) -> dict[str, str]:
    return {e.key: e.value for e in t.external_data}


def tensor_bytes(t: TensorProto, base_dir: str) -> bytes:
    """The raw little-endian bytes of an initializer, wherever they live."""
    if t.data_location == TensorProto.EXTERNAL:
        info = _external_info(t)
        with open(os.path.join(base_dir, info["location"]), "rb") as f:
            f.seek(int(info.get("offset", "0")))
            length = info.get("length")
            return f.read(int(length)) if length is not None else f.read()
    if t.HasField("raw_data"):
        return t.raw_data
    return onnx.numpy_helper.to_array(t).tobytes()


def split_external(model: onnx.ModelProto, base_dir: str, out_dir: str, name: str,
                   max_file_bytes: int = 256 * MIB, min_bytes: int = MIN_EXTERNAL_BYTES) -> list[str]:
    """Writes `out_dir/name` plus its numbered data files; returns the data files' names, in order.

    `base_dir` is where the model's current external files (if any) are. The model is changed in
    place (its initializers point at the new files afterwards)."""
    if max_file_bytes < ALIGN or max_file_bytes > HARD_LIMIT:
        raise ValueError(f"--max-file-mb: a data file must be between {ALIGN} bytes and 2 GiB, got {max_file_bytes}")
    os.makedirs(out_dir, exist_ok=True)
    _external_constants_to_initializers(model)
    files: list[str] = []
    handle = None
    used = 0
    old_files = set()
    try:
        for t in model.graph.initializer:
            if t.data_location == TensorProto.EXTERNAL:
                old_files.add(os.path.normpath(os.path.join(base_dir, _external_info(t)["location"])))
            data = tensor_bytes(t, base_dir)
            if len(data) < min_bytes:
                _set_inline(t, data)
                continue
            if len(data) > max_file_bytes:
                raise ValueError(f"initializer {t.name}: {len(data)} bytes is more than one data file may hold "
                                 f"({max_file_bytes}); raise --max-file-mb")
            offset = (used + ALIGN - 1) // ALIGN * ALIGN
            if handle is None or offset + len(data) > max_file_bytes:
                if handle is not None:
                    handle.close()
                files.append(f"{name}.data.{len(files)}")
                handle = open(os.path.join(out_dir, files[-1]), "wb")
                offset = used = 0
            handle.write(b"\0" * (offset - used))
            handle.write(data)
            used = offset + len(data)
            _set_external(t, files[-1], offset, len(data))
    finally:
        if handle is not None:
            handle.close()
    onnx.save_model(model, os.path.join(out_dir, name))
    # torch's one-file-per-tensor leftovers, if they were written into out_dir, are not part of the pack.
    new = {os.path.normpath(os.path.join(out_dir, f)) for f in files}
    for f in old_files - new:
        if os.path.dirname(f) == os.path.normpath(out_dir) and os.path.exists(f):
            os.remove(f)
    return files


def _external_constants_to_initializers(model: onnx.ModelProto) -> None:
    """A Constant node whose tensor torch wrote as an external file (it does that for a large constant,
    e.g. the wan DiT's RoPE tables and LayerNorm ones, as for weights, when the graph passes 2 GiB) becomes
    an initializer of the same name, so that its bytes move into the numbered files with the weights
    instead of pointing at a scratch file that is deleted after the export."""
    g = model.graph
    keep = []
    for n in g.node:
        if (n.op_type == "Constant" and len(n.attribute) == 1 and n.attribute[0].name == "value"
                and n.attribute[0].t.data_location == TensorProto.EXTERNAL):
            t = TensorProto()
            t.CopyFrom(n.attribute[0].t)
            t.name = n.output[0]
            g.initializer.append(t)
        else:
            keep.append(n)
    if len(keep) != len(g.node):
        del g.node[:]
        g.node.extend(keep)


def _set_inline(t: TensorProto, data: bytes) -> None:
    del t.external_data[:]
    t.data_location = TensorProto.DEFAULT
    _clear_typed(t)
    t.raw_data = data


def _set_external(t: TensorProto, location: str, offset: int, length: int) -> None:
    _clear_typed(t)
    t.ClearField("raw_data")
    del t.external_data[:]
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", str(offset)), ("length", str(length))):
        e = t.external_data.add()
        e.key, e.value = k, v


def _clear_typed(t: TensorProto) -> None:
    for f in ("float_data", "int32_data", "string_data", "int64_data", "double_data", "uint64_data"):
        t.ClearField(f)


def external_files(model: onnx.ModelProto) -> list[str]:
    """The data files a graph reads, in first-use order."""
    seen: list[str] = []
    for t in model.graph.initializer:
        if t.data_location == TensorProto.EXTERNAL:
            loc = _external_info(t)["location"]
            if loc not in seen:
                seen.append(loc)
    return seen


def proto_fits(model: onnx.ModelProto) -> bool:
    """Whether the graph with its weights inside would serialise under protobuf's 2 GiB limit."""
    return model.ByteSize() < HARD_LIMIT
