// Log lines to stdout, each whole. The lines one turn of the event loop makes leave in one
// write(2) of at most PIPE_BUF bytes when the turn ends: a pipe takes that much in one piece,
// so the processes of a dyno, which share its stdout, never split each other's lines
// (https://man7.org/linux/man-pages/man7/pipe.7.html, "PIPE_BUF"). One write a turn rather
// than one a line: under load a worker ends several requests in a turn, and every write to a
// pipe costs a system call and, often, a wake-up of the process reading it.
import { writeSync } from 'node:fs';

/** POSIX promises at least 512; Linux gives 4096. */
export const PIPE_BUF = 4096;

export interface LineSink {
  /** Takes one whole line, newline included. */
  write(line: string): void;
  /** Writes what is pending, now. */
  flush(): void;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (err) {
      const { code } = err as NodeJS.ErrnoException;
      // The reader went away (`npm start | grep x`, then Ctrl+C stops grep too): the lines are
      // lost either way, and the drain that is logging them must go on rather than die.
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') throw err;
      // stdout may be a pipe another process made non-blocking (npm shares its stdout with
      // the scripts it runs): when it is full, wait for the reader rather than drop the line.
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

function lineSink(fd: number): LineSink {
  let pending = '';
  let pendingBytes = 0;
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    if (pendingBytes === 0) return;
    const text = pending;
    pending = '';
    pendingBytes = 0;
    writeAll(fd, text);
  };
  // The last lines of a process that exits (a drain's "exiting", a fatal error) still leave.
  process.on('exit', flush);

  return {
    write(line) {
      const bytes = Buffer.byteLength(line);
      // A line longer than PIPE_BUF leaves alone: no write could keep it whole anyway.
      if (pendingBytes + bytes > PIPE_BUF) flush();
      pending += line;
      pendingBytes += bytes;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

let stdoutSink: LineSink | undefined;

/** The process's one sink for stdout. */
export function stdoutLines(): LineSink {
  stdoutSink ??= lineSink(1);
  return stdoutSink;
}
