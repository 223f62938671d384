"""The fp16 WebGPU variant of an fp32 graph, and an fp32 graph that emulates its rounding.

Owns `to_fp16(model)`: float initializers and float activations become fp16; the graph's inputs and
outputs stay float32 (a Cast after each input, one before each output), as the contract's I/O says.
Ops on the block list stay fp32 with Casts around them, because fp16's 10-bit mantissa and 65504
range break their reductions: InstanceNormalization (torch's GroupNorm is Reshape ->
InstanceNormalization -> Reshape -> Mul -> Add), LayerNormalization, Softmax, ReduceMean, Pow,
Exp, Sqrt, Erf. Inputs that ONNX defines as float32 whatever the data type (Resize's roi and
scales) are left float32; Shape / Size / Cast accept any type and take their input as it is.

And `emulate_fp16(model)`: the same split of the graph, but every tensor the fp16 graph would hold in
fp16 is computed in fp32 and rounded through a Cast to fp16 and back (weights too). onnxruntime's CPU
EP has no fp16 kernels for Conv, MatMul, Mul, … so the real fp16 graph cannot run there; this graph
measures the storage rounding an fp16 backend adds (not its fp16 accumulation, which WebGPU's
shaders do in f16 only where the kernel chooses to).
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BLOCK = {"InstanceNormalization", "LayerNormalization", "Softmax", "ReduceMean", "Pow", "Exp", "Sqrt", "Erf"}
ANY_TYPE = {"Shape", "Size", "Cast"}
FP32_INPUTS = {"Resize": {1, 2}}
F32, F16 = TensorProto.FLOAT, TensorProto.FLOAT16


def _half(arr: np.ndarray) -> np.ndarray:
    """fp16 with float32's extremes (CLIP's causal mask is float32's min) clamped to fp16's, not inf."""
    return np.clip(arr, -65504.0, 65504.0).astype(np.float16)


def _constants_to_initializers(g: onnx.GraphProto) -> None:
    keep = []
    for n in g.node:
        if n.op_type == "Constant" and len(n.attribute) == 1 and n.attribute[0].name == "value":
            t = onnx.TensorProto()
            t.CopyFrom(n.attribute[0].t)
            t.name = n.output[0]
            g.initializer.append(t)
        else:
            keep.append(n)
    del g.node[:]
    g.node.extend(keep)


def _float_values(model: onnx.ModelProto) -> set[str]:
    """Names of every float32 tensor in the graph (by shape inference on the fp32 graph)."""
    # Shape inference serialises the model, which fails past 2 GiB: infer on a copy whose
    # initializers are only declared (name, dtype, dims) as graph inputs, without their bytes.
    src = model.graph
    declared = [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in src.initializer]
    light = helper.make_model(helper.make_graph(list(src.node), src.name, list(src.input) + declared, list(src.output)),
                              opset_imports=list(model.opset_import))
    light.ir_version = model.ir_version
    g = onnx.shape_inference.infer_shapes(light).graph
    out = {v.name for v in list(g.value_info) + list(g.input) + list(g.output) if v.type.tensor_type.elem_type == F32}
    return out


def _is_fp32(node: onnx.NodeProto, keep: tuple[str, ...] = ()) -> bool:
    """On the block list, or named inside one of the `keep` scopes (a part of the node's name, as torch's
    exporter names nodes by module path: the wan DiT keeps its timestep sinusoid in fp32 this way)."""
    return node.op_type in BLOCK or any(part in node.name for part in keep)


def _needs(node: onnx.NodeProto, k: int, keep: tuple[str, ...] = ()) -> int | None:
    """The dtype node's k-th input must have: F16/F32, or None (takes any)."""
    if node.op_type in ANY_TYPE:
        return None
    if k in FP32_INPUTS.get(node.op_type, ()):
        return F32
    return F32 if _is_fp32(node, keep) else F16


def _plan(model: onnx.ModelProto, keep: tuple[str, ...] = ()):
    g = model.graph
    _constants_to_initializers(g)
    floats = _float_values(model)
    inits = {t.name: t for t in g.initializer}
    wants: dict[str, set[int]] = {}
    for n in g.node:
        for k, name in enumerate(n.input):
            if name in floats:
                need = _needs(n, k, keep)
                if need is not None:
                    wants.setdefault(name, set()).add(need)
    # dtype each float tensor is produced in
    produced: dict[str, int] = {i.name: F32 for i in g.input}
    for name, t in inits.items():
        if t.data_type == F32:
            produced[name] = F16 if wants.get(name) == {F16} else F32
    for n in g.node:
        half = not _is_fp32(n, keep)
        for o in n.output:
            if o in floats:
                produced[o] = F16 if half else F32
    return floats, inits, produced


