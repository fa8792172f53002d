// What `npm run docs` writes for the app's variables (src/runtime/docs.ts): .env.example's
// section laid out as the kit's own blocks are, and a second run changing nothing.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { APP_SECTION, renderAppVariablesEnv, writeBetween } from '../../../src/runtime/docs.ts';
import type { VariableSpecs } from '../../../src/runtime/variables.ts';

const [START, END] = APP_SECTION.env;

async function envExample(specs: VariableSpecs): Promise<{ text: string; again: string }> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'env-example-')), '.env.example');
  await writeFile(file, `# PORT=3000\n\n${START}\n\n${END}\n`);
  assert.ok(writeBetween(file, APP_SECTION.env, renderAppVariablesEnv(specs)));
  const text = await readFile(file, 'utf8');
  writeBetween(file, APP_SECTION.env, renderAppVariablesEnv(specs));
  return { text, again: await readFile(file, 'utf8') };
}

it('lists each variable as a block of its own, a blank line around each, and writes the same twice', async () => {
  const { text, again } = await envExample({
    NOTES_PAGE_SIZE: { type: 'integer', min: 1, max: 100, default: 20, description: 'Notes per page.' },
    SEARCH_KEY: { type: 'string', description: 'The search service key.' },
  });
  assert.equal(
    text,
    [
      '# PORT=3000',
      '',
      START,
      '',
      '# Notes per page.',
      '# a whole number from 1 to 100; default: 20.',
      '# NOTES_PAGE_SIZE=20',
      '',
      '# The search service key.',
      '# any text; default: unset.',
      '# SEARCH_KEY=',
      '',
      END,
      '',
    ].join('\n'),
  );
  assert.equal(again, text);
});

it('keeps one blank line between the markers when there are none', async () => {
  const { text, again } = await envExample({});
  assert.equal(text, `# PORT=3000\n\n${START}\n\n${END}\n`);
  assert.equal(again, text);
});
