// `npm start` with a .env, in a copy of the kit: the file is for development, and the real
// environment always wins over it.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { copyOfKit, type LogLine, outputLines, spawnGroup } from '../helpers/process.ts';

/** `npm start --silent` in a copy of the kit whose .env holds `dotenv`. */
async function startWith(t: TestContext, dotenv: string, env: Record<string, string>) {
  const copy = await copyOfKit(t);
  await writeFile(path.join(copy, '.env'), dotenv);
  // Its end, not its 'exit': a configuration error is its last line, and may still be in the pipe then.
  const { child, closed: exited } = spawnGroup(t, 'npm', ['start', '--silent'], {
    cwd: copy,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_FORMAT: 'json', ...env },
  });
  return { copy, child, exited, output: outputLines(child, exited) };
}

/** `npm start` in a kit whose .env holds `dotenv`; resolves with its boot line, or its error. */
async function bootWith(t: TestContext, dotenv: string, env: Record<string, string>) {
  const { child, exited, output } = await startWith(t, dotenv, env);
  const first = await output.waitForLine('the boot line or an error', (line) =>
    /"msg":"starting |^Configuration error/.test(line),
  );
  if (first.startsWith('Configuration error')) return { error: first, exit: await exited };
  process.kill(-(child.pid as number), 'SIGTERM');
  return { boot: JSON.parse(first) as LogLine, exit: await exited };
}

describe('.env', { concurrency: true }, () => {
  it('is honoured by npm start in development', async (t) => {
    const { boot } = await bootWith(t, 'WEB_CONCURRENCY=3\n', {});
    assert.equal(boot?.workers, 3);
    assert.equal(boot?.source, 'WEB_CONCURRENCY');
  });

  it('loses to a real environment variable', async (t) => {
    const { boot } = await bootWith(t, 'WEB_CONCURRENCY=3\n', { WEB_CONCURRENCY: '2' });
    assert.equal(boot?.workers, 2);
  });

  it('is never read in production', async (t) => {
    const { boot } = await bootWith(t, 'WEB_CONCURRENCY=3\nDEMO_SURFACE=on\n', { NODE_ENV: 'production' });
    assert.notEqual(boot?.source, 'WEB_CONCURRENCY', 'the count came from the machine, not the file');
    assert.ok(Array.isArray(boot?.off) && boot.off.length === 2, 'DEMO_SURFACE=on in the file changed nothing');
  });

  it('is not read under NODE_ENV=test: a test run gets the environment it gives, whatever .env holds', async (t) => {
    const { boot } = await bootWith(t, 'WEB_CONCURRENCY=3\n', { NODE_ENV: 'test' });
    assert.notEqual(boot?.source, 'WEB_CONCURRENCY', 'the count came from the machine, not the file');
  });

  it("is read once, by the primary: a rolling reload's workers run with what it checked at boot", async (t) => {
    const { copy, child, exited, output } = await startWith(t, 'WEB_CONCURRENCY=2\n', {});
    const ready = await output.waitForLine('cluster ready', (line) => line.includes('"msg":"cluster ready"'));
    // An edit a worker would refuse, were it to read the file: its replacement would fail.
    await writeFile(path.join(copy, '.env'), 'WEB_CONCURRENCY=2\nLOG_LEVEL=verbose\n');
    // To the primary: npm, in front of it, forwards only SIGINT and SIGTERM.
    process.kill((JSON.parse(ready) as LogLine).pid as number, 'SIGHUP');
    const end = await output.waitForLine('the reload ends', (line) =>
      /"msg":"rolling reload (finished|stopped)/.test(line),
    );
    assert.match(end, /rolling reload finished/);
    process.kill(-(child.pid as number), 'SIGTERM');
    assert.equal((await exited).code, 0);
  });

  it('with a bad value stops the boot with the same one line, saying it came from .env', async (t) => {
    const { error, exit } = await bootWith(t, 'WEB_CONCURRENCY=lots\n', {});
    assert.equal(
      error,
      'Configuration error: WEB_CONCURRENCY="lots" is not valid: expected a whole number from 1 to 128 (set in .env)',
    );
    assert.equal(exit.code, 1);
  });
});
