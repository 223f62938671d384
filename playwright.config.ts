// Playwright runs the e2e tests in Debian's Chromium (never a downloaded
// browser): ZOETROPE_CHROMIUM overrides the path. WebGPU there is SwiftShader
// and needs a secure origin (http://127.0.0.1) plus --enable-unsafe-webgpu.
// One worker: the machine has 2 cores and each page runs ORT threads.
import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';

const executablePath = process.env['ZOETROPE_CHROMIUM'] ?? '/usr/bin/chromium';
const PORT = Number(process.env['ZOETROPE_E2E_PORT'] ?? 4174);
// Its own build folder too, so that two runs on one machine (two checkouts, or two engineers) do not overwrite each other's build.
const OUT_DIR = process.env['ZOETROPE_E2E_OUTDIR'] ?? 'dist';
// The animatediff kind's pack (tests/e2e/animatediff.spec.ts): the TEST FIXTURE, or another pack of that kind
// (a full-size random-weight one outside git) named by ZOETROPE_ANIMATEDIFF_PACK.
const ANIMATEDIFF_PACK = process.env['ZOETROPE_ANIMATEDIFF_PACK'] ?? 'tests/fixtures/animatediff-tiny-pack';
// The wan kind's pack (tests/e2e/wan.spec.ts): the TEST FIXTURE, or another pack of that kind named by ZOETROPE_WAN_PACK.
const WAN_PACK = process.env['ZOETROPE_WAN_PACK'] ?? 'tests/fixtures/wan-tiny-pack';
const EXTRA_PACKS = ['tests/fixtures/fixture-pack', ANIMATEDIFF_PACK, WAN_PACK].filter((dir) => existsSync(`${dir}/manifest.json`)).join(',');
const BASE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  // Generous: WebGPU here is SwiftShader (a CPU emulation), and CI machines have 2 cores.
  timeout: 300_000,
  expect: { timeout: 30_000 },
  reporter: process.env['CI'] ? [['list']] : [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium-webgpu',
      testIgnore: '**/no-webgpu*.spec.ts',
      use: { browserName: 'chromium', launchOptions: { executablePath, args: [...BASE_ARGS, '--enable-unsafe-webgpu'] } },
    },
    {
      // The same browser started without WebGPU: "auto" must fall back to WASM.
      name: 'chromium-no-webgpu',
      testMatch: '**/no-webgpu*.spec.ts',
      use: { browserName: 'chromium', launchOptions: { executablePath, args: [...BASE_ARGS, '--disable-features=WebGPU'] } },
    },
  ],
  webServer: {
    // Always test a fresh production build, with the fixture pack served beside the app's own packs.
    command: `npx vite build --logLevel warn --outDir ${OUT_DIR} && npx vite preview --outDir ${OUT_DIR} --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}/`,
    // The tests' pack servers listen on 127.0.0.1 / localhost ports; the build and preview allow them in connect-src.
    // ZOETROPE_TEST_PAGES: the build also holds the pages made for the tests (vite/test-pages.ts).
    env: { ZOETROPE_EXTRA_PACKS: EXTRA_PACKS, ZOETROPE_CSP_CONNECT: 'http://localhost:* http://127.0.0.1:*', ZOETROPE_TEST_PAGES: '1' },
    reuseExistingServer: !process.env['CI'],
    timeout: 120_000,
  },
});
