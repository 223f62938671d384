// The wan kind's manifest rules (src/shared/pipelines/wan.ts) through the app's validateManifest:
// a manifest shaped as models/wan/CONTRACT.md writes it is accepted and typed (float32, float16
// and int8 token tables), each rule refuses with a ManifestError naming its field, and the
// capabilities say what the prompt form offers (free text kept in case, maxLength − 1 tokens, the
// rCM step counts, no guidance). The engine kind reads the table's files besides the graphs.
import { describe, expect, it } from 'vitest';
import { packCapabilities, validateManifest } from '../../src/shared/manifest';
import { DEFAULT_TUNING } from '../../src/shared/engine-tuning';
import { pipelineKind } from '../../workers/pipelines/registry';
import { expectManifestFieldError } from './field-error';

const sha = (c: string) => c.repeat(64);
const file = (path: string, c: string, size = 100) => ({ path, size, sha256: sha(c), shards: [{ sha256: sha(c), size }] });

// 384 rows × dim 32 in float32 = 49152 bytes, split 256 + 128 rows.
const ROW = 32 * 4;
function manifest(): Record<string, any> {
  const files = [
    file('tokenizer.json', '1'),
    file('text_encoder.onnx', '2'),
    file('dit.onnx', '3'),
    file('dit.onnx.data', '4'),
    file('taew_decoder.onnx', '5'),
    file('token_embedding.0.bin', '6', 256 * ROW),
    file('token_embedding.1.bin', '7', 128 * ROW),
    file('token_embedding.scales.bin', '8', 384 * 4),
  ];
  return {
    format: 'zoetrope-pack',
    formatVersion: 1,
    id: 'wan-test',
    name: 'Wan test',
    version: '0.1.0',
    license: 'Apache-2.0',
    licenseText: 'Apache License 2.0, in full.',
    sources: [
      { role: 'text', file: 'models_t5_umt5-xxl-enc-bf16.pth', sha256: sha('a') },
      { role: 'denoiser', file: 'rCM_Wan2.1_T2V_1.3B_480p.pt', sha256: sha('b') },
      { role: 'decoder', file: 'taew2_1.pth', sha256: sha('c') },
    ],
    fixture: true,
    pipeline: 'wan',
    video: { frames: 9, height: 64, width: 64, fps: 16 },
    sample: { shape: [16, 3, 8, 8] },
    scheduler: { kind: 'rcm', sigmaMax: 80, midT: [1.5, 1.4, 1.0], steps: [1, 2, 3, 4], defaultSteps: 4, defaultGuidance: 0 },
    tokenizer: { file: 'tokenizer.json', maxLength: 32, padId: 0, unkId: 2, eosId: 1 },
    embeddings: { files: ['token_embedding.0.bin', 'token_embedding.1.bin'], dtype: 'float32', rows: 384, dim: 32 },
    decoder: {
      framesPerLatent: 4,
      trimFrames: 3,
      state: [
        { input: 'mem_in_0', output: 'mem_out_0', shape: [1, 16, 8, 8] },
        { input: 'mem_in_1', output: 'mem_out_1', shape: [1, 8, 16, 16] },
      ],
    },
    graphs: { textEncoder: 'text_encoder.onnx', denoiser: { file: 'dit.onnx', externalData: ['dit.onnx.data'] }, decoder: 'taew_decoder.onnx' },
    shardSize: 100_000,
    totalBytes: files.reduce((a, f) => a + f.size, 0),
    files,
  };
}

/** The table as int8 with its scales, or as float16: the file sizes follow the dtype. */
function withDtype(dtype: 'int8' | 'float16'): Record<string, any> {
  const m = manifest();
  const bytes = dtype === 'int8' ? 1 : 2;
  m.files[5].size = m.files[5].shards[0].size = 256 * 32 * bytes;
  m.files[6].size = m.files[6].shards[0].size = 128 * 32 * bytes;
  m.totalBytes = m.files.reduce((a: number, f: { size: number }) => a + f.size, 0);
  m.embeddings.dtype = dtype;
  if (dtype === 'int8') m.embeddings.scales = 'token_embedding.scales.bin';
  return m;
}

const expectFieldError = (mutate: (m: Record<string, any>) => void, field: string, base = manifest()) => expectManifestFieldError(base, mutate, field);

