// Chips that build a prompt (src/lib/prompt-chips.ts): words land where they
// read naturally, replace their own kind, toggle off, and never drop text
// the person typed.
import { describe, expect, it } from 'vitest';
import { activeChips, chipKey, findChips, toggleChip } from '../../src/lib/prompt-chips';

const vocab = {
  colours: ['red', 'blue', 'white'],
  shapes: ['ball', 'square'],
  sizes: ['small', 'big'],
  motions: ['moving left', 'bouncing'],
  backgrounds: ['on a white background', 'on green grass'],
};

describe('prompt chips', () => {
  it('builds a natural sentence whatever order the chips are tapped in', () => {
    let p = '';
    for (const [category, phrase] of [
      ['backgrounds', 'on green grass'], ['motions', 'bouncing'], ['shapes', 'ball'], ['colours', 'red'], ['sizes', 'small'],
    ] as const) p = toggleChip(p, vocab, category, phrase);
    expect(p).toBe('a small red ball bouncing on green grass');
    let q = '';
    for (const [category, phrase] of [['colours', 'red'], ['shapes', 'ball'], ['motions', 'bouncing'], ['sizes', 'big']] as const) {
      q = toggleChip(q, vocab, category, phrase);
    }
    expect(q).toBe('a big red ball bouncing');
  });

  it('replaces a phrase of the same kind, and removes a tapped-again phrase', () => {
    expect(toggleChip('a red ball moving left', vocab, 'colours', 'blue')).toBe('a blue ball moving left');
    expect(toggleChip('a red ball moving left', vocab, 'motions', 'bouncing')).toBe('a red ball bouncing');
    expect(toggleChip('a red ball moving left', vocab, 'motions', 'moving left')).toBe('a red ball');
  });

  it('matches whole words, any case, and the longest phrase first', () => {
    expect(findChips('A RED ball on a white background', vocab).map((m) => m.phrase)).toEqual(['red', 'ball', 'on a white background']);
    expect(findChips('reddish balls', vocab)).toEqual([]);
    expect(toggleChip('a ball on a white background', vocab, 'colours', 'white')).toBe('a white ball on a white background');
  });

  it('keeps words it does not know, in place', () => {
    expect(toggleChip('please draw a ball today', vocab, 'colours', 'red')).toBe('please draw a red ball today');
    expect(toggleChip('something nice', vocab, 'motions', 'bouncing')).toBe('something nice bouncing');
  });

  it('reports which chips are in the prompt', () => {
    const active = activeChips('a Red ball bouncing', vocab);
    expect(active.has(chipKey('colours', 'red'))).toBe(true);
    expect(active.has(chipKey('motions', 'bouncing'))).toBe(true);
    expect(active.has(chipKey('colours', 'blue'))).toBe(false);
  });
});
