// Owns reading a Zoetrope MP4 back for remix: mediabunny reads the file's
// metadata tags and provenance.ts validates the record inside them.

import { ALL_FORMATS, BlobSource, Input } from 'mediabunny';
import { ZoetropeError } from '../shared/errors';
import { parseProvenance, type Provenance } from '../shared/provenance';

export async function readProvenance(file: Blob): Promise<Provenance> {
  const input = new Input({ source: new BlobSource(file), formats: ALL_FORMATS });
  try {
    let tags;
    try {
      tags = await input.getMetadataTags();
    } catch (e) {
      throw new ZoetropeError('NotZoetropeVideoError', `The file could not be read as a video: ${e instanceof Error ? e.message : String(e)}`, { field: 'file' });
    }
    return parseProvenance(tags);
  } finally {
    input.dispose();
  }
}
