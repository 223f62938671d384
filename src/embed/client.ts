// Owns the host side of the embed protocol: a small typed client that a page
// on another origin uses to drive a framed Zoetrope with promises, e.g.
//   const zoetrope = ZoetropeEmbed.create(container, 'https://zoetrope.example/embed.html?origins=' + location.origin);
//   await zoetrope.ready();
//   const video = await zoetrope.generate({ prompt: 'a red ball bouncing' });
// It is also built on its own as /embed/zoetrope-client.js (vite/embed-plugin.ts).
// It talks only to the frame's window, posts only to the frame's exact origin,
// and accepts only messages from that window and origin.

import { PROTOCOL_VERSION, type EmbedMessage, type EmbedMessageOf, type GenerateRequest, type ProgressPhase, type RequestId } from './protocol';

export type { EmbedMessage, GenerateRequest, ProgressPhase, RequestId } from './protocol';
export { PROTOCOL_VERSION } from './protocol';

export type ZoetropeVideo = Omit<EmbedMessageOf<'result'>, 'zoetrope' | 'type' | 'id'>;
export type ZoetropeStatus = Omit<EmbedMessageOf<'status'>, 'zoetrope' | 'type' | 'id'>;
export type ZoetropeReady = Omit<EmbedMessageOf<'ready'>, 'zoetrope' | 'type' | 'id'>;

export interface ZoetropeProgress {
  phase: ProgressPhase;
  fraction: number;
}

export interface CallOptions {
  /** Aborting it sends `cancel`; the promise then rejects with an error named AbortError. */
  signal?: AbortSignal;
  onProgress?: (progress: ZoetropeProgress) => void;
}

/** A failure reported by the frame; `name` is the stable error name (AbortError, OptionsError, ProtocolError...). */
export class ZoetropeEmbedError extends Error {
  override readonly name: string;
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Pending {
  expect: 'result' | 'installed' | 'status';
  resolve: (message: EmbedMessage) => void;
  reject: (error: ZoetropeEmbedError) => void;
  onProgress?: ((progress: ZoetropeProgress) => void) | undefined;
}

let counter = 0;
const newId = (): string => `z${Date.now().toString(36)}-${++counter}`;

export class ZoetropeEmbed {
  /** The embed's origin: every message goes only there, and only its messages are read. */
  readonly origin: string;
  private readonly pending = new Map<RequestId, Pending>();
  private readonly readyWaiters: ((info: ZoetropeReady) => void)[] = [];
  private lastReady: ZoetropeReady | null = null;
  private readonly listener = (event: MessageEvent) => this.receive(event);

  /** Creates the iframe in `container` and returns its client. */
  static create(container: Element, src: string | URL, title = 'Zoetrope video generator'): ZoetropeEmbed {
    const frame = document.createElement('iframe');
    frame.src = String(src);
    frame.title = title;
    // Lets the frame use threads for WASM when this page is cross-origin isolated too.
    frame.allow = 'cross-origin-isolated';
    frame.style.border = '0';
    frame.style.width = '100%';
    frame.style.minHeight = '32rem';
    container.append(frame);
    return new ZoetropeEmbed(frame);
  }

  constructor(readonly frame: HTMLIFrameElement) {
    this.origin = new URL(frame.src, location.href).origin;
    window.addEventListener('message', this.listener);
  }

  /** Stops listening; requests still waiting reject. */
  dispose(): void {
    window.removeEventListener('message', this.listener);
    for (const p of this.pending.values()) p.reject(new ZoetropeEmbedError('AbortError', 'The client was disposed.'));
    this.pending.clear();
  }

