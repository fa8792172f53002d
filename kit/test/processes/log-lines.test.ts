// The promise a log reader relies on: every line arrives whole and in order, though several
// processes write to one stdout and each sends a turn's lines in one write; and the lines a
// process logs just before it exits are not lost.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/process.ts';

const FIXTURE = path.join(ROOT, 'kit', 'test', 'fixtures', 'log-writers.ts');

async function run(args: string[]) {
  const child = spawn(process.execPath, [FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  // 'close', not 'exit': the pipe closes once every process holding it, children too, is gone.
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, lines: text.split('\n').slice(0, -1) };
}

describe('log lines on a shared stdout', () => {
  it('arrive whole and in order from each of several processes', async () => {
    const { lines } = await run(['3', '3000']);
    const next = new Map<string, number>();
    for (const text of lines) {
      const { writer, i, pad } = JSON.parse(text) as { writer: string; i: number; pad: string };
      assert.equal(i, next.get(writer) ?? 0, `${writer}'s lines out of order or missing`);
      assert.ok(new Set(pad).size <= 1, `${writer}'s line ${i} garbled: ${pad.slice(0, 40)}`);
      next.set(writer, i + 1);
    }
    assert.deepEqual(Object.fromEntries(next), { w0: 3000, w1: 3000, w2: 3000 });
  });

  it('made just before process.exit() still arrive', async () => {
    const { code, lines } = await run(['exit', '500']);
    assert.equal(code, 3);
    assert.equal(lines.length, 500);
    assert.deepEqual(
      lines.map((text) => (JSON.parse(text) as { i: number }).i),
      Array.from({ length: 500 }, (_, i) => i),
    );
  });
});