def to_fp16(model: onnx.ModelProto, inplace: bool = False, keep: tuple[str, ...] = ()) -> onnx.ModelProto:
    """inplace: convert `model` itself (a 5 GB UNet is not copied first). keep: name parts of nodes that
    stay fp32 besides the block list (_is_fp32)."""
    m = model if inplace else onnx.ModelProto()
    if not inplace:
        m.CopyFrom(model)
    g = m.graph
    floats, inits, produced = _plan(m, keep)
    for name, t in inits.items():
        if t.data_type == F32 and produced[name] == F16:
            t.CopyFrom(numpy_helper.from_array(_half(numpy_helper.to_array(t)), name))
    casts: dict[tuple[str, int], str] = {}
    new_nodes: list[onnx.NodeProto] = []

    def cast(name: str, to: int) -> str:
        key = (name, to)
        if key not in casts:
            casts[key] = f"{name}__{'fp16' if to == F16 else 'fp32'}"
            new_nodes.append(helper.make_node("Cast", [name], [casts[key]], to=to, name=f"{casts[key]}_cast"))
        return casts[key]

    output_names = {o.name for o in g.output}
    renamed_outputs = {}
    for n in g.node:
        for k, name in enumerate(n.input):
            if name in floats:
                need = _needs(n, k, keep)
                if need is not None and produced.get(name, F32) != need:
                    n.input[k] = cast(name, need)
        if n.op_type == "Cast" and n.attribute[0].i == F32 and n.output[0] in floats and not _is_fp32(n, keep):
            n.attribute[0].i = F16
        for a in n.attribute:  # a float value attribute (ConstantOfShape) follows its node's dtype
            if a.name == "value" and a.t.data_type == F32 and not _is_fp32(n, keep):
                a.t.CopyFrom(numpy_helper.from_array(_half(numpy_helper.to_array(a.t))))
        new_nodes.append(n)
        for j, o in enumerate(n.output):
            if o in output_names and produced.get(o) == F16:
                inner = f"{o}__fp16"
                n.output[j] = inner
                renamed_outputs[o] = inner
    for o, inner in renamed_outputs.items():
        new_nodes.append(helper.make_node("Cast", [inner], [o], to=F32, name=f"{o}_to_fp32"))
    del g.node[:]
    g.node.extend(_toposort(new_nodes, {i.name for i in g.input} | set(inits)))
    del g.value_info[:]
    return m


def emulate_fp16(model: onnx.ModelProto, keep: tuple[str, ...] = ()) -> onnx.ModelProto:
    """fp32 graph whose fp16-held tensors (weights and activations) are rounded through fp16."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    floats, inits, produced = _plan(m, keep)
    for name, t in inits.items():
        if t.data_type == F32 and produced[name] == F16:
            t.CopyFrom(numpy_helper.from_array(_half(numpy_helper.to_array(t)).astype(np.float32), name))
    rounded: dict[str, str] = {}
    nodes: list[onnx.NodeProto] = []

    def round16(name: str) -> str:
        if name not in rounded:
            rounded[name] = f"{name}__r16"
            nodes.append(helper.make_node("Cast", [name], [f"{name}__h"], to=F16))
            nodes.append(helper.make_node("Cast", [f"{name}__h"], [rounded[name]], to=F32))
        return rounded[name]

    for n in g.node:
        for k, name in enumerate(n.input):
            # an fp16 op reading a graph input sees it after the input's Cast to fp16
            if name in floats and name in {i.name for i in g.input} and _needs(n, k, keep) == F16:
                n.input[k] = round16(name)
        nodes.append(n)
        if not _is_fp32(n, keep):
            for j, o in enumerate(n.output):
                if o in floats:
                    raw = f"{o}__raw"
                    n.output[j] = raw
                    nodes.append(helper.make_node("Cast", [raw], [f"{o}__h"], to=F16))
                    nodes.append(helper.make_node("Cast", [f"{o}__h"], [o], to=F32))
    del g.node[:]
    g.node.extend(_toposort(nodes, {i.name for i in g.input} | set(inits)))
    del g.value_info[:]
    return m


def _toposort(nodes: list[onnx.NodeProto], ready: set[str]) -> list[onnx.NodeProto]:
    have = set(ready) | {""}
    pending, out = list(nodes), []
    while pending:
        rest = []
        for n in pending:
            if all(i in have for i in n.input):
                out.append(n)
                have.update(n.output)
            else:
                rest.append(n)
        if len(rest) == len(pending):
            raise ValueError(f"graph has a cycle or a missing input at {rest[0].op_type} {rest[0].name}")
        pending = rest
    return out
