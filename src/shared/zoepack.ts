// Owns the .zoepack file format, shared by the browser and the Node CLI (no
// DOM, no Node APIs). A .zoepack is a plain ZIP written by fflate with every
// entry stored (model weights barely compress): `manifest.json` first, then
// `shards/<sha256>` for each distinct shard. Reading goes through the ZIP's
// central directory with random access (File.slice, a file handle), never by
// scanning the stream for signatures, which stored binary data could contain;
// so a reader holds one shard at a time. No ZIP64 (fflate writes none): a pack
// must stay under 4 GiB; the writer refuses a bigger one and the reader says
// so plainly when handed a ZIP64 file, instead of misreading its offsets.

import { ZoetropeError } from './errors';

export const ZOEPACK_MANIFEST = 'manifest.json';
export const zoepackShardName = (sha256: string) => `shards/${sha256}`;

/** Reads bytes [start, end) of the file. */
export type ReadAt = (start: number, end: number) => Promise<Uint8Array>;

export interface ZipEntry {
  name: string;
  /** Bytes of the stored data. */
  size: number;
  /** Offset of the entry's local header. */
  headerOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
/** The value ZIP writes in a 16- or 32-bit field whose real value sits in a ZIP64 record. */
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function packFileError(reason: string, message: string): ZoetropeError {
  return new ZoetropeError('PackFileError', message, { reason });
}

const u16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

/** Lists the entries of a .zoepack of `size` bytes; PackFileError when it is cut short or not a ZIP. */
export async function readZoepackDirectory(readAt: ReadAt, size: number): Promise<Map<string, ZipEntry>> {
  if (size < 22) throw packFileError('truncated', 'The file is too short to be a .zoepack.');
  const tailStart = Math.max(0, size - 22 - 65535);
  const tail = await readAt(tailStart, size);
  let eocd = -1;
  for (let i = tail.byteLength - 22; i >= 0; i--) {
    if (u32(tail, i) === EOCD) {
      eocd = i;
      break;
    }
  }
  // The directory sits at the end: a copy cut short has lost it.
  if (eocd < 0) throw packFileError('truncated', 'The file ends before its table of contents: it was cut short, or it is not a .zoepack.');
  const count = u16(tail, eocd + 10);
  const dirSize = u32(tail, eocd + 12);
  const dirOffset = u32(tail, eocd + 16);
  // Read as plain ZIP, a ZIP64 file's offsets would point at the wrong bytes.
  if ((eocd >= 20 && u32(tail, eocd - 20) === ZIP64_LOCATOR) || count === U16_MAX || dirSize === U32_MAX || dirOffset === U32_MAX) throw zip64Error();
  if (dirOffset + dirSize > tailStart + eocd) throw packFileError('truncated', 'The table of contents of the file points past its end.');
  const dir = await readAt(dirOffset, dirOffset + dirSize);
  const entries = new Map<string, ZipEntry>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > dir.byteLength || u32(dir, at) !== CENTRAL) throw packFileError('damaged', 'The table of contents of the file is damaged.');
    const method = u16(dir, at + 10);
    const stored = u32(dir, at + 20);
    const nameLength = u16(dir, at + 28);
    const extraLength = u16(dir, at + 30);
    const commentLength = u16(dir, at + 32);
    const headerOffset = u32(dir, at + 42);
    const name = new TextDecoder().decode(dir.subarray(at + 46, at + 46 + nameLength));
    if (stored === U32_MAX || headerOffset === U32_MAX) throw zip64Error();
    if (method !== 0) throw packFileError('damaged', `${name} in the file is compressed; a .zoepack stores its files as they are.`);
    if (headerOffset + 30 + stored > dirOffset) throw packFileError('truncated', `${name} runs past the end of the data in the file.`);
    entries.set(name, { name, size: stored, headerOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

const zip64Error = () =>
  packFileError('too-large', 'The file is a ZIP64 archive (larger than 4 GiB, or made by another zip tool); a .zoepack is a plain ZIP under 4 GiB, so it cannot be read.');

/** The stored bytes of one entry. */
export async function readZoepackEntry(readAt: ReadAt, entry: ZipEntry): Promise<Uint8Array> {
  const header = await readAt(entry.headerOffset, entry.headerOffset + 30);
  if (header.byteLength < 30 || u32(header, 0) !== LOCAL) throw packFileError('damaged', `The file is damaged where ${entry.name} begins.`);
  const start = entry.headerOffset + 30 + u16(header, 26) + u16(header, 28);
  const bytes = await readAt(start, start + entry.size);
  if (bytes.byteLength !== entry.size) throw packFileError('truncated', `${entry.name} is cut short in the file.`);
  return bytes;
}
