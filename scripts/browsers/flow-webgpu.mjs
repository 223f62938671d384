// @ts-check
// Owns the WebGPU flow of the cross-browser run. "Automatic" must use the
// browser's own adapter where it has one, and otherwise fall back to WASM and
// say why on the page; "WebGPU" forced without an adapter must end in
// WebGPUUnavailableError with the next step, never a stack trace.

import { waitModelReady } from './page-log.mjs';
/**
 * @param {import('puppeteer-core').Browser} browser
 * @param {string} origin where the pack is installed
 * @returns {Promise<Record<string, import('./flow.mjs').Flow>>}
 */
export async function webgpuFlows(browser, origin) {
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  await waitModelReady(page, 180_000, true);
  const auto = await page.evaluate(async () => ({
    api: 'gpu' in navigator,
    adapter: 'gpu' in navigator ? Boolean(await /** @type {any} */ (navigator).gpu.requestAdapter().catch(() => null)) : false,
    backend: document.querySelector('[data-testid=model-status]')?.getAttribute('data-backend') ?? '',
    info: document.querySelector('[data-testid=backend-info]')?.textContent?.trim() ?? '',
  }));
  await page.goto(`${origin}/?backend=webgpu`);
  await waitModelReady(page, 300_000, true);
  const forced = await page.evaluate(() => ({
    backend: document.querySelector('[data-testid=model-status][data-state=ready]')?.getAttribute('data-backend') ?? null,
    error: document.querySelector('[data-testid=error]')?.getAttribute('data-error-name') ?? null,
    text: document.querySelector('[data-testid=error]')?.textContent?.trim() ?? '',
  }));
  await page.close();
  // With an adapter, Automatic takes WebGPU; without one, it falls back to WASM and the page says why,
  // and forcing WebGPU gives the named error with what to choose instead.
  const ok = auto.adapter
    ? auto.backend === 'webgpu' && forced.backend === 'webgpu'
    : auto.backend === 'wasm' && /WebGPU/i.test(auto.info) && forced.error === 'WebGPUUnavailableError' && /Automatic|WASM/.test(forced.text);
  const said = auto.adapter ? `an adapter: Automatic runs ${auto.backend}, forced WebGPU runs ${forced.backend}` : `no adapter (navigator.gpu ${auto.api ? 'present' : 'absent'}): Automatic runs ${auto.backend} and says "${auto.info.slice(0, 90)}"; forced WebGPU: ${forced.error}: "${forced.text.slice(0, 90)}"`;
  return { webgpu: { ok, detail: said, adapter: auto.adapter, backend: auto.backend } };
}
