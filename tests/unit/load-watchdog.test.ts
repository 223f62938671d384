// The model load's stall watchdog (src/lib/load-watchdog.ts) and its step
// protocol (src/shared/load-steps.ts): a load that keeps posting steps is
// never called stalled, one that stops is, once, with the last step it
// reached; budgets grow with the bytes a step starts; a stalled load gets one
// fresh worker, then fails. Real timers with budgets of tens of ms.
import { describe, expect, it } from 'vitest';
import { afterStall, LOAD_ATTEMPTS, LoadWatchdog, type Stall } from '../../src/lib/load-watchdog';
import { describeStep, isLoadStep, STALL_BASE_MS, STALL_MS_PER_GIB, stepBudgetMs } from '../../src/shared/load-steps';
import { toZoetropeError } from '../../src/shared/errors';
import { friendlyError } from '../../src/lib/error-messages';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LoadWatchdog', () => {
  it('reports a load that goes a budget with no sign of life, once, naming its last step', async () => {
    const stalls: Stall[] = [];
    const watchdog = new LoadWatchdog((stall) => stalls.push(stall), () => 40);
    watchdog.start();
    watchdog.sign('session-create-started', 'denoiser', 6_000_000);
    await sleep(120);
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toMatchObject({ step: 'session-create-started', label: 'denoiser' });
    expect(stalls[0]!.waitedMs).toBeGreaterThanOrEqual(35);
    // Signs after the stall change nothing: the worker is already gone.
    watchdog.sign('session-created', 'denoiser', 0);
    await sleep(80);
    expect(stalls).toHaveLength(1);
  });

  it('never fires while steps keep coming, each within its budget, however long the whole load', async () => {
    const stalls: Stall[] = [];
    // Ten gaps of 20 ms against a budget of 250 ms: the whole load outlasts a budget, no gap does.
    const watchdog = new LoadWatchdog((stall) => stalls.push(stall), () => 250);
    watchdog.start();
    for (let i = 0; i < 15; i++) {
      await sleep(20);
      watchdog.sign('file-read-done', `file ${i}`, 0);
    }
    watchdog.stop();
    await sleep(300);
    expect(stalls).toEqual([]);
  });

  it('reports "load-requested" when the worker says nothing at all', async () => {
    const stalls: Stall[] = [];
    const watchdog = new LoadWatchdog((stall) => stalls.push(stall), () => 20);
    watchdog.start();
    await sleep(80);
    expect(stalls.map((s) => s.step)).toEqual(['load-requested']);
    expect(watchdog.lastStep).toBe('load-requested');
  });

  it('gives each step the budget its bytes decide', async () => {
    const asked: number[] = [];
    const watchdog = new LoadWatchdog(() => {}, (bytes) => (asked.push(bytes), 1000));
    watchdog.start();
    watchdog.sign('file-read-started', 'denoiser.onnx', 6_181_777);
    watchdog.stop();
    expect(asked).toEqual([0, 6_181_777]);
  });
});

describe('stepBudgetMs', () => {
  it('is the base for a small step and grows by the measured rate per GiB', () => {
    expect(stepBudgetMs(0)).toBe(STALL_BASE_MS);
    expect(stepBudgetMs(6_181_777)).toBe(STALL_BASE_MS + Math.ceil((6_181_777 / 2 ** 30) * STALL_MS_PER_GIB));
    // The large-pack fixture's whole 2.69 GB session: its slowest measured creation was 56 s.
    expect(stepBudgetMs(2.69e9)).toBeGreaterThan(3 * 56_000);
    expect(stepBudgetMs(-5)).toBe(STALL_BASE_MS);
  });
  it('is four times the slowest step of the built-in model\'s load seen in Firefox here (the warm-up, 4.7 s under load)', () => {
    expect(stepBudgetMs(14_824_067)).toBeGreaterThan(4 * 4_700);
  });
});

describe('the retry decision', () => {
  it('retries the first stall on a fresh worker and fails on the second', () => {
    expect(LOAD_ATTEMPTS).toBe(2);
    expect(afterStall(1)).toBe('retry');
    expect(afterStall(2)).toBe('fail');
  });
  it('ends in EngineStalledError, which keeps its name through cloning and tells the person what to do', () => {
    const error = toZoetropeError({ name: 'EngineStalledError', message: 'Loading the model made no progress for 20 s', details: { step: 'warm-up-started', attempts: 2 } });
    expect(error.name).toBe('EngineStalledError');
    expect(error.details['step']).toBe('warm-up-started');
    expect(friendlyError(error).next).toMatch(/Reload the page/);
  });
});

describe('load-step messages', () => {
  it('are told apart from comlink messages and anything else on the port', () => {
    expect(isLoadStep({ zoetropeLoadStep: 'session-created', label: 'denoiser', bytes: 0 })).toBe(true);
    expect(isLoadStep({ id: 'x', type: 'HANDLER', value: {} })).toBe(false);
    expect(isLoadStep({ zoetropeLoadStep: 'made-up', label: '', bytes: 0 })).toBe(false);
    expect(isLoadStep({ zoetropeLoadStep: 'load-done' })).toBe(false);
    expect(isLoadStep(null)).toBe(false);
  });
  it('read as one line with the graph and its bytes', () => {
    expect(describeStep({ zoetropeLoadStep: 'session-create-started', label: 'denoiser', bytes: 361575 })).toBe('session-create-started denoiser (361575 B)');
    expect(describeStep({ zoetropeLoadStep: 'load-done', label: '', bytes: 0 })).toBe('load-done');
  });
});
