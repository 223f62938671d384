// Owns building a prompt from word chips. Tapping a chip puts its phrase
// where it reads naturally ("a small red ball bouncing on green grass"):
// it replaces a phrase of the same kind, is removed when tapped again, and
// otherwise goes next to its neighbours in word order. Words the person typed
// that are not chips are never dropped, because the prompt stays their text.

import { WORD_ORDER, type Vocabulary } from './example-prompt';

export interface ChipMatch {
  category: string;
  phrase: string;
  start: number;
  end: number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Where each vocabulary phrase occurs, longest first and without overlaps, in prompt order. */
export function findChips(prompt: string, vocabulary: Vocabulary): ChipMatch[] {
  const candidates: ChipMatch[] = [];
  for (const [category, phrases] of Object.entries(vocabulary)) {
    for (const phrase of phrases) {
      const pattern = new RegExp(`(?<!\\w)${phrase.trim().split(/\s+/).map(escape).join('\\s+')}(?!\\w)`, 'gi');
      for (const m of prompt.matchAll(pattern)) candidates.push({ category, phrase, start: m.index, end: m.index + m[0].length });
    }
  }
  // Longest first, so "on a white background" wins over the colour "white" inside it.
  candidates.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const taken: ChipMatch[] = [];
  for (const c of candidates) if (!taken.some((t) => c.start < t.end && t.start < c.end)) taken.push(c);
  return taken.sort((a, b) => a.start - b.start);
}

function rank(category: string): number {
  const i = WORD_ORDER.indexOf(category);
  return i < 0 ? WORD_ORDER.length : i;
}

function tidy(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\s+,/g, ',').replace(/^[\s,]+|[\s,]+$/g, '');
}

/** The prompt after tapping the chip `phrase` of `category`. */
export function toggleChip(prompt: string, vocabulary: Vocabulary, category: string, phrase: string): string {
  const matches = findChips(prompt, vocabulary);
  const same = matches.find((m) => m.category === category);
  if (same && same.phrase.toLowerCase() === phrase.toLowerCase()) {
    return tidy(prompt.slice(0, same.start) + prompt.slice(same.end));
  }
  if (same) return tidy(prompt.slice(0, same.start) + phrase + prompt.slice(same.end));
  if (prompt.trim() === '') return rank(category) <= rank('shapes') ? `a ${phrase}` : phrase;
  const r = rank(category);
  const after = matches.find((m) => rank(m.category) > r);
  if (after) {
    // A noun phrase opening the sentence gets an article, as the captions the model learned from have.
    const lead = prompt.slice(0, after.start).trim() === '' && r <= rank('shapes') && rank(after.category) > rank('shapes') ? 'a ' : '';
    return tidy(`${prompt.slice(0, after.start)}${lead}${phrase} ${prompt.slice(after.start)}`);
  }
  const before = matches.filter((m) => rank(m.category) < r).at(-1);
  if (before) return tidy(`${prompt.slice(0, before.end)} ${phrase}${prompt.slice(before.end)}`);
  return tidy(`${prompt} ${phrase}`);
}

/** The phrases currently in the prompt, for showing chips as pressed. */
export function activeChips(prompt: string, vocabulary: Vocabulary): Set<string> {
  return new Set(findChips(prompt, vocabulary).map((m) => `${m.category}\u0000${m.phrase.toLowerCase()}`));
}

export const chipKey = (category: string, phrase: string) => `${category}\u0000${phrase.toLowerCase()}`;
