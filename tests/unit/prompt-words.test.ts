// The UI's prompt check (src/shared/prompt-words.ts) must read a prompt
// exactly as the engine's tokenizer does, or it would flag words the model
// reads or miss words it does not. Checked here against the real
// @huggingface/tokenizers on the fixture pack's tokenizer.json.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createPromptTokenizer } from '../../workers/tokenize';
import { analysePrompt, splitPrompt, wordLevelVocabulary } from '../../src/shared/prompt-words';
import { FIXTURE_MODEL, readJson } from './golden';

const json = readJson<unknown>(join(FIXTURE_MODEL, 'tokenizer.json'));
const spec = { file: 'tokenizer.json', maxLength: 16, padId: 0, unkId: 1 };
const tokenizer = createPromptTokenizer(json, spec);
const vocabulary = wordLevelVocabulary(json, 16)!;

const PROMPTS = [
  'a red ball bouncing on green grass',
  'A RED Ball, bouncing!!',
  'the yellow triangle falls through the night sky.',
  'a blue 🐳 square — moving left',
  'כדור אדום bouncing',
  'café au lait ball',
  "red's ball?! (big)",
  '  spaces\tand\nnewlines  ',
  'x'.repeat(300),
  '',
];

describe('prompt words', () => {
  it('reads the fixture tokenizer.json vocabulary without its special tokens', () => {
    expect(vocabulary.known).toContain('bouncing');
    expect(vocabulary.known).not.toContain('[UNK]');
    expect(vocabulary.known).not.toContain('[PAD]');
  });

  it.each(PROMPTS)('flags exactly the tokens the tokenizer maps to [UNK]: %j', (prompt) => {
    const analysis = analysePrompt(prompt, { ...vocabulary, maxLength: 1000 });
    const ids = tokenizer.encode(prompt).filter((id) => id !== spec.padId);
    const seen = analysis.words.slice(0, spec.maxLength);
    expect(seen.map((w) => w.status === 'unknown')).toEqual(ids.map((id) => id === spec.unkId));
  });

  it('keeps offsets into the prompt as typed', () => {
    const prompt = 'A  Red ball!';
    for (const w of splitPrompt(prompt)) expect(prompt.slice(w.start, w.end)).toBe(w.text);
    expect(splitPrompt(prompt).map((w) => w.text)).toEqual(['A', 'Red', 'ball', '!']);
  });

  it('lists distinct unknown words lower-cased, in order', () => {
    expect(analysePrompt('a Zebra and a zebra dancing', vocabulary).unknown).toEqual(['zebra', 'dancing']);
  });

  it('marks the words past maxLength as cut, whether known or not', () => {
    const analysis = analysePrompt('red blue green zebra', { known: ['red', 'blue', 'green'], maxLength: 2 });
    expect(analysis.words.map((w) => w.status)).toEqual(['known', 'known', 'cut', 'cut']);
    expect(analysis.cut.map((w) => w.text)).toEqual(['green', 'zebra']);
    expect(analysis.unknown).toEqual([]);
  });

  it('gives no vocabulary for subword tokenizers or malformed files', () => {
    expect(wordLevelVocabulary({ model: { type: 'BPE', vocab: { a: 0 } } }, 16)).toBeNull();
    expect(wordLevelVocabulary(null, 16)).toBeNull();
    expect(wordLevelVocabulary({ model: { type: 'WordLevel' } }, 16)).toBeNull();
  });
});
