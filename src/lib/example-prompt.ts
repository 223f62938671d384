// Owns example prompts built from a pack's vocabulary. Small models only
// understand the words they were trained on, so the UI offers them instead
// of letting people guess.

export type Vocabulary = Record<string, string[]>;

/** The order words read naturally in: "a small red ball bouncing on the sand". */
export const WORD_ORDER = ['sizes', 'colours', 'shapes', 'motions', 'backgrounds'];

export function examplePrompt(vocabulary: Vocabulary, random: () => number = Math.random): string {
  const pick = (list: string[] | undefined) => (list && list.length ? list[Math.floor(random() * list.length)] : undefined);
  const words = WORD_ORDER.map((key) => pick(vocabulary[key])).filter((w): w is string => Boolean(w));
  // Other word lists a future pack may add go at the end, in their own order.
  for (const [key, list] of Object.entries(vocabulary)) if (!WORD_ORDER.includes(key)) words.push(...[pick(list)].filter((w): w is string => Boolean(w)));
  return words.length ? `a ${words.join(' ')}` : '';
}
