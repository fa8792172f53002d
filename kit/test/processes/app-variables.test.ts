// The app's own variables, declared in src/app/variables.ts of a copy of the kit: parsed once by
// the first process, before any worker starts, and handed to every worker's createApp typed.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { request } from '../helpers/http.ts';
import { copyOfKit, outputLines, spawnGroup } from '../helpers/process.ts';

const DECLARATION = `  PAGE_SIZE: { type: 'integer', min: 1, max: 100, default: 20, description: 'Notes per page.' },
  MODE: { type: 'enum', values: ['fast', 'safe'], required: true, description: 'How to run.' },
`;

/** A copy whose app declares PAGE_SIZE and MODE, and answers GET /vars with what it was handed. */
async function kitWithVariables(t: TestContext, dotenv: string): Promise<string> {
  const copy = await copyOfKit(t);
  const variables = path.join(copy, 'src', 'app', 'variables.ts');
  await writeFile(
    variables,
    (await readFile(variables, 'utf8')).replace(
      'export const variables = {\n',
      `export const variables = {\n${DECLARATION}`,
    ),
  );
  const app = path.join(copy, 'src', 'app', 'app.ts');
  await writeFile(
    app,
    (await readFile(app, 'utf8')).replace(
      '  app.use(notFound);',
      "  app.get('/vars', (_req, res) => { res.json({ ...ctx.config.vars, pid: process.pid }); });\n  app.use(notFound);",
    ),
  );
  await writeFile(path.join(copy, '.env'), dotenv);
  return copy;
}

function start(t: TestContext, cwd: string, env: Record<string, string> = {}) {
  const { child, exited } = spawnGroup(t, process.execPath, ['start.ts'], {
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
