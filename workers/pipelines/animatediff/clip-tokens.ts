// Owns CLIP's input_ids for the animatediff kind (models/animatediff/CONTRACT.md):
// the pack's tokenizer.json read with @huggingface/tokenizers, BPE without
// special tokens, then [bos] + ids[:maxLength-2] + [eos], padded with padId.
// The prompt is lowercased and its whitespace collapsed first, as CLIP's own
// tokenizer does, so that a tokenizer.json without that normaliser still
// gives the ids PyTorch was given.

import { Tokenizer } from '@huggingface/tokenizers';
import { ZoetropeError } from '../../../src/shared/errors';

export interface ClipTokenizerSpec {
  file: string;
  maxLength: number;
  padId: number;
  unkId: number;
  bosId: number;
  eosId: number;
}

export interface ClipTokens {
  /** maxLength ids: bos, the prompt's first maxLength - 2 tokens, eos, padding. */
  ids: number[];
  /** The prompt's own token count (no bos/eos), before truncation. */
  count: number;
  /** Whether tokens past maxLength - 2 were cut. */
  truncated: boolean;
}

export interface ClipTokenizer {
  encode(prompt: string): ClipTokens;
  /** int64 [1, maxLength] for the text encoder. */
  inputIds(prompt: string): BigInt64Array;
}

/** CLIP's whitespace_clean and lower(): runs of whitespace become one space, the ends are trimmed. */
export function cleanPrompt(prompt: string): string {
  return prompt.replace(/\s+/g, ' ').trim().toLowerCase();
}

export function createClipTokenizer(tokenizerJson: unknown, spec: ClipTokenizerSpec): ClipTokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(tokenizerJson as object, {});
  } catch (error) {
    throw new ZoetropeError('UnsupportedModelError', `The pack's tokenizer could not be read: ${String(error)}`, { file: spec.file });
  }
  const { maxLength, padId, unkId, bosId, eosId } = spec;
  const room = maxLength - 2;

  const encode = (prompt: string): ClipTokens => {
    const text = cleanPrompt(prompt);
    // tokenizers.js may give undefined for a token its vocabulary lacks, where the Rust library gives unk.
    const raw = text === '' ? [] : tokenizer.encode(text, { add_special_tokens: false }).ids;
    const body = raw.slice(0, room).map((id) => (typeof id === 'number' ? id : unkId));
    const ids = [bosId, ...body, eosId];
    while (ids.length < maxLength) ids.push(padId);
    return { ids, count: raw.length, truncated: raw.length > room };
  };

  return {
    encode,
    inputIds(prompt) {
      return BigInt64Array.from(encode(prompt).ids, (id) => BigInt(id));
    },
  };
}