describe('wan manifests', () => {
  it('accepts the contract layout and keeps its fields', () => {
    const m = validateManifest(manifest());
    if (m.pipeline !== 'wan') throw new Error(`validated as ${m.pipeline}`);
    expect(m.sample.shape).toEqual([16, 3, 8, 8]);
    expect(m.scheduler).toEqual({ kind: 'rcm', sigmaMax: 80, midT: [1.5, 1.4, 1.0], steps: [1, 2, 3, 4], defaultSteps: 4, defaultGuidance: 0 });
    expect(m.tokenizer.eosId).toBe(1);
    expect(m.embeddings).toEqual({ files: ['token_embedding.0.bin', 'token_embedding.1.bin'], dtype: 'float32', rows: 384, dim: 32 });
    expect(m.decoder.state.map((s) => s.input)).toEqual(['mem_in_0', 'mem_in_1']);
    expect(m.graphs.denoiser).toEqual({ file: 'dit.onnx', externalData: ['dit.onnx.data'] });
    expect(m.sources?.map((s) => s.role)).toEqual(['text', 'denoiser', 'decoder']);
  });

  it('accepts an int8 table with its scales and a float16 one', () => {
    const int8 = validateManifest(withDtype('int8'));
    if (int8.pipeline !== 'wan') throw new Error('unreachable');
    expect(int8.embeddings).toMatchObject({ dtype: 'int8', scales: 'token_embedding.scales.bin' });
    const half = validateManifest(withDtype('float16'));
    if (half.pipeline !== 'wan') throw new Error('unreachable');
    expect(half.embeddings.dtype).toBe('float16');
    expect(half.embeddings.scales).toBeUndefined();
  });

  it('offers free text kept in case, maxLength − 1 tokens, the rCM steps and no guidance', () => {
    const m = manifest();
    m.scheduler.steps = [4, 1, 2];
    m.scheduler.defaultSteps = 2;
    expect(packCapabilities(validateManifest(m))).toEqual({
      prompt: 'free',
      lowercase: false,
      maxTokens: 31,
      steps: { choices: [1, 2, 4] },
      guidance: false,
      defaultSteps: 2,
      defaultGuidance: 0,
    });
  });

  it('has the engine read the table files (and an int8 table its scales) with the tokenizer', () => {
    const kind = pipelineKind({ pipeline: 'wan' });
    expect(kind.roles(validateManifest(manifest()), DEFAULT_TUNING).map((r) => [r.role, r.optional])).toEqual([
      ['textEncoder', false],
      ['denoiser', false],
      ['decoder', false],
    ]);
    expect(kind.files?.(validateManifest(manifest()))).toEqual(['token_embedding.0.bin', 'token_embedding.1.bin']);
    expect(kind.files?.(validateManifest(withDtype('int8')))).toEqual(['token_embedding.0.bin', 'token_embedding.1.bin', 'token_embedding.scales.bin']);
  });

  it.each([
    ['sample.shape', (m: any) => (m.sample.shape = [16, 3, 8])],
    ['sample.shape[0]', (m: any) => (m.sample.shape[0] = 4)],
    ['sample.shape[2]', (m: any) => (m.sample.shape[2] = 16)],
    ['sample.shape[3]', (m: any) => (m.sample.shape[3] = 4)],
    ['sample.shape[2]', (m: any) => ((m.video.height = 72), (m.sample.shape[2] = 9))],
    ['sample.shape[3]', (m: any) => ((m.video.width = 56), (m.sample.shape[3] = 7))],
    ['video.height', (m: any) => (m.video.height = 60)],
    ['video.width', (m: any) => (m.video.width = 66)],
    ['video.frames', (m: any) => (m.video.frames = 12)],
    ['video.frames', (m: any) => (m.sample.shape[1] = 5)],
    ['scheduler', (m: any) => (m.scheduler = 'rcm')],
    ['scheduler.kind', (m: any) => (m.scheduler.kind = 'euler-discrete')],
    ['scheduler.sigmaMax', (m: any) => (m.scheduler.sigmaMax = 0)],
    ['scheduler.sigmaMax', (m: any) => delete m.scheduler.sigmaMax],
    ['scheduler.midT', (m: any) => (m.scheduler.midT = 1.5)],
    ['scheduler.midT[0]', (m: any) => (m.scheduler.midT[0] = 1.6)],
    ['scheduler.midT[1]', (m: any) => (m.scheduler.midT[1] = 1.5)],
    ['scheduler.midT[2]', (m: any) => (m.scheduler.midT[2] = 0)],
    ['scheduler.midT[2]', (m: any) => (m.scheduler.midT[2] = '1')],
    ['scheduler.steps', (m: any) => (m.scheduler.steps = [])],
    ['scheduler.steps', (m: any) => (m.scheduler.steps = [4, 4])],
    ['scheduler.steps[0]', (m: any) => (m.scheduler.steps = [5, 4])],
    ['scheduler.steps[1]', (m: any) => (m.scheduler.steps = [4, 0])],
    ['scheduler.defaultSteps', (m: any) => (m.scheduler.steps = [1, 2])],
    ['scheduler.defaultGuidance', (m: any) => (m.scheduler.defaultGuidance = 1)],
    ['scheduler.defaultGuidance', (m: any) => delete m.scheduler.defaultGuidance],
    ['tokenizer.eosId', (m: any) => delete m.tokenizer.eosId],
    ['tokenizer.eosId', (m: any) => (m.tokenizer.eosId = 384)],
    ['tokenizer.padId', (m: any) => (m.tokenizer.padId = 1000)],
    ['tokenizer.maxLength', (m: any) => (m.tokenizer.maxLength = 1)],
    ['embeddings', (m: any) => delete m.embeddings],
    ['embeddings.dtype', (m: any) => (m.embeddings.dtype = 'bfloat16')],
    ['embeddings.rows', (m: any) => (m.embeddings.rows = 0)],
    ['embeddings.dim', (m: any) => (m.embeddings.dim = 1.5)],
    ['embeddings.files', (m: any) => (m.embeddings.files = [])],
    ['embeddings.files', (m: any) => (m.embeddings.files = 'token_embedding.0.bin')],
    ['embeddings.files', (m: any) => (m.embeddings.files = ['token_embedding.0.bin', 'token_embedding.0.bin'])],
    ['embeddings.files[1]', (m: any) => (m.embeddings.files[1] = 'missing.bin')],
    ['embeddings.files[0]', (m: any) => (m.embeddings.files[0] = 'tokenizer.json')],
    // 384 rows of 128 bytes do not fill 256 + 128 rows' files of another dim.
    ['embeddings.files[0]', (m: any) => (m.embeddings.dim = 24)],
    ['embeddings.files', (m: any) => (m.embeddings.rows = 383)],
    ['embeddings.files', (m: any) => (m.embeddings.files = ['token_embedding.0.bin'])],
    ['embeddings.scales', (m: any) => (m.embeddings.scales = 'token_embedding.scales.bin')],
    ['decoder', (m: any) => delete m.decoder],
    ['decoder.framesPerLatent', (m: any) => (m.decoder.framesPerLatent = 0)],
    ['decoder.trimFrames', (m: any) => (m.decoder.trimFrames = -1)],
    ['decoder.trimFrames', (m: any) => (m.decoder.trimFrames = 12)],
    ['video.frames', (m: any) => (m.decoder.trimFrames = 0)],
    ['decoder.state', (m: any) => (m.decoder.state = {})],
    ['decoder.state[0]', (m: any) => (m.decoder.state[0] = 'mem_in_0')],
    ['decoder.state[1].input', (m: any) => (m.decoder.state[1].input = '')],
    ['decoder.state[1].input', (m: any) => (m.decoder.state[1].input = 'mem_in_0')],
    ['decoder.state[0].output', (m: any) => (m.decoder.state[0].output = 'image')],
    ['decoder.state[1].shape', (m: any) => (m.decoder.state[1].shape = [])],
    ['decoder.state[1].shape[2]', (m: any) => (m.decoder.state[1].shape[2] = 0)],
    ['graphs.textEncoder', (m: any) => (m.graphs.textEncoder = null)],
    ['graphs.decoder', (m: any) => delete m.graphs.decoder],
    ['graphs.denoiser.file', (m: any) => (m.graphs.denoiser.file = 'missing.onnx')],
    ['graphs.denoiser.externalData[0]', (m: any) => (m.graphs.denoiser.externalData[0] = 'dit.onnx')],
  ])('refuses a bad %s', (field, mutate) => expectFieldError(mutate, field));

  it.each([
    ['embeddings.scales', (m: any) => delete m.embeddings.scales],
    ['embeddings.scales', (m: any) => (m.embeddings.scales = 'token_embedding.0.bin')],
    ['embeddings.scales', (m: any) => (m.files[7].size = m.files[7].shards[0].size = 100)],
    ['embeddings.files[1]', (m: any) => (m.files[6].size = m.files[6].shards[0].size = 100)],
  ])('refuses an int8 table with a bad %s', (field, mutate) => expectFieldError((m) => ((m.totalBytes = 0), mutate(m), (m.totalBytes = m.files.reduce((a: number, f: { size: number }) => a + f.size, 0))), field, withDtype('int8')));
});
