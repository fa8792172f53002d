// Tests src/app/variables.ts: the docs list every variable you declare (`npm run docs` writes them).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { variables } from '../src/app/variables.ts';
import { APP_SECTION, renderAppVariablesEnv, renderAppVariablesTable } from '../src/runtime/testing.ts';

const read = (file: string) => readFile(new URL(`../${file}`, import.meta.url), 'utf8');
const section = ([start, end]: readonly [string, string], body: string) => `${start}\n${body}\n${end}`;

test('docs/configuration.md and .env.example list your variables: run npm run docs after a change', async () => {
  assert.ok(
    (await read('docs/configuration.md')).includes(section(APP_SECTION.markdown, renderAppVariablesTable(variables))),
    'docs/configuration.md does not list src/app/variables.ts as it is now: run npm run docs',
  );
  assert.ok(
    (await read('.env.example')).includes(section(APP_SECTION.env, renderAppVariablesEnv(variables))),
    '.env.example does not list src/app/variables.ts as it is now: run npm run docs',
  );
});
