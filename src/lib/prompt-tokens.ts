// Owns the live token count of the prompt box for packs whose prompt is
// free text (CLIP's subword BPE, umT5's Unigram): the page builds the pack's own
// tokenizer from its stored tokenizer.json (the same file and the same
// @huggingface/tokenizers the engine uses), so the count it shows is the
// count the text encoder will see, and it can say exactly where a long
// prompt will be cut. The library is imported only when such a pack loads,
// so the built-in model's page never fetches it.

import type { PackSource } from '../shared/engine-api';
import { modelKey, type PackManifest, type PromptCapabilities } from '../shared/manifest';
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

/** What the engine does to the prompt before its tokenizer: the capabilities' maxTokens, and lowercase. */
export type CountRules = Pick<PromptCapabilities, 'maxTokens' | 'lowercase'>;

/**
 * Whitespace collapsed and trimmed, as every free-text kind's engine side does (CLIP's whitespace_clean,
 * Wan's clean='whitespace'), then lowercased where the kind lowercases (CLIP's lower()).
 */
function clean(prompt: string, lowercase: boolean): string {
  const text = prompt.replace(/\s+/g, ' ').trim();
  return lowercase ? text.toLowerCase() : text;
}

/** A counter from a parsed tokenizer.json, under the pack's capabilities. */
export async function tokenCounterFrom(tokenizerJson: unknown, rules: CountRules): Promise<TokenCounter> {
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const tokenizer = new Tokenizer(tokenizerJson as object, {});
  const max = rules.maxTokens;
  const lowercase = rules.lowercase === true;
  return (prompt) => {
    const text = clean(prompt, lowercase);
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
export async function loadTokenCounter(manifest: PackManifest, rules: CountRules, source?: PackSource): Promise<TokenCounter | null> {
  const entry = manifest.files.find((f) => f.path === manifest.tokenizer.file);
  if (!entry) return null;
  try {
    const reader = await openPackSource({ modelKey: modelKey(manifest), ...(source ? { source } : {}) });
    const json: unknown = JSON.parse(new TextDecoder().decode(await reader.readFile(entry)));
    return await tokenCounterFrom(json, rules);
  } catch {
    return null;
  }
}
