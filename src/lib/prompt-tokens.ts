// Owns the live token count of the prompt box for packs whose prompt is
// free text (a subword BPE such as CLIP's): the page builds the pack's own
// tokenizer from its stored tokenizer.json (the same file and the same
// @huggingface/tokenizers the engine uses), so the count it shows is the
// count the text encoder will see, and it can say exactly where a long
// prompt will be cut. The library is imported only when such a pack loads,
// so the built-in model's page never fetches it.

import type { PackSource } from '../shared/engine-api';
import { modelKey, type PackManifest } from '../shared/manifest';
import { openPackSource } from '../common/pack-source';

export interface TokenCount {
  /** The prompt's own tokens (no start/end tokens). */
  count: number;
  /** How many the text encoder reads. */
  max: number;
  /** The text from the first token that will be cut, or '' when nothing is. */
  cutText: string;
}

export type TokenCounter = (prompt: string) => TokenCount;

/** CLIP's whitespace_clean and lower(), as workers/pipelines/animatediff/clip-tokens.ts cleans before BPE. */
function clean(prompt: string): string {
  return prompt.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** A counter from a parsed tokenizer.json; `max` is the capabilities' maxTokens. */
export async function tokenCounterFrom(tokenizerJson: unknown, max: number): Promise<TokenCounter> {
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const tokenizer = new Tokenizer(tokenizerJson as object, {});
  return (prompt) => {
    const text = clean(prompt);
    if (text === '') return { count: 0, max, cutText: '' };
    const encoding = tokenizer.encode(text, { add_special_tokens: false });
    const count = encoding.ids.length;
    let cutText = '';
    if (count > max) {
      // The kept tokens decoded back give the kept text; what follows it in the cleaned prompt is cut.
      const kept = tokenizer.decode(encoding.ids.slice(0, max), { skip_special_tokens: true }).trim();
      cutText = text.startsWith(kept) ? text.slice(kept.length).trim() : tokenizer.decode(encoding.ids.slice(max), { skip_special_tokens: true }).trim();
    }
    return { count, max, cutText };
  };
}

/**
 * The pack's counter, from its checked tokenizer.json wherever the engine reads it: the install
 * in IndexedDB, or a .zoepack held in memory (`source`). Null when the file cannot be read.
 */
export async function loadTokenCounter(manifest: PackManifest, max: number, source?: PackSource): Promise<TokenCounter | null> {
  const entry = manifest.files.find((f) => f.path === manifest.tokenizer.file);
  if (!entry) return null;
  try {
    const reader = await openPackSource({ modelKey: modelKey(manifest), ...(source ? { source } : {}) });
    const json: unknown = JSON.parse(new TextDecoder().decode(await reader.readFile(entry)));
    return await tokenCounterFrom(json, max);
  } catch {
    return null;
  }
}
