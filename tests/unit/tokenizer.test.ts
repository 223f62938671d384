// tokenizer.json round trip through @huggingface/tokenizers with the
// contract's truncation and padding (workers/tokenize.ts), against the ids
// the Python exporter wrote for the golden prompt.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createPromptTokenizer } from '../../workers/tokenize';
import { FIXTURE_MODEL, golden, readJson } from './golden';

const json = readJson<unknown>(join(FIXTURE_MODEL, 'tokenizer.json'));
const spec = { file: 'tokenizer.json', maxLength: 16, padId: 0, unkId: 1 };
const tokenizer = createPromptTokenizer(json, spec);

describe('prompt tokenizer', () => {
  it('encodes the golden prompt to the golden ids (row 0) and the empty prompt to padding (row 1)', () => {
    const batch = Array.from(tokenizer.batch(golden.prompt), Number);
    expect(batch).toEqual(golden.input_ids.flat());
  });
  it('round-trips: decode(encode(prompt)) gives the prompt back', () => {
    expect(tokenizer.decode(tokenizer.encode(golden.prompt))).toBe(golden.prompt);
  });
  it('lowercases and splits punctuation like the Python tokenizer', () => {
    expect(tokenizer.encode('A RED ball!')).toEqual(tokenizer.encode('a red ball !'));
  });
  it('maps unknown words to unkId', () => {
    const ids = tokenizer.encode('a zebra ball');
    expect(ids[1]).toBe(spec.unkId);
  });
  it('truncates to maxLength and pads to maxLength', () => {
    expect(tokenizer.encode('red '.repeat(40))).toHaveLength(16);
    expect(tokenizer.encode('red')).toHaveLength(16);
    expect(tokenizer.encode('red').slice(1)).toEqual(new Array(15).fill(0));
  });
  it('the unconditional prompt is all padId', () => {
    expect(tokenizer.encode('   ')).toEqual(new Array(16).fill(0));
  });
  it('a broken tokenizer.json is an UnsupportedModelError', () => {
    expect(() => createPromptTokenizer({ model: { type: 'Nope' } }, spec)).toThrow(expect.objectContaining({ name: 'UnsupportedModelError' }));
  });
});
