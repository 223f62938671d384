// The animatediff kind's CLIP tokenizer: the tokenizer.json the converter
// writes (models/animatediff/clip_tokenizer.py tokenizer_json, CLIP's
// published normalizer / pre-tokenizer / BPE with "</w>"), read by the app's
// own @huggingface/tokenizers, must give the ids of the converter's plain
// Python CLIP BPE for every prompt in golden-ids.json (uppercase, runs of
// whitespace, contractions, digits, accents in NFC and NFD, CJK, emoji,
// punctuation runs). Both sides run on the TEST FIXTURE's tiny vocabulary.
import { Tokenizer } from '@huggingface/tokenizers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', 'fixtures');
const tokenizerJson = JSON.parse(readFileSync(join(ROOT, 'animatediff-tiny-model', 'tokenizer.json'), 'utf8')) as object;
const golden = JSON.parse(readFileSync(join(ROOT, 'animatediff-tiny', 'tokenizer', 'golden-ids.json'), 'utf8')) as {
  cases: { prompt: string; tokens: string[]; ids: number[]; input_ids: number[] }[];
};
const tokenizer = new Tokenizer(tokenizerJson, {});

describe('CLIP BPE tokenizer.json (animatediff)', () => {
  it('has golden cases to check', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(8);
  });
  it.each(golden.cases)('encodes $prompt to the Python BPE ids', ({ prompt, ids, tokens }) => {
    const encoding = tokenizer.encode(prompt, { add_special_tokens: false });
    expect(encoding.tokens).toEqual(tokens);
    expect(encoding.ids).toEqual(ids);
  });
  it('adds <|startoftext|> and <|endoftext|> as the post-processor, as CLIP does', () => {
    const first = golden.cases[0]!;
    const ids = tokenizer.encode(first.prompt).ids;
    expect(ids).toEqual(first.input_ids.slice(0, first.ids.length + 2));
  });
});
