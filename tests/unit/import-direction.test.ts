// The one-way imports between the app's layers, read from the source: the UI
// (src/lib, src/components, src/embed, src/App.svelte) → src/shared (the typed
// contract) ← workers; src/common (code both threads run) may be imported by
// either, and imports only src/shared. A worker started by URL
// (`new Worker(new URL(...))`) is not an import and is not counted.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
type Layer = 'ui' | 'shared' | 'common' | 'workers' | 'sw' | 'other';

function layerOf(path: string): Layer {
  const p = relative(ROOT, path).split('\\').join('/');
  if (p.startsWith('src/shared/')) return 'shared';
  if (p.startsWith('src/common/')) return 'common';
  if (p.startsWith('src/sw/')) return 'sw';
  if (p.startsWith('workers/')) return 'workers';
  if (p.startsWith('src/')) return 'ui';
  return 'other';
}

/** What each layer must not import. */
const FORBIDDEN: Record<Layer, Layer[]> = {
  workers: ['ui'],
  shared: ['ui', 'workers', 'common', 'sw'],
  common: ['ui', 'workers', 'sw'],
  ui: [],
  sw: [],
  other: [],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.(ts|svelte)$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

// Static imports and re-exports (type-only ones too: a type cycle is a cycle) and dynamic import().
const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

export function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? '';
    if (spec.startsWith('.')) out.push(resolve(dirname(file), spec));
  }
  return out;
}

const files = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'workers'))];

describe('import direction', () => {
  it('finds the layers and their imports (the scan sees real imports)', () => {
    const engine = join(ROOT, 'workers/engine.worker.ts');
    expect(relativeImports(engine).map(layerOf)).toContain('shared');
    expect(relativeImports(engine).map(layerOf)).toContain('common');
    expect(files.filter((f) => layerOf(f) === 'common').length).toBeGreaterThanOrEqual(4);
  });

  it('workers never import the UI; src/shared imports neither the UI, the workers nor src/common; src/common only src/shared', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const target of relativeImports(file)) {
        const to = layerOf(target);
        if (to !== from && FORBIDDEN[from].includes(to)) wrong.push(`${relative(ROOT, file)} → ${relative(ROOT, target)} (${from} → ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
