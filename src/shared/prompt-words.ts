// Owns reading a prompt the way a closed-vocabulary (WordLevel) pack's
// tokenizer will, so the UI can point at the words the model does not know
// and at the words that fall past its maximum length, instead of letting
// them turn silently into [UNK] or vanish.
//
// The split mirrors the pack contract: tokenizer.json's Lowercase normalizer
// and Whitespace pre-tokenizer, which @huggingface/tokenizers implements as
// /\w+|[^\w\s]+/g. A unit test checks this mirror against the real library.

export interface PromptVocabulary {
  /** Every word the tokenizer maps to its own id (special tokens excluded). */
  known: string[];
  /** How many tokens the text encoder reads; later ones are cut off. */
  maxLength: number;
}

export type WordStatus = 'known' | 'unknown' | 'cut';

export interface PromptWord {
  /** The word as typed. */
  text: string;
  /** Offsets into the prompt, for highlighting. */
  start: number;
  end: number;
  status: WordStatus;
}

export interface PromptAnalysis {
  words: PromptWord[];
  /** Distinct unknown words, lower-cased, in the order they first appear. */
  unknown: string[];
  /** Words past maxLength, which the model never sees. */
  cut: PromptWord[];
}

const SPLIT = /\w+|[^\w\s]+/g;

/** Splits like the Whitespace pre-tokenizer, keeping offsets into the prompt. */
export function splitPrompt(prompt: string): Omit<PromptWord, 'status'>[] {
  const out: Omit<PromptWord, 'status'>[] = [];
  for (const match of prompt.matchAll(SPLIT)) {
    const start = match.index;
    out.push({ text: match[0], start, end: start + match[0].length });
  }
  return out;
}

/** Known words are looked up lower-cased, as the Lowercase normalizer does. */
export function analysePrompt(prompt: string, vocabulary: PromptVocabulary): PromptAnalysis {
  const known = new Set(vocabulary.known);
  const words: PromptWord[] = splitPrompt(prompt).map((w, i) => ({
    ...w,
    status: i >= vocabulary.maxLength ? 'cut' : known.has(w.text.toLowerCase()) ? 'known' : 'unknown',
  }));
  const unknown: string[] = [];
  for (const w of words) {
    const lower = w.text.toLowerCase();
    if (w.status === 'unknown' && !unknown.includes(lower)) unknown.push(lower);
  }
  return { words, unknown, cut: words.filter((w) => w.status === 'cut') };
}

/**
 * The known words of a Hugging Face tokenizer.json, or null when the model
 * is not WordLevel: subword tokenizers have no "unknown word" to point at.
 */
export function wordLevelVocabulary(tokenizerJson: unknown, maxLength: number): PromptVocabulary | null {
  const model = (tokenizerJson as { model?: { type?: unknown; vocab?: unknown; unk_token?: unknown } } | null)?.model;
  if (!model || model.type !== 'WordLevel' || typeof model.vocab !== 'object' || model.vocab === null) return null;
  const special = new Set<string>();
  const added = (tokenizerJson as { added_tokens?: { content?: unknown; special?: unknown }[] }).added_tokens;
  for (const t of Array.isArray(added) ? added : []) if (t.special && typeof t.content === 'string') special.add(t.content);
  if (typeof model.unk_token === 'string') special.add(model.unk_token);
  const known = Object.keys(model.vocab).filter((w) => !special.has(w));
  return { known, maxLength };
}
