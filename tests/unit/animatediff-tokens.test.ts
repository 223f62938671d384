// The animatediff kind's input_ids (workers/pipelines/animatediff/clip-tokens.ts) against the
// converter's Python CLIP BPE (models/animatediff/clip_tokenizer.py) on the TEST FIXTURE's tiny
// vocabulary: every golden prompt's 77 input_ids ([bos] + ids + [eos], padded with padId),
// and the cut of a prompt longer than maxLength - 2 tokens.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanPrompt, createClipTokenizer, type ClipTokenizerSpec } from '../../workers/pipelines/animatediff/clip-tokens';

const ROOT = join(import.meta.dirname, '..', 'fixtures');
const tokenizerJson = JSON.parse(readFileSync(join(ROOT, 'animatediff-tiny-model', 'tokenizer.json'), 'utf8')) as object;
const golden = JSON.parse(readFileSync(join(ROOT, 'animatediff-tiny', 'tokenizer', 'golden-ids.json'), 'utf8')) as {
  cases: { prompt: string; ids: number[]; input_ids: number[] }[];
};
// The TEST FIXTURE vocabulary's special ids (CLIP's own are 49406 and 49407).
const SPEC: ClipTokenizerSpec = { file: 'tokenizer.json', maxLength: 77, padId: 999, unkId: 999, bosId: 998, eosId: 999 };
const tokenizer = createClipTokenizer(tokenizerJson, SPEC);

describe('CLIP input_ids for the animatediff kind', () => {
  it.each(golden.cases)('gives the Python input_ids for $prompt', ({ prompt, ids, input_ids }) => {
    const tokens = tokenizer.encode(prompt);
    expect(tokens.ids).toEqual(input_ids);
    expect(tokens.count).toBe(ids.length);
    expect(tokens.truncated).toBe(false);
    expect(Array.from(tokenizer.inputIds(prompt), Number)).toEqual(input_ids);
  });

  it('cuts a long prompt to maxLength - 2 tokens and still ends with eos', () => {
    const words = golden.cases[0]!.prompt;
    const long = Array.from({ length: 20 }, () => words).join(' and ');
    const tokens = tokenizer.encode(long);
    expect(tokens.ids.length).toBe(77);
    expect(tokens.ids[0]).toBe(998);
    expect(tokens.ids[76]).toBe(999);
    expect(tokens.count).toBeGreaterThan(75);
    expect(tokens.truncated).toBe(true);
    // The first 75 tokens are the prompt's own, in order.
    const own = createClipTokenizer(tokenizerJson, { ...SPEC, maxLength: 1000 }).encode(long).ids.slice(1, 76);
    expect(tokens.ids.slice(1, 76)).toEqual(own);
  });

  it('gives bos, eos and padding for an empty prompt', () => {
    const tokens = tokenizer.encode('   ');
    expect(tokens.ids.slice(0, 3)).toEqual([998, 999, 999]);
    expect(tokens.count).toBe(0);
  });

  it("cleans like CLIP's whitespace_clean and lower()", () => {
    expect(cleanPrompt('  A RED\n\tBall  ')).toBe('a red ball');
  });

  it('refuses an unreadable tokenizer.json with UnsupportedModelError', () => {
    expect(() => createClipTokenizer({ model: { type: 'nonsense' } }, SPEC)).toThrow(expect.objectContaining({ name: 'UnsupportedModelError' }));
  });
});

const GOLDEN = join(ROOT, 'animatediff-tiny-model', 'golden', 'golden.json');
describe('the golden prompt of the TEST FIXTURE model', () => {
  it('gives golden.json input_ids', () => {
    const g = JSON.parse(readFileSync(GOLDEN, 'utf8')) as { prompt: string; input_ids: number[] };
    expect(tokenizer.encode(g.prompt).ids).toEqual(g.input_ids);
  });
});