  /**
   * Resolves once the frame has a model loaded. It asks for the status until
   * the frame answers (its page may still be loading: messages sent before it
   * listens are lost, so call this before anything else), then waits for
   * `ready`. Rejects with the frame's error when its model failed.
   */
  async ready(timeoutMs = 120_000): Promise<ZoetropeReady> {
    const deadline = Date.now() + timeoutMs;
    const pushed = new Promise<ZoetropeReady>((resolve) => this.readyWaiters.push(resolve));
    let status: ZoetropeStatus | null = null;
    while (status === null) {
      if (Date.now() > deadline) throw new ZoetropeEmbedError('TimeoutError', `The frame at ${this.origin} did not answer; check its "origins" parameter and its frame-ancestors header.`);
      status = await Promise.race([this.status(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 500))]);
    }
    if (status.state === 'ready') return { version: status.version, backend: status.backend, models: status.models };
    if (status.state === 'failed' && status.error) throw new ZoetropeEmbedError(status.error.name, status.error.message);
    if (this.lastReady) return this.lastReady;
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new ZoetropeEmbedError('TimeoutError', `The frame answered but its model was not ready in time (state: ${status.state}).`)), Math.max(0, deadline - Date.now())),
    );
    return Promise.race([pushed, timeout]);
  }

  async status(): Promise<ZoetropeStatus> {
    const { zoetrope: _v, type: _t, id: _i, ...status } = (await this.request({ type: 'getStatus' }, 'status')) as EmbedMessageOf<'status'>;
    return status;
  }

  async generate(request: GenerateRequest, options: CallOptions = {}): Promise<ZoetropeVideo> {
    const { zoetrope: _v, type: _t, id: _i, ...video } = (await this.request({ type: 'generate', ...request }, 'result', options)) as EmbedMessageOf<'result'>;
    return video;
  }

  /** Installs a pack into the frame's own storage and makes it the frame's model; resolves with its key (`id@version`). */
  async installModel(manifestUrl: string | URL, options: CallOptions = {}): Promise<string> {
    const absolute = new URL(String(manifestUrl), location.href).href;
    const reply = (await this.request({ type: 'installModel', manifestUrl: absolute }, 'installed', options)) as EmbedMessageOf<'installed'>;
    return reply.model;
  }

  /**
   * Installs a .zoepack the host page has (a File from an <input>, a Blob, or
   * an ArrayBuffer, which is transferred) into the frame's own storage, with
   * every shard checked, and makes it the frame's model; resolves with its key.
   * A truncated or altered file rejects with PackFileError and installs nothing.
   */
  async installPack(pack: Blob | ArrayBuffer, options: CallOptions & { name?: string } = {}): Promise<string> {
    const { name, ...call } = options;
    const body = { type: 'installPack', pack, ...(name !== undefined ? { name } : {}) };
    const reply = (await this.request(body, 'installed', call, pack instanceof ArrayBuffer ? [pack] : [])) as EmbedMessageOf<'installed'>;
    return reply.model;
  }

  private request(body: Record<string, unknown>, expect: Pending['expect'], options: CallOptions = {}, transfer: Transferable[] = []): Promise<EmbedMessage> {
    const id = newId();
    return new Promise<EmbedMessage>((resolve, reject) => {
      const { signal, onProgress } = options;
      if (signal?.aborted) {
        reject(new ZoetropeEmbedError('AbortError', 'The request was cancelled.'));
        return;
      }
      const onAbort = () => this.post({ type: 'cancel', id });
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        expect,
        onProgress,
        resolve: (m) => (done(), resolve(m)),
        reject: (e) => (done(), reject(e)),
      });
      this.post({ ...body, id }, transfer);
    });
  }

  private post(body: Record<string, unknown>, transfer: Transferable[] = []): void {
    this.frame.contentWindow?.postMessage({ zoetrope: PROTOCOL_VERSION, ...body }, { targetOrigin: this.origin, transfer });
  }

  private receive(event: MessageEvent): void {
    if (event.source !== this.frame.contentWindow || event.origin !== this.origin) return;
    const message = event.data as EmbedMessage;
    if (typeof message !== 'object' || message === null || message.zoetrope !== PROTOCOL_VERSION) return;
    if (message.type === 'ready') {
      const { zoetrope: _v, type: _t, id: _i, ...info } = message;
      this.lastReady = info;
      for (const resolve of this.readyWaiters.splice(0)) resolve(info);
      return;
    }
    if (message.id === null) {
      if (message.type === 'error') console.warn(`[zoetrope] the frame refused a message: ${message.name}: ${message.message}`);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === 'progress') {
      pending.onProgress?.({ phase: message.phase, fraction: message.fraction });
      return;
    }
    this.pending.delete(message.id);
    if (message.type === 'error') pending.reject(new ZoetropeEmbedError(message.name, message.message));
    else if (message.type === pending.expect) pending.resolve(message);
    else pending.reject(new ZoetropeEmbedError('ProtocolError', `expected a ${pending.expect} reply, got ${message.type}`));
  }
}
