// Owns the embed's request queue: requests from the host page and from the
// frame's own Generate button run one at a time, in the order they arrived;
// none is dropped. Each has an AbortController, so a queued request can be
// removed and a running one asked to stop. No DOM and no engine here.

import { abortError, ZoetropeError } from '../shared/errors';

interface Entry {
  /** The caller's name for the request; host-bridge.ts builds it from the host's origin and id. */
  key: string;
  controller: AbortController;
  run: (signal: AbortSignal) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class JobQueue {
  private waiting: Entry[] = [];
  private current: Entry | null = null;
  /** Called whenever the queue's length or running request changes. */
  onchange: () => void = () => {};

  get queued(): number {
    return this.waiting.length;
  }

  get running(): string | null {
    return this.current?.key ?? null;
  }

  has(key: string): boolean {
    return this.current?.key === key || this.waiting.some((e) => e.key === key);
  }

  /** Adds a request at the end; it settles when it has run (or was cancelled). */
  enqueue<T>(key: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.has(key)) {
      return Promise.reject(new ZoetropeError('ProtocolError', 'id: a request with this id has not finished yet; use a new id for each request.', { field: 'id' }));
    }
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
        key,
        controller: new AbortController(),
        run,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.onchange();
      void this.pump();
    });
  }

  /** Cancels a queued request (it never starts) or a running one (its signal aborts). */
  cancel(key: string): boolean {
    if (this.current?.key === key) {
      this.current.controller.abort();
      return true;
    }
    const index = this.waiting.findIndex((e) => e.key === key);
    if (index < 0) return false;
    const [entry] = this.waiting.splice(index, 1);
    entry?.reject(abortError('The request was cancelled before it started.'));
    this.onchange();
    return true;
  }

  /** Cancels everything (the frame is going away). */
  cancelAll(): void {
    for (const entry of this.waiting.splice(0)) entry.reject(abortError());
    this.current?.controller.abort();
    this.onchange();
  }

  private async pump(): Promise<void> {
    if (this.current) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.current = next;
    this.onchange();
    try {
      next.resolve(await next.run(next.controller.signal));
    } catch (error) {
      next.reject(error);
    } finally {
      this.current = null;
      this.onchange();
      void this.pump();
    }
  }
}
