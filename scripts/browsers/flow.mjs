// @ts-check
// Owns the shape of one flow's result in test-results/browsers.json: ok, a
// sentence for people, and any figures the support table prints; and how a
// flow group is run: an exception becomes a failed flow, never a silent pass.
// A group whose page stalled (a wait that timed out) runs once more, and its
// flows then carry `stalled`, the first try's words, which the table prints:
// Firefox ESR 153 here sometimes never finished loading a page's model
// (issue 20, README "Browser support"). The page now retries such a load on
// a fresh engine worker by itself (src/lib/load-watchdog.ts), well inside the
// flows' waits, so this second run is the last resort; a run must still say
// when it was needed, not hide it.

/** @typedef {{ ok: boolean, detail: string, stalled?: string, [k: string]: unknown }} Flow */

/**
 * @param {string} name
 * @param {() => Promise<Record<string, Flow>>} run
 * @returns {Promise<Record<string, Flow>>}
 */
export async function guarded(name, run) {
  let first;
  try {
    return await run();
  } catch (error) {
    first = String(error);
    if (!/TimeoutError|Waiting for selector|Waiting failed/.test(first)) return { [name]: { ok: false, detail: `${name}: ${first.slice(0, 300)}` } };
  }
  console.log(`STALL ${name}: ${first.slice(0, 300)}; running it once more`);
  try {
    const flows = await run();
    for (const flow of Object.values(flows)) flow.stalled = first.slice(0, 300);
    return flows;
  } catch (error) {
    return { [name]: { ok: false, detail: `${name}: ${String(error).slice(0, 300)} (after a first stall: ${first.slice(0, 200)})` } };
  }
}
