// The engine tuning knobs: defaults, validation that names the field, and
// the page-address form that the bench uses to measure each optimisation.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TUNING, tuningFromParams, validateTuning } from '../../src/shared/engine-tuning';

describe('engine tuning', () => {
  it('defaults to the fastest measured settings', () => {
    expect(validateTuning(undefined)).toEqual(DEFAULT_TUNING);
    expect(DEFAULT_TUNING).toEqual({ threads: null, wasmRuntime: 'plain', gpuLatents: true, streamEncode: true, upscaleWorker: true, backendGraphs: true, conditionalGraph: true, warmUp: true, spin: true, wasmStep: true, encoderCache: true });
  });

  it('reads the page address', () => {
    expect(tuningFromParams(new URLSearchParams('threads=1&wasmRuntime=asyncify&gpuLatents=0&streamEncode=false&upscaleWorker=0&backendGraphs=0&conditionalGraph=0&warmUp=0&spin=0&wasmStep=0&encoderCache=0'))).toEqual({
      threads: 1,
      wasmRuntime: 'asyncify',
      gpuLatents: false,
      streamEncode: false,
      upscaleWorker: false,
      backendGraphs: false,
      conditionalGraph: false,
      warmUp: false,
      spin: false,
      wasmStep: false,
      encoderCache: false,
    });
    // One flag off leaves the others, and the threads, as given.
    expect(tuningFromParams(new URLSearchParams('threads=2&conditionalGraph=0'))).toEqual({ ...DEFAULT_TUNING, threads: 2, conditionalGraph: false });
    expect(tuningFromParams(new URLSearchParams('backend=wasm'))).toEqual(DEFAULT_TUNING);
  });

  it.each([
    ['threads=0', 'threads'],
    ['threads=two', 'threads'],
    ['threads=99', 'threads'],
    ['wasmRuntime=jsep', 'wasmRuntime'],
    ['gpuLatents=maybe', 'gpuLatents'],
    ['streamEncode=2', 'streamEncode'],
    ['upscaleWorker=yes', 'upscaleWorker'],
    ['backendGraphs=off', 'backendGraphs'],
    ['conditionalGraph=no', 'conditionalGraph'],
    ['warmUp=later', 'warmUp'],
    ['spin=fast', 'spin'],
    ['wasmStep=js', 'wasmStep'],
    ['encoderCache=never', 'encoderCache'],
  ])('rejects %s, naming the field', (query, field) => {
    expect(() => tuningFromParams(new URLSearchParams(query))).toThrow(new RegExp(`^${field}: expected`));
  });
});
