// Owns the check that the built-in pack ships each backend the ops chosen for
// it (models/instance_norm.py, models/quantize_dynamic.py, models/fast_gelu.py):
// the WASM graphs run their LayerNorms as InstanceNormalization on rows and
// their weight MatMuls in dynamic int8, while the default graph, which WebGPU
// runs, keeps LayerNormalization and weight-only int8. The numbers of these
// graphs are checked against PyTorch in golden-step.test.ts; this says which
// graph is which, so that an export without a rewrite cannot pass as one with it.

import { describe, expect, it } from 'vitest';
import { BUILT_IN_PACK, readPackFile } from './golden';

/**
 * How many nodes of an ONNX model have this op type. A NodeProto's op_type is
 * field 4, a length-delimited string: tag byte 0x22, one length byte (op
 * names are shorter than 128), then the name. Node names (field 3, 0x1a) and
 * domains (field 7, 0x3a) carry other tags, so they are not counted.
 */
function countOps(model: Uint8Array, opType: string): number {
  const needle = new Uint8Array([0x22, opType.length, ...new TextEncoder().encode(opType)]);
  let count = 0;
  outer: for (let i = 0; i + needle.length <= model.length; i++) {
    for (let j = 0; j < needle.length; j++) if (model[i + j] !== needle[j]) continue outer;
    count++;
  }
  return count;
}

describe('the built-in pack: which ops each backend graph runs', () => {
  const graphs = {
    default: readPackFile(BUILT_IN_PACK, 'denoiser.onnx'),
    wasm: readPackFile(BUILT_IN_PACK, 'denoiser.wasm.onnx'),
    conditional: readPackFile(BUILT_IN_PACK, 'denoiser.cond.wasm.onnx'),
  };

  it('counts op types exactly, not names that contain them', () => {
    // 8 blocks x 3 LayerNorms + the final one; the default graph's count is the reference for the rest.
    expect(countOps(graphs.default, 'LayerNormalization')).toBe(25);
    expect(countOps(graphs.default, 'InstanceNormalization')).toBe(0);
    expect(countOps(graphs.default, 'FastGelu')).toBe(9);
  });

  it.each(['wasm', 'conditional'] as const)('the %s graph: no LayerNormalization; InstanceNormalization and dynamic int8 instead', (name) => {
    const model = graphs[name];
    expect(countOps(model, 'LayerNormalization')).toBe(0);
    expect(countOps(model, 'InstanceNormalization')).toBe(25);
    expect(countOps(model, 'MatMulInteger')).toBe(66);
    expect(countOps(model, 'FastGelu')).toBe(9);
  });
});
