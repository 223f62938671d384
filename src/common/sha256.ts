// Owns hashing: SHA-256 through Web Crypto (present in pages and workers on
// secure origins such as http://127.0.0.1), as lowercase hex.
// Runs in both threads (src/common/): the page's and the workers'; it imports only src/shared.

export async function sha256Hex(bytes: Uint8Array | ArrayBuffer): Promise<string> {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  // digest() wants a plain ArrayBuffer-backed view.
  const digest = await crypto.subtle.digest('SHA-256', view as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
