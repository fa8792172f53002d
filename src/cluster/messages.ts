// The IPC protocol between the primary and its workers, typed at both ends.

export type WorkerMessage =
  /** Sent once the worker's server listens: a worker counts as up from here, not from fork. */
  | { readonly type: 'ready'; readonly port: number }
  /** Sent before a worker exits because it could not start, so a crash loop can name its cause. */
  | { readonly type: 'failed'; readonly reason: string }
  /** Sent every few seconds: what the memory budget and the status view read. */
  | { readonly type: 'stats'; readonly rss: number; readonly heapUsed: number };

export type PrimaryMessage = { readonly type: 'drain' };

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

export function isPrimaryMessage(value: unknown): value is PrimaryMessage {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'drain';
}
