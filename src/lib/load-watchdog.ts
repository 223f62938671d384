// Owns the stall watchdog of one model load in the engine worker. Firefox
// ESR 153 here sometimes never finishes a load (issue 20, README "Browser
// support"): no error, no progress, forever. The worker posts a step at each
// stage of a load (src/shared/load-steps.ts); each step, or progress event,
// re-arms a timer whose length that step's bytes of work decide, and the
// timer firing means the load is stalled. The client then replaces the
// worker (engine-client.ts), so a person sees a retry or a plain error,
// never a hang. The timing and the retry decision live here, apart from the
// worker, so that they are tested with real timers and no browser.

import { stepBudgetMs } from '../shared/load-steps';

/** How many workers a load is given: the first, then one fresh one after a stall. */
export const LOAD_ATTEMPTS = 2;

export interface Stall {
  /** The last step seen before the load stopped moving ('load-requested' if the worker said nothing). */
  step: string;
  label: string;
  /** How long the load then went with no sign of life. */
  waitedMs: number;
}

/** After a stall on attempt `attempt` (1-based): give a fresh worker another go, or give up. */
export function afterStall(attempt: number): 'retry' | 'fail' {
  return attempt < LOAD_ATTEMPTS ? 'retry' : 'fail';
}

export class LoadWatchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = { step: 'load-requested', label: '', at: 0 };
  private done = false;

  /**
   * @param onStall called at most once, when the load goes a step's budget with no sign of life
   * @param budgetMs how long a step that starts `bytes` of work may take (the measured default in load-steps.ts)
   */
  constructor(
    private readonly onStall: (stall: Stall) => void,
    private readonly budgetMs: (bytes: number) => number = stepBudgetMs,
  ) {}

  /** Arms the timer for the load's first step (the worker starting, or taking the call). */
  start(): void {
    this.sign('load-requested', '', 0);
  }

  /** A sign of life: a step the worker posted, or a progress event (step 'progress'). */
  sign(step: string, label: string, bytes: number): void {
    if (this.done) return;
    clearTimeout(this.timer);
    this.last = { step, label, at: performance.now() };
    this.timer = setTimeout(() => {
      this.done = true;
      this.onStall({ step: this.last.step, label: this.last.label, waitedMs: Math.round(performance.now() - this.last.at) });
    }, this.budgetMs(bytes));
  }

  /** The load settled (or was given up): no stall is reported after this. */
  stop(): void {
    this.done = true;
    clearTimeout(this.timer);
  }

  get lastStep(): string {
    return this.last.step;
  }
}
