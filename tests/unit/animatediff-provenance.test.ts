// Provenance of a clip from a converted pack (src/shared/provenance.ts): the manifest's `sources`
// (base checkpoint, motion module, each with its SHA-256) go into the MP4's JSON record and into
// the sentence for people, and come back from the tags; a bad source entry is refused naming it.
import { describe, expect, it } from 'vitest';
import { parseProvenance, provenanceTags, type Provenance } from '../../src/shared/provenance';

const p: Provenance = {
  zoetrope: 1,
  generator: 'Zoetrope 0.1.0',
  kind: 'clip',
  model: 'animatediff-tiny-fixture@0.1.0',
  modelHash: 'c'.repeat(64),
  backend: 'wasm',
  steps: 4,
  guidance: 0,
  clips: [{ prompt: 'a red ball bouncing on green grass', seed: 42, framesSha256: 'd'.repeat(64) }],
  sources: [
    { role: 'base', file: 'sd15-single-file.safetensors', sha256: '1'.repeat(64) },
    { role: 'motion', file: 'animatediff_lightning_4step_diffusers.safetensors', sha256: '2'.repeat(64) },
  ],
};

describe('provenance of a converted pack', () => {
  it('names every source file and its hash, and reads them back', () => {
    const tags = provenanceTags(p, 'title');
    expect(tags.description).toContain('Converted from base sd15-single-file.safetensors (sha256 1111111111111111…), motion animatediff_lightning_4step_diffusers.safetensors (sha256 2222222222222222…).');
    expect(JSON.parse(tags.comment).sources[1].sha256).toBe('2'.repeat(64));
    expect(parseProvenance(tags)).toEqual(p);
  });

  it('says nothing of sources for a pack without them', () => {
    const { sources: _, ...plain } = p;
    expect(provenanceTags(plain, 't').description).not.toContain('Converted from');
  });

  it('refuses a source without a SHA-256, naming it', () => {
    const bad = { ...p, sources: [{ role: 'base', file: 'x', sha256: 'nope' }] };
    expect(() => parseProvenance({ comment: JSON.stringify(bad) })).toThrow(expect.objectContaining({ name: 'NotZoetropeVideoError', details: { field: 'sources[0].sha256' } }));
  });
});
