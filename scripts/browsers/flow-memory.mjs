// @ts-check
// Owns the WASM-memory flow of the cross-browser run: how far this browser
// lets a shared WebAssembly.Memory (the kind threaded WASM uses) grow, in
// 256 MiB steps up to wasm32's 4 GiB, measured rather than assumed. The
// largest pack the app offers for WASM (the full-size AnimateDiff, int8 UNet,
// 8 frames) reached 4053 MiB of heap in its UNet step (README, "Full-size
// random-weight AnimateDiff pack"); the built-in pack needs far less.

const LARGEST_PACK_MIB = 4053;

/**
 * @param {import('puppeteer-core').Browser} browser
 * @param {string} origin an isolated origin (shared memory needs crossOriginIsolated)
 * @returns {Promise<Record<string, import('./flow.mjs').Flow>>}
 */
export async function memoryFlows(browser, origin) {
  const page = await browser.newPage();
  await page.goto(`${origin}/?view=library`);
  const facts = await page.evaluate(() => {
    const PAGE = 65536;
    const STEP = (256 * 1024 * 1024) / PAGE;
    let memory;
    try {
      memory = new WebAssembly.Memory({ initial: STEP, maximum: 65536, shared: self.crossOriginIsolated });
    } catch (e) {
      return { error: String(e) };
    }
    let pages = STEP;
    while (pages < 65536) {
      const next = Math.min(STEP, 65536 - pages);
      try { memory.grow(next); pages += next; } catch { break; }
    }
    return { mib: Math.round((pages * PAGE) / 1048576), shared: self.crossOriginIsolated };
  });
  await page.close();
  if ('error' in facts) return { memory: { ok: false, detail: String(facts.error) } };
  // Not a pass/fail of the browser: the page must know. What is checked is that the figure is a real one.
  return {
    memory: {
      ok: facts.mib >= 1024,
      detail: `a ${facts.shared ? 'shared' : 'plain'} WebAssembly.Memory grew to ${facts.mib} MiB; the full-size AnimateDiff pack's WASM form needs ${LARGEST_PACK_MIB} MiB, so it ${facts.mib >= LARGEST_PACK_MIB ? 'fits' : 'does not fit'} here (it is offered for WASM only when forced: requiresGpu)`,
      mib: facts.mib,
    },
  };
}
