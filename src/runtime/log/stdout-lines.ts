// Log lines to stdout, each whole. Lines wait together, for at most FLUSH_AFTER_MS, and leave
// in one write(2) of at most PIPE_BUF bytes: a pipe takes that much in one piece, so the
// processes of a dyno, which share its stdout, never split each other's lines
// (https://man7.org/linux/man-pages/man7/pipe.7.html, "PIPE_BUF"). One write for many lines
// rather than one a line: every write to a pipe costs a system call and, often, a wake-up of
// the process reading it; under load a worker fills a batch in well under a millisecond.
// Lines that can wait (the request line) are made there too, all at once, just before their
// batch leaves: a line made on its own, between two requests, ran code the requests had pushed
// out of the CPU's caches and cost several times what it costs made with its neighbours.

// Node's fs without `import ... from 'node:fs'`: docs/architecture.md, "Node's http and fs".
const { writeSync } = process.getBuiltinModule('node:fs');

/** POSIX promises at least 512; Linux gives 4096. */
export const PIPE_BUF = 4096;

/**
 * How long a line may wait for others to share its write. Under load a batch fills first (a
 * loaded worker ends about 20 requests a millisecond); a quiet process's line is out before anyone
 * could notice, and a process killed outright loses at most this much of its log.
 */
const FLUSH_AFTER_MS = 1;

/** At most this many lines wait to be made: past it they are made at once, timer or not. */
const MAX_WAITING = 64;

export interface LineSink {
  /** Takes one whole line, newline included. */
  write(line: string): void;
  /**
   * Takes a line to be made later, as `make(value)`: before its batch leaves, or before a
   * line written after it, so lines keep their order either way.
   */
  writeLater<T>(make: (value: T) => string, value: T): void;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (err) {
      const { code } = err as NodeJS.ErrnoException;
      // The reader went away (`npm start | grep x`, then Ctrl+C stops grep too; EIO: the terminal
      // was closed): the lines are lost either way, and the drain that is logging them must go
      // on rather than die.
      if (code === 'EPIPE' || code === 'EIO') return;
      if (code !== 'EAGAIN') throw err;
      // stdout may be a pipe another process made non-blocking (npm shares its stdout with
      // the scripts it runs): when it is full, wait for the reader rather than drop the line.
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

function lineSink(fd: number): LineSink {
  // Lines are encoded into this one buffer as they come, so a flush writes bytes already made:
  // no string of the turn's lines to join, measure and encode again.
  const batch = Buffer.allocUnsafe(PIPE_BUF);
  let used = 0;
  // Lines to be made, as two lists rather than one of pairs: nothing is allocated per line.
  const makers: ((value: never) => string)[] = [];
  const values: unknown[] = [];

  const send = () => {
    if (used === 0) return;
    const length = used;
    used = 0;
    writeAll(fd, batch.subarray(0, length));
  };
  const put = (line: string) => {
    const room = PIPE_BUF - used;
    // UTF-8 takes at most 3 bytes for a UTF-16 unit: most lines fit without being measured.
    if (line.length * 3 <= room || Buffer.byteLength(line) <= room) {
      used += batch.write(line, used);
    } else {
      // What came before it leaves first; then the line waits in the empty batch or, longer
      // than PIPE_BUF, leaves alone (no write could keep it whole anyway).
      send();
      if (Buffer.byteLength(line) > PIPE_BUF) writeAll(fd, Buffer.from(line));
      else used = batch.write(line);
    }
  };
  const makeWaiting = () => {
    for (let i = 0; i < makers.length; i += 1) put((makers[i] as (value: unknown) => string)(values[i]));
    makers.length = 0;
    values.length = 0;
  };
  const flush = () => {
    makeWaiting();
    send();
  };
  // One timer, re-armed, never made anew. Armed means a flush is due within FLUSH_AFTER_MS,
  // whether or not a full batch has left since: a line never waits longer than that.
  let armed = false;
  let timer: NodeJS.Timeout | undefined;
  const onTimer = () => {
    armed = false;
    flush();
  };
  const arm = () => {
    armed = true;
    if (timer) timer.refresh();
    else timer = setTimeout(onTimer, FLUSH_AFTER_MS).unref();
  };
  // The last lines of a process that exits (a drain's "exiting", a fatal error) still leave.
  process.on('exit', flush);

  return {
    write(line) {
      if (makers.length > 0) makeWaiting();
      put(line);
      if (!armed && used > 0) arm();
    },
    writeLater(make, value) {
      makers.push(make);
      values.push(value);
      if (makers.length >= MAX_WAITING) makeWaiting();
      if (!armed) arm();
    },
  };
}

let stdoutSink: LineSink | undefined;

/** The process's one sink for stdout. */
export function stdoutLines(): LineSink {
  stdoutSink ??= lineSink(1);
  return stdoutSink;
}
