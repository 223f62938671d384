"""umT5's token table outside the text-encoder graph: the contract's `embeddings` files.

Owns the layout: the rows of token_embedding.weight [rows, dim] in order, split into files
`token_embedding.N.bin` of whole rows (at most max_file_bytes each), little-endian, as
  float32 / float16: the values; int8: round(row / scale) in [-127, 127] with scale = max|row| / 127
  (1 for an all-zero row) in `token_embedding.scales.bin`, float32 [rows], so row r = int8 row · scales[r].
Why outside: umT5-XXL's table is 256384 × 4096 (4.2 GB in float32, 1.05 B values, a fifth of the
encoder) and a prompt needs at most 512 of its rows; the engine reads those rows, the graph never holds
the table. `read_table` is the engine's reading, for the tests.
"""
from __future__ import annotations

import os
from typing import List

import numpy as np

DTYPES = {"float32": "<f4", "float16": "<f2", "int8": "i1"}


def write_table(weight: np.ndarray, out_dir: str, dtype: str = "float32", max_file_bytes: int = 256 << 20,
                stem: str = "token_embedding") -> dict:
    if dtype not in DTYPES:
        raise ValueError(f"--embeddings-dtype: one of {sorted(DTYPES)}, got {dtype!r}")
    w = np.asarray(weight, dtype=np.float32)
    rows, dim = w.shape
    entry = {"dtype": dtype, "rows": int(rows), "dim": int(dim)}
    if dtype == "int8":
        scales = np.abs(w).max(axis=1) / 127.0
        scales[scales == 0] = 1.0
        data = np.clip(np.rint(w / scales[:, None]), -127, 127).astype(np.int8)
        name = f"{stem}.scales.bin"
        scales.astype("<f4").tofile(os.path.join(out_dir, name))
        entry["scales"] = name
    else:
        data = w.astype(DTYPES[dtype])
    row_bytes = dim * data.itemsize
    per_file = max_file_bytes // row_bytes
    if per_file < 1:
        raise ValueError(f"one row is {row_bytes} bytes, more than a table file may hold ({max_file_bytes})")
    files: List[str] = []
    for k, start in enumerate(range(0, rows, per_file)):
        name = f"{stem}.{k}.bin"
        data[start: start + per_file].tofile(os.path.join(out_dir, name))
        files.append(name)
    entry["files"] = files
    return {"files": entry["files"], "dtype": dtype, **({"scales": entry["scales"]} if "scales" in entry else {}),
            "rows": entry["rows"], "dim": entry["dim"]}


def read_table(folder: str, entry: dict) -> np.ndarray:
    """float32 [rows, dim], as the engine computes a row from the files."""
    raw = np.concatenate([np.fromfile(os.path.join(folder, f), DTYPES[entry["dtype"]]) for f in entry["files"]])
    table = raw.astype(np.float32).reshape(entry["rows"], entry["dim"])
    if entry["dtype"] == "int8":
        table = table * np.fromfile(os.path.join(folder, entry["scales"]), "<f4")[:, None]
    return table
