"""Reading and writing `.safetensors` files without the safetensors package (not installable here).

The format: 8 bytes little-endian u64 header length N, N bytes of JSON
({name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}),
then the raw little-endian tensor bytes; offsets are relative to the end of the header.
Reading memory-maps the file (numpy memmap, copy-on-write), so a 4 GB checkpoint is paged in
tensor by tensor instead of read whole. Writing can stream: the header is computed from the
shapes first, then each tensor is produced and written in turn, so a 1.3 B-parameter random
checkpoint never exists in memory at once.
"""

import json
import os
import struct
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import numpy as np
import torch

# safetensors dtype name -> (numpy storage dtype, torch dtype). BF16 has no numpy dtype: it is
# read as int16 (torch.from_numpy takes no uint16) and reinterpreted by torch.
DTYPES = {
    "F64": (np.dtype("<f8"), torch.float64),
    "F32": (np.dtype("<f4"), torch.float32),
    "F16": (np.dtype("<f2"), torch.float16),
    "BF16": (np.dtype("<i2"), torch.bfloat16),
    "I64": (np.dtype("<i8"), torch.int64),
    "I32": (np.dtype("<i4"), torch.int32),
    "I16": (np.dtype("<i2"), torch.int16),
    "I8": (np.dtype("i1"), torch.int8),
    "U8": (np.dtype("u1"), torch.uint8),
    "BOOL": (np.dtype("?"), torch.bool),
}
TORCH_TO_NAME = {t: name for name, (_, t) in DTYPES.items()}

# A header bigger than this is not a safetensors file (the reference implementation caps it too).
MAX_HEADER = 100 * 1024 * 1024


class SafetensorsError(ValueError):
    pass


def read_header(path: str) -> Tuple[Dict[str, dict], Dict[str, str], int]:
    """(tensor entries, __metadata__, byte offset where the data starts). Checks every entry."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise SafetensorsError(f"{path}: shorter than the 8-byte header length")
        (n,) = struct.unpack("<Q", head)
        if n > MAX_HEADER or 8 + n > size:
            raise SafetensorsError(f"{path}: header length {n} does not fit a {size}-byte file")
        header = json.loads(f.read(n).decode("utf-8"))
    meta = header.pop("__metadata__", None) or {}
    start = 8 + n
    for name, e in header.items():
        if e.get("dtype") not in DTYPES:
            raise SafetensorsError(f"{path}: tensor {name}: unsupported dtype {e.get('dtype')!r}")
        begin, end = e["data_offsets"]
        want = int(np.prod(e["shape"], dtype=np.int64)) * DTYPES[e["dtype"]][0].itemsize
        if end - begin != want or start + end > size or begin < 0:
            raise SafetensorsError(f"{path}: tensor {name}: data_offsets {begin}..{end} do not hold "
                                   f"{e['dtype']} {e['shape']} inside the file")
    return header, meta, start


def load_numpy(path: str) -> Dict[str, np.ndarray]:
    """name -> memory-mapped numpy array (BF16 as int16 bits). Nothing is read until it is used."""
    header, _, start = read_header(path)
    out = {}
    for name, e in header.items():
        np_dtype = DTYPES[e["dtype"]][0]
        begin, end = e["data_offsets"]
        shape = tuple(e["shape"])
        if end == begin:
            out[name] = np.zeros(shape, dtype=np_dtype)
            continue
        out[name] = np.memmap(path, dtype=np_dtype, mode="c", offset=start + begin, shape=shape)
    return out


def to_torch(name_dtype: str, arr: np.ndarray) -> torch.Tensor:
    """A torch view of a numpy array of safetensors dtype `name_dtype` (no copy)."""
    t = torch.from_numpy(arr)
    if name_dtype == "BF16":
        t = t.view(torch.int16).view(torch.bfloat16) if t.dtype != torch.bfloat16 else t
    return t


def load(path: str) -> Dict[str, torch.Tensor]:
    """name -> torch tensor backed by the memory map (copy-on-write: writing to it never touches
    the file)."""
    header, _, _ = read_header(path)
    arrays = load_numpy(path)
    return {name: to_torch(header[name]["dtype"], arr) for name, arr in arrays.items()}


def metadata(path: str) -> Dict[str, str]:
    return read_header(path)[1]


def shapes(path: str) -> Dict[str, Tuple[str, Tuple[int, ...]]]:
    """name -> (dtype name, shape), reading only the header."""
    header, _, _ = read_header(path)
    return {k: (e["dtype"], tuple(e["shape"])) for k, e in header.items()}


def _dtype_name(t) -> str:
    if isinstance(t, torch.Tensor):
        return TORCH_TO_NAME[t.dtype]
    for name, (np_dtype, _) in DTYPES.items():
        if name != "BF16" and np.dtype(t.dtype) == np_dtype:
            return name
    raise SafetensorsError(f"unsupported numpy dtype {t.dtype}")


def _bytes(t) -> bytes:
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu().contiguous()
        if t.dtype == torch.bfloat16:
            return t.view(torch.int16).numpy().tobytes()
        return t.numpy().astype(t.numpy().dtype.newbyteorder("<"), copy=False).tobytes()
    return np.ascontiguousarray(t).astype(np.dtype(t.dtype).newbyteorder("<"), copy=False).tobytes()


def write_streaming(path: str, specs: Iterable[Tuple[str, str, Tuple[int, ...]]],
                    produce: Callable[[str], object], meta: Optional[Dict[str, str]] = None) -> None:
    """Write `specs` (name, dtype name, shape) in that order; `produce(name)` returns each tensor
    (torch or numpy, of that dtype and shape) only when its turn comes."""
    specs = list(specs)
    header: Dict[str, object] = {}
    if meta:
        header["__metadata__"] = {str(k): str(v) for k, v in meta.items()}
    offset = 0
    for name, dtype, shape in specs:
        n = int(np.prod(shape, dtype=np.int64)) * DTYPES[dtype][0].itemsize
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)  # the data starts 8-byte aligned, as the reference writer does
    tmp = path + ".partial"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for name, dtype, shape in specs:
            t = produce(name)
            if _dtype_name(t) != dtype or tuple(t.shape) != tuple(shape):
                raise SafetensorsError(f"{name}: produced {_dtype_name(t)} {tuple(t.shape)}, "
                                       f"header says {dtype} {tuple(shape)}")
            f.write(_bytes(t))
            del t
    os.replace(tmp, path)


def save(tensors: Dict[str, object], path: str, meta: Optional[Dict[str, str]] = None) -> None:
    """Write a whole dict (torch tensors or numpy arrays), names sorted as the reference writer
    lists them."""
    names: List[str] = sorted(tensors)
    specs = [(n, _dtype_name(tensors[n]), tuple(tensors[n].shape)) for n in names]
    write_streaming(path, specs, lambda n: tensors[n], meta)
