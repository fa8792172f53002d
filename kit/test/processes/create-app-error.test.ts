// A createApp that throws (an app's own check of its configuration, a bug): every worker fails
// alike, and the crash loop that ends the dyno says why, once, rather than "exit code 1".
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { byMsg, copyOfKit, startDyno } from '../helpers/process.ts';

it('a createApp that throws ends the dyno with a crash loop naming the error', async (t) => {
  const copy = await copyOfKit(t);
  const app = path.join(copy, 'src', 'app', 'app.ts');
  const source = await readFile(app, 'utf8');
  await writeFile(
    app,
    source.replace('  const app = express();', "  throw new Error('NOTES_KEY must be set');\n  const app = express();"),
  );
  const dyno = startDyno(t, { WEB_CONCURRENCY: '2' }, path.join(copy, 'start.ts'));
  const loop = await dyno.waitFor('the crash loop', (l) => /^crash loop/.test(l.msg));
  assert.match(JSON.stringify(loop), /createApp threw: NOTES_KEY must be set/);
  assert.equal((await dyno.exited).code, 1);
  assert.ok(dyno.logs.some(byMsg('createApp failed')), 'each worker logs the error, with its stack');
});
