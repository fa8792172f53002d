// A Server-Sent Events client as a browser's EventSource reads a stream, without reconnecting:
// a test sees each stream's frames, and when it ends.
import http from 'node:http';
import type { TestContext } from 'node:test';

export interface SseFrame {
  readonly event: string;
  readonly id?: string;
  readonly data: unknown;
}

export interface SseStream {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly frames: SseFrame[];
  /** The first frame, seen or to come, that matches; rejects if the stream ends first. */
  waitFor(what: string, match: (frame: SseFrame) => boolean): Promise<SseFrame>;
  /** Resolves when the server ends the stream or the connection drops. */
  readonly ended: Promise<void>;
  close(): void;
}

export function openStream(t: TestContext, url: string, headers: http.OutgoingHttpHeaders = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      const frames: SseFrame[] = [];
      const waiters = new Set<{ match: (f: SseFrame) => boolean; resolve: (f: SseFrame) => void }>();
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
          }
          const data = fields.get('data');
          if (data === undefined) continue;
          const id = fields.get('id');
          const frame: SseFrame = {
            event: fields.get('event') ?? 'message',
            ...(id ? { id } : {}),
            data: JSON.parse(data),
          };
          frames.push(frame);
          for (const waiter of waiters) {
            if (!waiter.match(frame)) continue;
            waiters.delete(waiter);
            waiter.resolve(frame);
          }
        }
      });
      const ended = new Promise<void>((done) => {
        res.on('close', done);
        res.on('error', () => done());
      });
      t.after(() => req.destroy());
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        frames,
        ended,
        waitFor(what, match) {
          const seen = frames.find(match);
          if (seen) return Promise.resolve(seen);
          return new Promise((found, failed) => {
            waiters.add({ match, resolve: found });
            void ended.then(() =>
              setImmediate(() => {
                const late = frames.find(match);
                if (late) found(late);
                else failed(new Error(`the stream ended before ${what}; it sent:\n${JSON.stringify(frames, null, 1)}`));
              }),
            );
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

/** The lifecycle events a stream has sent, as the primary recorded them. */
export const lifecycle = (stream: SseStream) =>
  stream.frames
    .filter((f) => f.event === 'lifecycle')
    .map((f) => f.data as { seq: number; kind: string; worker?: number; details?: Record<string, unknown> });

export const isEvent =
  (kind: string, fields: Record<string, unknown> = {}) =>
  (frame: SseFrame) =>
    frame.event === 'lifecycle' &&
    (frame.data as { kind: string }).kind === kind &&
    Object.entries(fields).every(([key, value]) => (frame.data as Record<string, unknown>)[key] === value);
