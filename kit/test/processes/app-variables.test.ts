// The app's own variables, declared in src/app/variables.ts of a copy of the kit: parsed once by
// the first process, before any worker starts, and handed to every worker's createApp typed.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { request } from '../helpers/http.ts';
import { copyOfKit, outputLines, spawnGroup } from '../helpers/process.ts';

// The copy's app is the test's own, whatever the user's src/app/ holds: its variables, and a
// createApp that answers GET /vars with what it was handed.
const VARIABLES = `export const variables = {
  PAGE_SIZE: { type: 'integer', min: 1, max: 100, default: 20, description: 'Notes per page.' },
  MODE: { type: 'enum', values: ['fast', 'safe'], required: true, description: 'How to run.' },
} as const;
`;
const APP = `import express from 'express';
export function createApp(ctx) {
  const app = express();
  ctx.http.install(app);
  app.get('/vars', (_req, res) => { res.json({ ...ctx.config.vars, pid: process.pid }); });
  return app;
}
`;

/** A copy whose app declares PAGE_SIZE and MODE, and answers GET /vars with what it was handed. */
async function kitWithVariables(t: TestContext, dotenv: string): Promise<string> {
  const copy = await copyOfKit(t);
  await writeFile(path.join(copy, 'src', 'app', 'variables.ts'), VARIABLES);
  await writeFile(path.join(copy, 'src', 'app', 'app.ts'), APP);
  await writeFile(path.join(copy, '.env'), dotenv);
  return copy;
}

function start(t: TestContext, cwd: string, env: Record<string, string> = {}) {
  // Its end, not its 'exit': a configuration error is its last line, and may still be in the pipe then.
  const { child, closed: exited } = spawnGroup(t, process.execPath, ['start.ts'], {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      LOG_FORMAT: 'json',
      WEB_CONCURRENCY: '2',
      ...env,
    },
  });
  return { child, exited, output: outputLines(child, exited) };
}

describe("the app's variables", { concurrency: true }, () => {
  it('reach every worker typed: defaults filled, numbers as numbers', async (t) => {
    const dyno = start(t, await kitWithVariables(t, 'MODE=safe\n'), { PAGE_SIZE: ' 42 ' });
    const ready = await dyno.output.waitForLine('cluster ready', (line) => line.includes('"msg":"cluster ready"'));
    const { port } = JSON.parse(ready) as { port: number };
    const seen = new Map<number, unknown>();
    while (seen.size < 2) {
      const { pid, ...vars } = (await request(`http://127.0.0.1:${port}/vars`)).json() as {
        pid: number;
      };
      seen.set(pid, vars);
    }
    for (const vars of seen.values()) assert.deepEqual(vars, { PAGE_SIZE: 42, MODE: 'safe' });
    process.kill(-(dyno.child.pid as number), 'SIGTERM');
    assert.equal((await dyno.exited).code, 0);
  });

  it('with a bad value in .env stop the boot once, before any worker, in one line', async (t) => {
    const dyno = start(t, await kitWithVariables(t, 'MODE=safe\nPAGE_SIZE=500\n'));
    await dyno.output.waitForLine('the error', (line) => line.startsWith('Configuration error'));
    const exit = await dyno.exited;
    assert.equal(exit.code, 1);
    assert.deepEqual(dyno.output.lines, [
      'Configuration error: PAGE_SIZE="500" is not valid: expected a whole number from 1 to 100 (set in .env)',
    ]);
  });

  it('when required and unset stop the boot, naming what is allowed', async (t) => {
    const dyno = start(t, await kitWithVariables(t, ''));
    await dyno.output.waitForLine('the error', (line) => line.startsWith('Configuration error'));
    assert.equal((await dyno.exited).code, 1);
    assert.deepEqual(dyno.output.lines, [
      'Configuration error: MODE is not set: expected one of fast, safe (required, no default)',
    ]);
  });
});
