// The wan kind's umT5 input_ids and attention_mask (workers/pipelines/wan/umt5-tokens.ts, through
// @huggingface/tokenizers' Unigram) against the converter's Python Unigram (models/wan/unigram.py)
// on the TEST FIXTURE's tiny vocabulary: every golden prompt's ids (mixed case, runs of
// whitespace, unknown characters fused into one <unk>, emoji, a prompt cut at maxLength − 1), the
// golden prompt of golden.json, and the page's live token count, which must count what the engine
// feeds (case kept, unlike CLIP's). The fixtures are required: without them these tests fail.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenCounterFrom } from '../../src/lib/prompt-tokens';
import { cleanWhitespace, createUmt5Tokenizer, type Umt5TokenizerSpec } from '../../workers/pipelines/wan/umt5-tokens';
import { readJson } from './golden';

const ROOT = join(import.meta.dirname, '..', 'fixtures');
const MODEL = join(ROOT, 'wan-tiny-model');
interface GoldenIds {
  maxLength: number;
  cases: { prompt: string; cleaned: string; ids: number[]; input_ids: number[]; attention_mask: number[] }[];
}
const goldenIds = readJson<GoldenIds>(join(ROOT, 'wan-tiny', 'tokenizer', 'golden-ids.json'));
const model = readJson<{ tokenizer: Umt5TokenizerSpec }>(join(MODEL, 'model.json'));
const tokenizerJson = readJson<object>(join(MODEL, model.tokenizer.file));
const spec: Umt5TokenizerSpec = { ...model.tokenizer, maxLength: goldenIds.maxLength };
const tokenizer = createUmt5Tokenizer(tokenizerJson, spec);

describe('umT5 input_ids for the wan kind', () => {
  it('has golden cases, of the model\u2019s own tokenizer.json and maxLength', () => {
    expect(goldenIds.cases.length).toBeGreaterThanOrEqual(5);
    // The converter copies the checkpoint's tokenizer.json (Wan's layout: google/umt5-xxl/) into the model folder as it is.
    const published = join(ROOT, 'wan-tiny', 'Wan2.1-T2V-1.3B', 'google', 'umt5-xxl', 'tokenizer.json');
    expect(readFileSync(published, 'utf8')).toBe(readFileSync(join(MODEL, model.tokenizer.file), 'utf8'));
    expect(goldenIds.maxLength).toBe(model.tokenizer.maxLength);
  });

  it.each(goldenIds.cases.map((c) => [JSON.stringify(c.prompt).slice(0, 60), c] as const))('gives the Python ids and mask for %s', (_, c) => {
    expect(cleanWhitespace(c.prompt)).toBe(c.cleaned);
    const tokens = tokenizer.encode(c.prompt);
    expect(tokens.ids).toEqual(c.input_ids);
    expect(tokens.mask).toEqual(c.attention_mask);
    expect(tokens.count).toBe(c.ids.length);
    expect(tokens.truncated).toBe(c.ids.length > spec.maxLength - 1);
  });

  it('cuts a long prompt to maxLength − 1 tokens and still ends with eos, the mask all ones', () => {
    const long = Array.from({ length: 20 }, () => goldenIds.cases[0]!.cleaned).join(' and ');
    const tokens = tokenizer.encode(long);
    expect(tokens.ids.length).toBe(spec.maxLength);
    expect(tokens.ids[spec.maxLength - 1]).toBe(spec.eosId);
    expect(tokens.mask.every((m) => m === 1)).toBe(true);
    expect(tokens.truncated).toBe(true);
    const own = createUmt5Tokenizer(tokenizerJson, { ...spec, maxLength: 4096 }).encode(long).ids;
    expect(tokens.ids.slice(0, spec.maxLength - 1)).toEqual(own.slice(0, spec.maxLength - 1));
  });

  it('gives eos then padding for an empty prompt, and keeps case', () => {
    const empty = tokenizer.encode(' \n\t ');
    expect(empty.ids.slice(0, 2)).toEqual([spec.eosId, spec.padId]);
    expect(empty.mask.slice(0, 2)).toEqual([1, 0]);
    expect(empty.count).toBe(0);
    expect(cleanWhitespace('  A RED\n\tBall  ')).toBe('A RED Ball');
  });

  it('refuses an unreadable tokenizer.json with UnsupportedModelError', () => {
    expect(() => createUmt5Tokenizer({ model: { type: 'nonsense' } }, spec)).toThrow(expect.objectContaining({ name: 'UnsupportedModelError' }));
  });
});

describe('the golden prompt of the TEST FIXTURE wan model', () => {
  it('gives golden.json input_ids and attention_mask', () => {
    const g = readJson<{ prompt: string; input_ids: number[]; attention_mask: number[] }>(join(MODEL, 'golden', 'golden.json'));
    const tokens = createUmt5Tokenizer(tokenizerJson, model.tokenizer).encode(g.prompt);
    expect(tokens.ids).toEqual(g.input_ids.flat());
    expect(tokens.mask).toEqual(g.attention_mask.flat());
  });
});

describe('the live token count of a wan pack', () => {
  it('counts what the engine feeds the text encoder, case kept', async () => {
    const count = await tokenCounterFrom(tokenizerJson, { maxTokens: spec.maxLength - 1, lowercase: false });
    for (const c of goldenIds.cases) {
      const got = count(c.prompt);
      expect(got.count).toBe(c.ids.length);
      expect(got.max).toBe(spec.maxLength - 1);
      expect(got.cutText === '').toBe(c.ids.length <= spec.maxLength - 1);
    }
  });
});
