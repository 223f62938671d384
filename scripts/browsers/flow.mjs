// @ts-check
// Owns the shape of one flow's result in test-results/browsers.json: ok, a
// sentence for people, and any figures the support table prints.

/** @typedef {{ ok: boolean, detail: string, [k: string]: unknown }} Flow */

/**
 * Runs one flow group; an exception becomes a failed flow named after the group, never a silent pass.
 * @param {string} name
 * @param {() => Promise<Record<string, Flow>>} run
 * @returns {Promise<Record<string, Flow>>}
 */
export async function guarded(name, run) {
  try {
    return await run();
  } catch (error) {
    return { [name]: { ok: false, detail: `${name}: ${String(error).slice(0, 300)}` } };
  }
}
