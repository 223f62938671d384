// Owns the pages the production build holds only for the e2e tests: with
// ZOETROPE_TEST_PAGES=1 (playwright.config.ts sets it for its build) each
// page below is added as one more input beside index.html and embed.html,
// so the tests run it as built, under the app's CSP and service worker. A
// deployer's `npm run build` leaves them out.
//  - src/test-pages/narration-editor.html: NarrationEditor on its own (tests/e2e/narration-record.spec.ts).

import { resolve } from 'node:path';
import type { Plugin } from 'vite';

export const TEST_PAGES: Record<string, string> = {
  'test-narration-editor': 'src/test-pages/narration-editor.html',
};

export function testPages(): Plugin {
  return {
    name: 'zoetrope-test-pages',
    config(config, { command }) {
      if (command !== 'build' || process.env['ZOETROPE_TEST_PAGES'] !== '1') return {};
      const base = config.root ?? process.cwd();
      const input = Object.fromEntries(Object.entries(TEST_PAGES).map(([name, path]) => [name, resolve(base, path)]));
      return { build: { rolldownOptions: { input } } };
    },
  };
}
