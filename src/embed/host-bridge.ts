// Owns the frame's side of the postMessage protocol: it accepts messages only
// from host windows on allowed origins, answers malformed ones with an error
// reply, hands requests to the EmbedSession's queue, and posts every reply to
// the requesting window with that host's exact origin as targetOrigin (never
// `*`, so a reply can never reach a page that has navigated elsewhere).

import { toZoetropeError, ZoetropeError } from '../shared/errors';
import type { EmbedSession, FinishedVideo, JobProgress } from './embed-session.svelte';
import { isAllowed, type AllowList } from './origins';
import { isProtocolProblem, parseHostMessage, PROTOCOL_VERSION, type EmbedMessage, type EmbedMessageOf, type RequestId, type StatusFields } from './protocol';

/** Posts one message to one window; refuses the wildcard so no caller can slip it in. */
export function postToHost(target: MessageEventSource, origin: string, message: EmbedMessage, transfer: Transferable[] = []): void {
  if (origin === '*' || origin === 'null' || origin === '') throw new Error(`refusing to post to the origin ${JSON.stringify(origin)}`);
  (target as Window).postMessage(message, { targetOrigin: origin, transfer });
}

/** Queue keys name the host's origin, so one host can neither cancel nor collide with another's requests. */
const hostKey = (origin: string, id: RequestId): string => `host ${origin} ${typeof id}:${String(id)}`;

export class HostBridge {
  /** Host windows that have talked to us (or framed us), with the origin each had: they are told when a model becomes ready. */
  private readonly hosts = new Map<MessageEventSource, string>();
  private readonly ids = new Map<string, RequestId>();
  private readonly warned = new Set<string>();
  /** Messages dropped because their origin is not allowed (shown in the frame for the deployer). */
  ignored = 0;
  onignored: (origin: string) => void = () => {};

  constructor(
    private readonly session: EmbedSession,
    private readonly allow: AllowList,
    private readonly version: string,
  ) {}

  attach(): () => void {
    const listener = (event: MessageEvent) => this.receive(event);
    window.addEventListener('message', listener);
    // Chromium and Safari tell a frame who framed it; elsewhere the host's first message does.
    const parentOrigin = location.ancestorOrigins?.[0];
    if (window.parent !== window && parentOrigin && isAllowed(parentOrigin, this.allow)) this.hosts.set(window.parent, parentOrigin);
    this.session.onready = () => this.announceReady();
    return () => window.removeEventListener('message', listener);
  }

  private receive(event: MessageEvent): void {
    const source = event.source;
    if (!source || source === window) return; // Only other windows are hosts.
    if (!isAllowed(event.origin, this.allow)) {
      this.ignored++;
      if (!this.warned.has(event.origin)) {
        this.warned.add(event.origin);
        console.warn(`[zoetrope:embed] ignored a message from ${event.origin}: not one of the allowed origins (see the "origins" URL parameter).`);
      }
      this.onignored(event.origin);
      return;
    }
    const origin = event.origin;
    const reply = (message: EmbedMessage, transfer: Transferable[] = []) => postToHost(source, origin, message, transfer);
    const message = parseHostMessage(event.data);
    if (isProtocolProblem(message)) {
      reply({ zoetrope: PROTOCOL_VERSION, type: 'error', id: message.id, name: 'ProtocolError', message: message.problem });
      return;
    }
    this.hosts.set(source, origin);
    const { id } = message;
    const key = hostKey(origin, id);
    const fail = (e: unknown) => {
      const error = toZoetropeError(e);
      reply({ zoetrope: PROTOCOL_VERSION, type: 'error', id, name: error.name, message: error.message });
    };
    const progress = (p: JobProgress) => reply({ zoetrope: PROTOCOL_VERSION, type: 'progress', id, phase: p.phase, fraction: p.fraction });
    const settle = <T>(work: Promise<T>, done: (value: T) => void) => {
      this.ids.set(key, id);
      work.then(done, fail).finally(() => this.ids.delete(key));
    };
    switch (message.type) {
      case 'getStatus':
        reply(this.status(id, origin));
        return;
      case 'cancel':
        // The cancelled request answers for itself, with an AbortError reply under its own id.
        if (!this.session.queue.cancel(key)) fail(new ZoetropeError('ProtocolError', `id: no queued or running request has the id ${JSON.stringify(id)}.`, { field: 'id' }));
        return;
      case 'generate': {
        const { prompt, seed, steps, guidance, frames } = message;
        settle(this.session.generate(key, { prompt, seed, steps, guidance, frames }, progress), (video) => {
          const result = resultMessage(id, video);
          reply(result, [result.mp4]);
        });
        return;
      }
      case 'installModel':
        settle(this.session.installModel(key, message.manifestUrl, progress), (model) =>
          reply({ zoetrope: PROTOCOL_VERSION, type: 'installed', id, model }),
        );
        return;
      case 'installPack': {
        const pack = message.pack instanceof Blob ? message.pack : new Blob([message.pack]);
        settle(this.session.installPackFile(key, pack, message.name, progress), (model) =>
          reply({ zoetrope: PROTOCOL_VERSION, type: 'installed', id, model }),
        );
        return;
      }
    }
  }

  private fields(): StatusFields {
    return { version: this.version, backend: this.session.loaded?.backend ?? null, models: [...this.session.models] };
  }

  private status(id: RequestId, origin: string): EmbedMessage {
    const running = this.session.queue.running;
    // Another host's request id is not this host's business.
    const ownRunning = running !== null && running.startsWith(`host ${origin} `) ? (this.ids.get(running) ?? null) : null;
    return {
      zoetrope: PROTOCOL_VERSION,
      type: 'status',
      id,
      state: this.session.state,
      model: this.session.modelKey,
      queued: this.session.queue.queued,
      running: ownRunning,
      error: this.session.error ? { name: this.session.error.name, message: this.session.error.message } : null,
      ...this.fields(),
    };
  }

  private announceReady(): void {
    for (const [source, origin] of this.hosts) postToHost(source, origin, { zoetrope: PROTOCOL_VERSION, type: 'ready', id: null, ...this.fields() });
  }
}

function resultMessage(id: RequestId, video: FinishedVideo): EmbedMessageOf<'result'> {
  const { result } = video;
  // A copy is transferred: the frame's own player keeps the original.
  const mp4 = result.mp4.slice().buffer;
  return {
    zoetrope: PROTOCOL_VERSION,
    type: 'result',
    id,
    mp4,
    mimeType: result.mimeType,
    width: result.width,
    height: result.height,
    frames: result.frames,
    fps: result.fps,
    seed: result.options.seed,
    model: video.model,
    backend: result.backend,
  };
}
