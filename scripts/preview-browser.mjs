// @ts-check
// Owns how a bench or trial script gets the app in a browser: the production
// build in its own folder (so it never overwrites another run's dist/),
// served by `vite preview` on 127.0.0.1 (the secure origin WebGPU and the
// service worker need), and Debian's Chromium (or ZOETROPE_CHROMIUM) with the
// flags this closed network needs, never a downloaded browser.

import { chromium } from '@playwright/test';
import { build, preview } from 'vite';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Builds (unless `skipBuild`) into `outDir` and serves it on `port`.
 * @param {{ outDir: string, port: number, skipBuild?: boolean }} o
 */
export async function servePreview({ outDir, port, skipBuild = false }) {
  if (!skipBuild) await build({ logLevel: 'warn', build: { outDir } });
  return preview({ build: { outDir }, preview: { port, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
}

/** Debian's Chromium with the project's base flags and `extraArgs`. @param {string[]} [extraArgs] */
export function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: process.env['ZOETROPE_CHROMIUM'] ?? '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
}
