// The prompt box's live token count for free-text packs (src/lib/prompt-tokens.ts) on the TEST
// FIXTURE's CLIP tokenizer.json: the count is the number of BPE tokens the engine's input_ids
// carry between bos and eos, and a prompt past the limit names the text that will be cut.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenCounterFrom } from '../../src/lib/prompt-tokens';
import { createClipTokenizer } from '../../workers/pipelines/animatediff/clip-tokens';

const json = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/animatediff-tiny-model/tokenizer.json'), 'utf8')) as object;

describe('the live token count', () => {
  it('counts what the engine feeds the text encoder', async () => {
    const count = await tokenCounterFrom(json, { maxTokens: 75, lowercase: true });
    const engine = createClipTokenizer(json, { file: 'tokenizer.json', maxLength: 77, padId: 999, unkId: 999, bosId: 998, eosId: 999 });
    for (const prompt of ['a red ball bouncing on green grass', 'A RED Ball,  bouncing!!\n\ton green grass.', '']) {
      const c = count(prompt);
      expect(c.count).toBe(engine.encode(prompt).count);
      expect(c.max).toBe(75);
      expect(c.cutText).toBe('');
    }
  });

  it('names the end of a prompt past the limit', async () => {
    const count = await tokenCounterFrom(json, { maxTokens: 5, lowercase: true });
    const c = count('a red ball bouncing on green grass');
    expect(c.count).toBe(7);
    expect(c.cutText).toBe('green grass');
  });
});
