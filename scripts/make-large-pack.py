#!/usr/bin/python3
# Owns the large-pack TEST FIXTURE maker (`npm run test:large` calls it; never
# committed output): a model source folder (model.json + tokenizer.json +
# denoiser.onnx + its ONNX external data) whose random weights total about
# 2.7 GB, for proving that multi-GB packs install, verify and load in the tab.
#
# The graph is a real ONNX graph, a chain of MatMul + Add + Tanh layers on the
# flattened sample, shaped like a `dit-rectified-flow` denoiser without a text
# encoder (inputs sample, timestep, input_ids; output velocity), so the app's
# ordinary path runs it. Every weight matrix is 4096 x 4096 fp32 (64 MiB), far
# under the 1 GiB WebGPU buffer limits; the weights live in external data
# files of at most --file-mib MiB (default 256), as the AnimateDiff converter
# splits them. Random weights: it generates noise, and says so in its name.
#
#   /usr/bin/python3 scripts/make-large-pack.py /tmp/zoetrope-large/model [--layers 40] [--file-mib 256]
#   /usr/bin/python3 scripts/make-large-pack.py --oom <folder>   (the out-of-memory TEST FIXTURE, see make_oom)

import argparse
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# A 3 x 1 x 8 x 8 video: the smallest shape, so a run costs the weights and little else.
SHAPE = [3, 1, 8, 8]
MAX_LENGTH = 16


def external(name, array, location, offset):
    """A TensorProto whose bytes live in `location` at `offset` (written by the caller)."""
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.FLOAT
    t.dims.extend(array.shape)
    t.data_location = TensorProto.EXTERNAL
    for key, value in (('location', location), ('offset', str(offset)), ('length', str(array.nbytes))):
        entry = t.external_data.add()
        entry.key = key
        entry.value = value
    return t


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('out')
    parser.add_argument('--layers', type=int, default=40)
    parser.add_argument('--width', type=int, default=4096)
    parser.add_argument('--file-mib', type=int, default=256)
    parser.add_argument('--seed', type=int, default=7)
    args = parser.parse_args()
    width, flat = args.width, int(np.prod(SHAPE))
    limit = args.file_mib * 1024 * 1024
    if width * width * 4 > limit:
        sys.exit(f'make-large-pack: one {width}x{width} weight ({width * width * 4} bytes) exceeds --file-mib')
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)

    initializers, nodes, data_files = [], [], []
    state = {'file': None, 'handle': None, 'offset': 0}

    def store(name, array):
        array = np.ascontiguousarray(array, dtype=np.float32)
        if state['handle'] is None or state['offset'] + array.nbytes > limit:
            if state['handle'] is not None:
                state['handle'].close()
            state['file'] = f'denoiser.onnx.data.{len(data_files)}'
            data_files.append(state['file'])
            state['handle'] = open(os.path.join(args.out, state['file']), 'wb')
            state['offset'] = 0
        state['handle'].write(array.tobytes())
        initializers.append(external(name, array, state['file'], state['offset']))
        state['offset'] += array.nbytes

    def weight(rows, cols):
        return rng.standard_normal((rows, cols), dtype=np.float32) * np.float32(1.0 / np.sqrt(rows))

    initializers.append(helper.make_tensor('flat_shape', TensorProto.INT64, [2], [2, flat]))
    initializers.append(helper.make_tensor('video_shape', TensorProto.INT64, [5], [2, *SHAPE]))
    nodes.append(helper.make_node('Reshape', ['sample', 'flat_shape'], ['h_in']))
    # The timestep joins the first layer's input, so the graph depends on every input it declares but the ids.
    nodes.append(helper.make_node('Unsqueeze', ['timestep', 'axis1'], ['t_col']))
    initializers.append(helper.make_tensor('axis1', TensorProto.INT64, [1], [1]))
    nodes.append(helper.make_node('Add', ['h_in', 't_col'], ['h_t']))
    store('w_in', weight(flat, width))
    nodes.append(helper.make_node('MatMul', ['h_t', 'w_in'], ['h0']))
    for i in range(args.layers):
        store(f'w{i}', weight(width, width))
        nodes.append(helper.make_node('MatMul', [f'h{i}', f'w{i}'], [f'm{i}']))
        nodes.append(helper.make_node('Tanh', [f'm{i}'], [f'h{i + 1}']))
    store('w_out', weight(width, flat))
    nodes.append(helper.make_node('MatMul', [f'h{args.layers}', 'w_out'], ['v_flat']))
    nodes.append(helper.make_node('Reshape', ['v_flat', 'video_shape'], ['velocity']))
    state['handle'].close()

    graph = helper.make_graph(
        nodes,
        'zoetrope_large_pack_fixture',
        [
            helper.make_tensor_value_info('sample', TensorProto.FLOAT, [2, *SHAPE]),
            helper.make_tensor_value_info('timestep', TensorProto.FLOAT, [2]),
            helper.make_tensor_value_info('input_ids', TensorProto.INT64, [2, MAX_LENGTH]),
        ],
        [helper.make_tensor_value_info('velocity', TensorProto.FLOAT, [2, *SHAPE])],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name='zoetrope-make-large-pack')
    model.ir_version = 8
    onnx.save_model(model, os.path.join(args.out, 'denoiser.onnx'))
    onnx.checker.check_model(os.path.join(args.out, 'denoiser.onnx'))  # by path: finds the data files beside it

    shutil.copy(os.path.join(ROOT, 'tests/fixtures/fixture-model/tokenizer.json'), os.path.join(args.out, 'tokenizer.json'))
    weight_bytes = sum(os.path.getsize(os.path.join(args.out, f)) for f in data_files)
    descriptor = {
        'id': 'zoetrope-large-fixture',
        'name': 'Large-pack TEST FIXTURE (random weights)',
        'version': f'0.1.0-l{args.layers}w{width}',
        'license': 'MIT',
        'fixture': True,
        'description': f'TEST FIXTURE: {weight_bytes} bytes of random weights in {len(data_files)} external data files; it makes noise, not video.',
        'pipeline': 'dit-rectified-flow',
        'video': {'frames': SHAPE[1], 'height': SHAPE[2], 'width': SHAPE[3], 'fps': 8},
        'sample': {'shape': SHAPE},
        'scheduler': {'kind': 'rectified-flow-euler', 'defaultSteps': 1, 'defaultGuidance': 0, 'shift': 1.0},
        'tokenizer': {'file': 'tokenizer.json', 'maxLength': MAX_LENGTH, 'padId': 0, 'unkId': 1},
        # The default denoiser names its external data through per-backend variants (graph-variants.ts), the
        # form every app version since variants reads; both backends run the same file.
        'graphs': {'textEncoder': None, 'denoiser': 'denoiser.onnx', 'decoder': None},
        'variants': {b: {'denoiser': {'file': 'denoiser.onnx', 'externalData': data_files}} for b in ('wasm', 'webgpu')},
        # Every weight is one GPU buffer; the largest is width x width fp32.
        'gpuLimits': {'maxBufferSize': width * width * 4, 'maxStorageBufferBindingSize': width * width * 4},
    }
    with open(os.path.join(args.out, 'model.json'), 'w') as f:
        json.dump(descriptor, f, indent=1)
    print(f'make-large-pack: {args.layers} layers of {width}x{width}, {weight_bytes} bytes of weights in {len(data_files)} files -> {args.out}')


