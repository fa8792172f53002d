// HTTP/1.1 on a bare socket, for what node:http's client hides: a connection reused after a
// long idle, bytes written at a client's own pace, and the moment the server hangs up.
import { once } from 'node:events';
import net from 'node:net';
import type { TestContext } from 'node:test';

export interface RawReply {
  readonly status: number;
  /** Names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface HangUp {
  /** `end`: the server closed cleanly (FIN); `reset`: it reset the connection (RST). */
  readonly how: 'end' | 'reset';
  /** `performance.now()` when it happened. */
  readonly at: number;
}

export interface RawClient {
  write(text: string): void;
  /** The next whole response on this connection; rejects if the server hangs up first. */
  nextReply(): Promise<RawReply>;
  /** Every byte the server has sent so far, as text. */
  received(): string;
  /** Settles when the server hangs up; never, while the connection stays open. */
  readonly hungUp: Promise<HangUp>;
}

/** A connection to 127.0.0.1:port, destroyed when the test ends. */
export async function connectRaw(t: TestContext, port: number): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let received = '';
  let parsed = 0;
  let closed = false;
  const waiting: { resolve: (reply: RawReply) => void; reject: (err: Error) => void }[] = [];
  const failWaiting = () => {
    for (const waiter of waiting.splice(0)) waiter.reject(new Error(`the server hung up first; got ${received}`));
  };

  const hungUp = new Promise<HangUp>((resolve) => {
    socket.once('end', () => resolve({ how: 'end', at: performance.now() }));
    // A write racing the server's close also lands here (EPIPE): it is the same hang-up.
    socket.on('error', () => resolve({ how: 'reset', at: performance.now() }));
  });
  const deliver = () => {
    while (waiting.length > 0) {
      const reply = parseReply(received, parsed);
      if (!reply) return;
      parsed = reply.end;
      waiting.shift()?.resolve(reply.reply);
    }
  };
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    received += chunk;
    deliver();
  });
  // After the last 'data': whatever the server sent before hanging up has been delivered.
  socket.once('close', () => {
    closed = true;
    failWaiting();
  });
  await once(socket, 'connect');

  return {
    write: (text) => void socket.write(text),
    nextReply() {
      const reply = new Promise<RawReply>((resolve, reject) => waiting.push({ resolve, reject }));
      deliver();
      if (closed) failWaiting();
      return reply;
    },
    received: () => received,
    hungUp,
  };
}

/** One response framed by Content-Length (all this server sends to these tests), or none yet. */
function parseReply(text: string, from: number): { reply: RawReply; end: number } | undefined {
  const headEnd = text.indexOf('\r\n\r\n', from);
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...lines] = text.slice(from, headEnd).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const end = headEnd + 4 + Number(headers['content-length'] ?? 0);
  if (text.length < end) return undefined;
  return { reply: { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(headEnd + 4, end) }, end };
}

/** The seconds a response's `Keep-Alive: timeout=` hint advertises, if it has one. */
export function advertisedKeepAliveS(headers: Readonly<Record<string, unknown>>): number | undefined {
  const match = /timeout=(\d+)/.exec(String(headers['keep-alive'] ?? ''));
  return match ? Number(match[1]) : undefined;
}
