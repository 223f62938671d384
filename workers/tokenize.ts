// Owns turning a prompt into the text encoder's input_ids, per the model
// contract: tokenizer.json (read with @huggingface/tokenizers), then
// truncate to maxLength and right-pad with padId. Row 1 is the empty
// (unconditional) prompt, which is all padding.

import { Tokenizer } from '@huggingface/tokenizers';
import { ZoetropeError } from '../src/shared/errors';
import type { PackManifest } from '../src/shared/manifest';

export interface PromptTokenizer {
  /** Ids for one prompt, truncated and padded to maxLength. */
  encode(prompt: string): number[];
  /** int64 [2, maxLength]: row 0 the prompt, row 1 the empty prompt. */
  batch(prompt: string): BigInt64Array;
  decode(ids: number[]): string;
}

export function createPromptTokenizer(tokenizerJson: unknown, spec: PackManifest['tokenizer']): PromptTokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(tokenizerJson as object, {});
  } catch (error) {
    throw new ZoetropeError('UnsupportedModelError', `The pack's tokenizer could not be read: ${String(error)}`, {
      file: spec.file,
    });
  }
  const { maxLength, padId, unkId } = spec;

  const encode = (prompt: string): number[] => {
    // tokenizers.js returns undefined for out-of-vocabulary words in a
    // WordLevel model, where the Rust library returns the unk id; map it.
    const raw = prompt.trim() === '' ? [] : tokenizer.encode(prompt, { add_special_tokens: false }).ids;
    const ids = raw.slice(0, maxLength).map((id) => (typeof id === 'number' ? id : unkId));
    while (ids.length < maxLength) ids.push(padId);
    return ids;
  };

  return {
    encode,
    batch(prompt) {
      const out = new BigInt64Array(2 * maxLength);
      encode(prompt).forEach((id, i) => (out[i] = BigInt(id)));
      encode('').forEach((id, i) => (out[maxLength + i] = BigInt(id)));
      return out;
    },
    decode(ids) {
      // tokenizers.js throws on an empty list (an all-padding prompt); that is simply no text.
      const kept = ids.filter((id) => id !== padId);
      return kept.length === 0 ? '' : tokenizer.decode(kept, { skip_special_tokens: true });
    },
  };
}
