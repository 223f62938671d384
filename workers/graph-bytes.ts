// Owns the order in which a pack's graph files come into memory while the
// engine makes its sessions: each graph's own files (the .onnx and its ONNX
// external data) are read, checked shard by shard (pack-source.ts), handed to
// onnxruntime, and dropped as soon as its session exists, before the next
// graph's files are read. So a pack is never assembled whole, and the JS
// copies at any moment are one graph's files at most.
//
// Why not one external-data file at a time: onnxruntime-web 1.30 mounts every
// `externalData` entry of a session (wasm-core-impl.ts createSession, Module
// mountExternalData) and unmounts them only in the `finally` after the
// session exists; its loader copies each tensor out of the mounted file when
// the C++ side asks for it. So during one session's creation all of that
// graph's external data is held in JS, and the split into <= 256 MiB files
// bounds each ArrayBuffer (a browser refuses one over about 2 GB), not the
// sum. On WASM the weights are copied into the 4 GB heap besides; on WebGPU
// they go from the JS copy to GPU buffers and the heap stays small
// (measured: `npm run test:large`, README "Large packs").

import type { FileEntry, PackManifest } from '../src/shared/manifest';
import type { GraphChoice } from '../src/shared/graph-variants';
import type { GraphBytes } from './ort-runtime';
import type { PackReader } from '../src/common/pack-source';

export interface ReadTally {
  /** Bytes read (and checked) so far, of `total`. */
  done: number;
  total: number;
  /** Milliseconds spent reading and checking. */
  ms: number;
}

/** The pack files of one graph: its .onnx, then its external data files in the manifest's order. */
export function graphEntries(manifest: PackManifest, graph: GraphChoice): FileEntry[] {
  return [graph.file, ...graph.externalData].map((path) => {
    const entry = manifest.files.find((f) => f.path === path);
    if (!entry) throw new Error(`the pack lists no file ${path}`); // validateManifest rules this out
    return entry;
  });
}

/**
 * Reads one graph's files and gives them to `use` (which makes the session);
 * the bytes are not referenced after `use` settles, so the garbage collector
 * may free them before the next graph is read.
 */
export async function withGraphBytes<T>(
  pack: PackReader,
  graph: GraphChoice,
  tally: ReadTally,
  onRead: (tally: ReadTally) => void,
  use: (bytes: GraphBytes) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const read = async (entry: FileEntry) => {
    const data = await pack.readFile(entry);
    tally.done += entry.size;
    onRead(tally);
    return data;
  };
  const [modelEntry, ...dataEntries] = graphEntries(pack.manifest, graph);
  let bytes: GraphBytes | null = { model: await read(modelEntry!), externalData: [] };
  for (const [i, entry] of dataEntries.entries()) bytes.externalData.push({ path: graph.externalData[i]!, data: await read(entry) });
  tally.ms += performance.now() - started;
  try {
    return await use(bytes);
  } finally {
    bytes = null;
  }
}
