// Owns umT5's input_ids and attention_mask for the wan kind
// (models/wan/CONTRACT.md): the pack's tokenizer.json (a SentencePiece
// Unigram) read with @huggingface/tokenizers, the prompt's whitespace
// collapsed and trimmed first (Wan's clean='whitespace'; case is kept, and
// Wan's ftfy and html.unescape are not run), its ids without special tokens
// cut to maxLength − 1, then eos, then padId to maxLength. The mask is 1 over
// the ids and eos, 0 over the padding: the text encoder zeroes its states
// there, as Wan cuts them at the prompt's length.

import { Tokenizer } from '@huggingface/tokenizers';
import { ZoetropeError } from '../../../src/shared/errors';

export interface Umt5TokenizerSpec {
  file: string;
  maxLength: number;
  padId: number;
  unkId: number;
  eosId: number;
}

export interface Umt5Tokens {
  /** maxLength ids: the prompt's first maxLength − 1 tokens, eos, padding. */
  ids: number[];
  /** maxLength values: 1 over the tokens and eos, 0 over the padding. */
  mask: number[];
  /** The prompt's own token count (no eos), before truncation. */
  count: number;
  /** Whether tokens past maxLength − 1 were cut. */
  truncated: boolean;
}

export interface Umt5Tokenizer {
  encode(prompt: string): Umt5Tokens;
}

/** Wan's clean='whitespace': runs of whitespace become one space, the ends are trimmed. */
export function cleanWhitespace(prompt: string): string {
  return prompt.replace(/\s+/g, ' ').trim();
}

export function createUmt5Tokenizer(tokenizerJson: unknown, spec: Umt5TokenizerSpec): Umt5Tokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(tokenizerJson as object, {});
  } catch (error) {
    throw new ZoetropeError('UnsupportedModelError', `The pack's tokenizer could not be read: ${String(error)}`, { file: spec.file });
  }
  const { maxLength, padId, unkId, eosId } = spec;
  const room = maxLength - 1;

  return {
    encode(prompt) {
      const text = cleanWhitespace(prompt);
      // tokenizers.js may give undefined for a piece its vocabulary lacks, where the Rust library gives unk.
      const raw = text === '' ? [] : tokenizer.encode(text, { add_special_tokens: false }).ids;
      const body = raw.slice(0, room).map((id) => (typeof id === 'number' ? id : unkId));
      const ids = [...body, eosId];
      const mask = ids.map(() => 1);
      while (ids.length < maxLength) {
        ids.push(padId);
        mask.push(0);
      }
      return { ids, mask, count: raw.length, truncated: raw.length > room };
    },
  };
}
