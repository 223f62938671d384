"""Rewrites every LayerNormalization over the last axis as InstanceNormalization on rows, in place: for the
WASM graphs only (models/quantize_dynamic.py wasm_rewrites).

    /usr/bin/python3 models/instance_norm.py <graph.onnx>      # rewrites the file

Why: onnxruntime-web's WASM LayerNormalization kernel is the slowest op per element in the denoiser,
7-8x onnxruntime-node's time for the same op (`npm run bench:ops`), and with two threads it gets slower
still (0.6 -> 1.3-1.7 ms for one [2, 256, 160] norm). Its InstanceNormalization kernel computes the
same mean and variance per row about twice as fast and does not lose with two threads. So

    LayerNormalization(x, gamma, beta, axis=-1)  ->  Reshape(x, [-1, 1, C])
        -> InstanceNormalization(scale=[1], bias=[0]) -> Reshape(back to Shape(x)) -> gamma, beta (below)

puts each row of C values in an instance of its own with one channel, whose "spatial" extent is the
row: exactly a LayerNorm's statistics. gamma and beta cannot go into InstanceNormalization (its scale and
bias are per channel, and here there is one), so they move: where the norm feeds adaLN's modulation,
LN(x) * u + h with u and h one row per sample (every LayerNorm of the denoiser), into that row,
n * (gamma * u) + (beta * u + h), which costs three ops on [B, 1, C] and none on the big tensor;
elsewhere into a Mul and an Add of their own. The result differs from
LayerNormalization's only by float rounding (summation order; about 1e-5 on unit-scale rows), which the
golden vectors check within the WASM variant's tolerance (tests/unit/golden-step.test.ts). Not for the
WebGPU graph, which keeps LayerNormalization: it is not the slow op there.
"""
from __future__ import annotations

import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def layer_norms_as_instance_norms(model: onnx.ModelProto) -> int:
    g = model.graph
    inits = {i.name for i in g.initializer}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    graph_outputs = {o.name for o in g.output}
    one, zero = "__in_one", "__in_zero"
    # adaLN's Mul / Add node name -> (which, gamma or beta, its big input, u, h): see _folded
    folds: dict[str, tuple[str, str | None, str, str, str | None]] = {}
    out, rewritten = [], 0
    for node in g.node:
        if node.name in folds:
            out += _folded(node, folds[node.name])
            continue
        if node.op_type != "LayerNormalization" or node.domain not in ("", "ai.onnx") or len(node.output) != 1:
            out.append(node)
            continue
        axis = next((a.i for a in node.attribute if a.name == "axis"), -1)
        x, gamma = node.input[0], node.input[1]
        beta = node.input[2] if len(node.input) > 2 and node.input[2] else None
        if gamma not in inits or not (axis == -1 or _rank(model, x) == axis + 1):
            out.append(node)  # a computed gamma, or an axis that may not be the last: left as it is
            continue
        channels = int(np.prod(next(i for i in g.initializer if i.name == gamma).dims))
        eps = next((a.f for a in node.attribute if a.name == "epsilon"), 1e-5)
        base = node.name or node.output[0]
        shape_c = f"__in_rows_{channels}"
        if shape_c not in inits:
            g.initializer.append(numpy_helper.from_array(np.array([-1, 1, channels], np.int64), shape_c))
            inits.add(shape_c)
        normed = f"{base}__normed_rows"
        out += [
            helper.make_node("Shape", [x], [f"{base}__shape"], name=f"{base}__shape"),
            helper.make_node("Reshape", [x, shape_c], [f"{base}__rows"], name=f"{base}__rows"),
            helper.make_node("InstanceNormalization", [f"{base}__rows", one, zero], [normed], epsilon=eps,
                             name=f"{base}__instnorm"),
        ]
        back = f"{base}__back"
        out.append(helper.make_node("Reshape", [normed, f"{base}__shape"], [back], name=back))
        rewritten += 1
        # adaLN: LN(x) * u + h (u = 1 + scale, h = shift, one row per sample). Then gamma and beta fold into
        # the small operands, n * (gamma * u) + (beta * u + h), and the big tensor sees no extra Mul or Add.
        mod = _modulation(node.output[0], consumers, graph_outputs)
        if mod is not None:
            mul, add, u, h = mod
            folds[mul.name] = ("mul", gamma, back, u, None)
            if beta is not None:  # without one, Add(ln * u, h) is already right
                folds[add.name] = ("add", beta, mul.output[0], u, h)
            continue
        scaled = node.output[0] if beta is None else f"{base}__scaled"
        out.append(helper.make_node("Mul", [back, gamma], [scaled], name=f"{base}__gamma"))
        if beta is not None:
            out.append(helper.make_node("Add", [scaled, beta], [node.output[0]], name=f"{base}__beta"))
    if rewritten:
        g.initializer.append(numpy_helper.from_array(np.ones(1, np.float32), one))
        g.initializer.append(numpy_helper.from_array(np.zeros(1, np.float32), zero))
        del g.node[:]
        g.node.extend(out)
    return rewritten


def _modulation(ln_out: str, consumers, graph_outputs):
    """(Mul, Add, u, h) where LN's output is used only as Mul(ln, u) -> Add(., h), each used once; else None."""
    if ln_out in graph_outputs or len(consumers.get(ln_out, [])) != 1:
        return None
    mul = consumers[ln_out][0]
    if mul.op_type != "Mul" or mul.domain not in ("", "ai.onnx") or not mul.name or list(mul.input).count(ln_out) != 1:
        return None
    u = next(i for i in mul.input if i != ln_out)
    if mul.output[0] in graph_outputs or len(consumers.get(mul.output[0], [])) != 1:
        return None
    add = consumers[mul.output[0]][0]
    if add.op_type != "Add" or add.domain not in ("", "ai.onnx") or not add.name or list(add.input).count(mul.output[0]) != 1:
        return None
    h = next(i for i in add.input if i != mul.output[0])
    return mul, add, u, h


def _folded(node: onnx.NodeProto, fold) -> list:
    """The adaLN Mul or Add of a rewritten LayerNorm, with gamma and beta folded into its small operand.
    Each is emitted where the original node stood, so everything it reads already exists."""
    kind, param, big, u, h = fold
    base = node.name
    if kind == "mul":  # Mul(ln, u) -> Mul(normed, gamma * u)
        return [helper.make_node("Mul", [param, u], [f"{base}__gamma_u"], name=f"{base}__gamma_u"),
                helper.make_node("Mul", [big, f"{base}__gamma_u"], list(node.output), name=base)]
    # Add(ln * u, h) -> Add(normed * (gamma * u), beta * u + h)
    return [helper.make_node("Mul", [param, u], [f"{base}__beta_u"], name=f"{base}__beta_u"),
            helper.make_node("Add", [f"{base}__beta_u", h], [f"{base}__shift"], name=f"{base}__shift"),
            helper.make_node("Add", [big, f"{base}__shift"], list(node.output), name=base)]


def _rank(model: onnx.ModelProto, name: str) -> int | None:
    """The rank of `name` where the graph states it (inputs, value_info); None when unknown."""
    for v in list(model.graph.input) + list(model.graph.value_info):
        if v.name == name and v.type.tensor_type.HasField("shape"):
            return len(v.type.tensor_type.shape.dim)
    return None


def main() -> None:
    path = sys.argv[1]
    model = onnx.load(path)
    n = layer_norms_as_instance_norms(model)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    print(f"{n} LayerNormalizations rewritten as InstanceNormalization on rows: {path}")


if __name__ == "__main__":
    main()
