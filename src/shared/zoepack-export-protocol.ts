// Owns the messages between the page (src/lib/zoepack-export.ts) and the
// .zoepack export worker (workers/zoepack-export.worker.ts): the job the
// page posts and the replies the worker posts back. Types only, so neither
// side imports the other.

import type { PackManifest } from './manifest';

export interface ExportJob {
  manifest: PackManifest;
  /** The OPFS folder and file name to write. */
  dir: string;
  name: string;
}

export type ExportReply =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'done'; bytes: number }
  /** This browser has no sync access handles: the page falls back to Blob parts. */
  | { kind: 'unsupported' }
  | { kind: 'error'; name: string; message: string; details: Record<string, unknown> };