def make_oom(out):
    """
    The out-of-memory TEST FIXTURE (tiny on disk): its WASM variant of the denoiser adds to the sample
    the maximum of a Sum of five Expand nodes of 0.88 GiB each. ORT's constant folding (which folds a node
    whose output is at most 1 GiB) turns them into 4.7 GB of initializers while the session is made,
    more than a 4 GB wasm32 heap holds: std::bad_alloc, a real exhaustion of the memory a WASM session
    has. Its default denoiser (which WebGPU runs) is the plain velocity = tanh(sample), so the same page
    can show that the engine still works afterwards.
    """
    os.makedirs(out, exist_ok=True)
    sample = helper.make_tensor_value_info('sample', TensorProto.FLOAT, [2, *SHAPE])
    inputs = [sample, helper.make_tensor_value_info('timestep', TensorProto.FLOAT, [2]), helper.make_tensor_value_info('input_ids', TensorProto.INT64, [2, MAX_LENGTH])]
    velocity = [helper.make_tensor_value_info('velocity', TensorProto.FLOAT, [2, *SHAPE])]

    def save(name, nodes, initializers):
        graph = helper.make_graph(nodes, name.replace('.', '_'), inputs, velocity, initializer=initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)], producer_name='zoetrope-make-large-pack')
        model.ir_version = 8
        onnx.checker.check_model(model)
        onnx.save_model(model, os.path.join(out, name))

    save('denoiser.onnx', [helper.make_node('Tanh', ['sample'], ['velocity'])], [])
    n = 5
    nodes = [helper.make_node('Expand', [f'c{i}', 'big_shape'], [f'big{i}']) for i in range(n)]
    nodes += [
        helper.make_node('Sum', [f'big{i}' for i in range(n)], ['big']),
        helper.make_node('ReduceMax', ['big'], ['peak'], keepdims=0),
        helper.make_node('Add', ['sample', 'peak'], ['velocity']),
    ]
    initializers = [helper.make_tensor(f'c{i}', TensorProto.FLOAT, [1], [float(i)]) for i in range(n)]
    initializers.append(helper.make_tensor('big_shape', TensorProto.INT64, [3], [225, 1024, 1024]))
    save('denoiser.oom.onnx', nodes, initializers)
    shutil.copy(os.path.join(ROOT, 'tests/fixtures/fixture-model/tokenizer.json'), os.path.join(out, 'tokenizer.json'))
    descriptor = {
        'id': 'zoetrope-oom-fixture',
        'name': 'Out-of-memory TEST FIXTURE (tiny on disk, too big for WASM once loaded)',
        'version': '0.1.0',
        'license': 'MIT',
        'fixture': True,
        'description': 'TEST FIXTURE: its WASM graph folds 4.7 GB of constants while the session is made, more than WASM can hold.',
        'pipeline': 'dit-rectified-flow',
        'video': {'frames': SHAPE[1], 'height': SHAPE[2], 'width': SHAPE[3], 'fps': 8},
        'sample': {'shape': SHAPE},
        'scheduler': {'kind': 'rectified-flow-euler', 'defaultSteps': 1, 'defaultGuidance': 0, 'shift': 1.0},
        'tokenizer': {'file': 'tokenizer.json', 'maxLength': MAX_LENGTH, 'padId': 0, 'unkId': 1},
        'graphs': {'textEncoder': None, 'denoiser': 'denoiser.onnx', 'decoder': None},
        'variants': {'wasm': {'denoiser': {'file': 'denoiser.oom.onnx'}}},
    }
    with open(os.path.join(out, 'model.json'), 'w') as f:
        json.dump(descriptor, f, indent=1)
    print(f'make-large-pack: out-of-memory fixture -> {out}')


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--oom':
        make_oom(sys.argv[2])
    else:
        main()
