// Manifest validation: one test per rule, each checking that the error
// names the field (see src/shared/manifest.ts and models/README.md).
import { describe, expect, it } from 'vitest';
import { validateManifest, type ManifestOf, type PackManifest } from '../../src/shared/manifest';
import { FIXTURE_PACK, readJson } from './golden';
import { join } from 'node:path';
import { expectManifestFieldError } from './field-error';

const fixture = readJson<PackManifest>(join(FIXTURE_PACK, 'manifest.json'));
const clone = (): Record<string, any> => structuredClone(fixture) as unknown as Record<string, any>;

function expectFieldError(mutate: (m: Record<string, any>) => void, field: string): void {
  expectManifestFieldError(clone(), mutate, field);
}

const SHA = 'a'.repeat(64);

describe('validateManifest', () => {
  it('accepts the committed fixture pack and keeps its fields', () => {
    const m = validateManifest(clone()) as ManifestOf<'dit-rectified-flow'>;
    expect(m.id).toBe('zoetrope-fixture-tiny');
    expect(m.fixture).toBe(true);
    expect(m.files.length).toBe(4); // tokenizer, text encoder, denoiser and its batch-1 conditional graph
    expect(m.scheduler.guidanceInterval).toEqual([0, 0.8]);
  });
  it('rejects a non-object', () => expect(() => validateManifest([])).toThrow(/^manifest: expected an object/));
  it('format must be zoetrope-pack', () => expectFieldError((m) => (m.format = 'other'), 'format'));
  it('formatVersion must be 1', () => expectFieldError((m) => (m.formatVersion = 2), 'formatVersion'));
  it('id must be lowercase kebab', () => expectFieldError((m) => (m.id = 'Bad_ID'), 'id'));
  it('name must be a non-empty string', () => expectFieldError((m) => (m.name = ''), 'name'));
  it('version is required', () => expectFieldError((m) => delete m.version, 'version'));
  it('license is required', () => expectFieldError((m) => (m.license = 3), 'license'));
  it('fixture must be a boolean', () => expectFieldError((m) => (m.fixture = 'yes'), 'fixture'));
  it('pipeline must be known', () => expectFieldError((m) => (m.pipeline = 'unet-ddpm'), 'pipeline'));
  it('video must be an object', () => expectFieldError((m) => (m.video = 5), 'video'));
  it('video.frames must be a positive integer', () => expectFieldError((m) => (m.video.frames = 0), 'video.frames'));
  it('video.height must be an integer', () => expectFieldError((m) => (m.video.height = 31.5), 'video.height'));
  it('video.width must be a number', () => expectFieldError((m) => (m.video.width = '32'), 'video.width'));
  it('video.fps must be above 0', () => expectFieldError((m) => (m.video.fps = 0), 'video.fps'));
  it('sample.shape must have 4 dimensions', () => expectFieldError((m) => (m.sample.shape = [3, 8, 32]), 'sample.shape'));
  it('sample.shape entries must be positive integers', () => expectFieldError((m) => (m.sample.shape[2] = -1), 'sample.shape[2]'));
  it('sample.shape[1] must equal video.frames', () => expectFieldError((m) => (m.sample.shape[1] = 4), 'sample.shape[1]'));
  it('without a decoder the sample has 3 channels', () => expectFieldError((m) => (m.sample.shape[0] = 4), 'sample.shape[0]'));
  it('without a decoder sample height equals video height', () => expectFieldError((m) => (m.sample.shape[2] = 16), 'sample.shape[2]'));
  it('without a decoder sample width equals video width', () => expectFieldError((m) => (m.sample.shape[3] = 16), 'sample.shape[3]'));
  it('scheduler.kind must be known', () => expectFieldError((m) => (m.scheduler.kind = 'ddim'), 'scheduler.kind'));
  it('scheduler.defaultSteps must be 1..1000', () => expectFieldError((m) => (m.scheduler.defaultSteps = 0), 'scheduler.defaultSteps'));
  it('scheduler.defaultGuidance must be 0..50', () => expectFieldError((m) => (m.scheduler.defaultGuidance = -1), 'scheduler.defaultGuidance'));
  it('scheduler.shift must be above 0', () => expectFieldError((m) => (m.scheduler.shift = 0), 'scheduler.shift'));
  it('scheduler.guidanceInterval is optional', () => {
    const m = clone();
    delete m.scheduler.guidanceInterval;
    expect((validateManifest(m) as ManifestOf<'dit-rectified-flow'>).scheduler.guidanceInterval).toBeUndefined();
  });
  it.each([['not an array', 0.5], ['one number', [0.5]], ['lo >= hi', [0.5, 0.5]], ['below 0', [-0.1, 1]], ['above 1', [0, 1.5]], ['a string', ['0', 1]], ['NaN', [Number.NaN, 1]]])(
    'scheduler.guidanceInterval refuses %s',
    (_, value) => expectFieldError((m) => (m.scheduler.guidanceInterval = value), 'scheduler.guidanceInterval'),
  );
  it('tokenizer.file must be a listed file', () => expectFieldError((m) => (m.tokenizer.file = 'vocab.txt'), 'tokenizer.file'));
  it('tokenizer.maxLength must be a positive integer', () => expectFieldError((m) => (m.tokenizer.maxLength = 0), 'tokenizer.maxLength'));
  it('tokenizer.padId must be an integer', () => expectFieldError((m) => (m.tokenizer.padId = null), 'tokenizer.padId'));
  it('tokenizer.unkId must be an integer', () => expectFieldError((m) => (m.tokenizer.unkId = 1.5), 'tokenizer.unkId'));
  it('graphs.denoiser is required', () => expectFieldError((m) => (m.graphs.denoiser = null), 'graphs.denoiser'));
  it('graphs.textEncoder must be a listed file or null', () => expectFieldError((m) => (m.graphs.textEncoder = 'x.onnx'), 'graphs.textEncoder'));
  it('graphs.decoder must be a listed file or null', () => expectFieldError((m) => (m.graphs.decoder = 'decoder.onnx'), 'graphs.decoder'));
  it('shardSize must be a positive integer', () => expectFieldError((m) => (m.shardSize = 0), 'shardSize'));
  it('files must be a non-empty array', () => expectFieldError((m) => (m.files = []), 'files'));
  it('file paths must be relative and plain', () => expectFieldError((m) => (m.files[0].path = '../etc/passwd'), 'files[0].path'));
  it('file paths must be unique', () => expectFieldError((m) => (m.files[1].path = m.files[0].path), 'files[1].path'));
  it('file size must be a positive integer', () => expectFieldError((m) => (m.files[0].size = 0), 'files[0].size'));
  it('file sha256 must be 64 lowercase hex digits', () => expectFieldError((m) => (m.files[0].sha256 = SHA.toUpperCase()), 'files[0].sha256'));
  it('file shards must be a non-empty array', () => expectFieldError((m) => (m.files[0].shards = []), 'files[0].shards'));
  it('shard sha256 must be hex', () => expectFieldError((m) => (m.files[0].shards[0].sha256 = 'xyz'), 'files[0].shards[0].sha256'));
  it('shard size must not exceed shardSize', () => expectFieldError((m) => (m.files[0].shards[0].size = m.shardSize + 1), 'files[0].shards[0].size'));
  it('shard sizes must add up to the file size', () => expectFieldError((m) => (m.files[0].size += 1), 'files[0].shards'));
  it('totalBytes must be the sum of file sizes', () => expectFieldError((m) => (m.totalBytes += 1), 'totalBytes'));
  it('vocabulary lists must be strings', () => expectFieldError((m) => (m.vocabulary = { colours: [1] }), 'vocabulary.colours'));
  it('description must be a string when present', () => expectFieldError((m) => (m.description = 5), 'description'));
  it('gpuLimits must be positive integers', () => expectFieldError((m) => (m.gpuLimits = { maxBufferSize: -1 }), 'gpuLimits.maxBufferSize'));
  it('gpuLimits takes only known limits', () => expectFieldError((m) => (m.gpuLimits = { maxTextureSize: 5 }), 'gpuLimits.maxTextureSize'));
  it('gpuLimits is kept when valid', () => {
    const m = clone();
    m.gpuLimits = { maxBufferSize: 1024 };
    expect(validateManifest(m).gpuLimits).toEqual({ maxBufferSize: 1024 });
  });
});
