// Deletes a test's or the bench's keys from a shared Redis: SCAN, not KEYS, which would block
// the server while it walks every key.
import { createClient } from 'redis';

/** Deletes the keys that match `pattern` (SCAN's MATCH) on `url`'s server; a server that does not answer is left as it is. */
export async function deleteKeys(url: string, pattern: string): Promise<void> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 1_000 }))
      if (keys.length > 0) await client.unlink(keys);
  } catch {
    // No server: whatever needed one has failed already, saying so.
  } finally {
    client.destroy();
  }
}
