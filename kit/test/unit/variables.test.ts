// The app's variables: every type parsed by the kit's rules, one line for a bad value, never
// an echoed URL or secret, and the docs rendered from the same declarations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderAppVariablesTable } from '../../../src/runtime/docs.ts';
import { parseVariables, type VariableSpecs } from '../../../src/runtime/variables.ts';

const specs = {
  PAGE_SIZE: { type: 'integer', min: 1, max: 100, default: 20, description: 'Notes per page.' },
  RATIO: { type: 'number', min: 0, max: 1, description: 'A share.' },
  GREETING: { type: 'string', default: 'hello', pattern: /^[a-z]+$/, description: 'Lower-case word.' },
  MODE: { type: 'enum', values: ['fast', 'safe'], default: 'safe', description: 'How to run.' },
  CACHE_URL: { type: 'url', protocols: ['redis', 'rediss'], description: 'A cache.' },
  API_KEY: { type: 'secret', minLength: 16, required: true, description: 'The key.' },
} as const satisfies VariableSpecs;
const KEY = 'k'.repeat(16);

describe('parseVariables', () => {
  it('fills defaults and types what is set', () => {
    const vars = parseVariables(specs, { API_KEY: KEY, RATIO: '0.25', CACHE_URL: 'rediss://:pw@h:6380' });
    assert.deepEqual(vars, {
      PAGE_SIZE: 20,
      RATIO: 0.25,
      GREETING: 'hello',
      MODE: 'safe',
      CACHE_URL: 'rediss://:pw@h:6380',
      API_KEY: KEY,
    });
    // Typed to the letter: a number, and the enum's values.
    const size: number = vars.PAGE_SIZE;
    const mode: 'fast' | 'safe' = vars.MODE;
    assert.equal(size + mode.length, 24);
  });

  it('treats an empty value as unset', () => {
    assert.equal(parseVariables(specs, { API_KEY: KEY, PAGE_SIZE: '' }).PAGE_SIZE, 20);
  });

  const cases: [string, Record<string, string>, string][] = [
    ['PAGE_SIZE', { PAGE_SIZE: '0' }, 'PAGE_SIZE="0" is not valid: expected a whole number from 1 to 100'],
    ['PAGE_SIZE', { PAGE_SIZE: '2.5' }, 'PAGE_SIZE="2.5" is not valid: expected a whole number from 1 to 100'],
    ['RATIO', { RATIO: 'half' }, 'RATIO="half" is not valid: expected a number from 0 to 1'],
    ['GREETING', { GREETING: 'Hi!' }, 'GREETING="Hi!" is not valid: expected text matching /^[a-z]+$/'],
    ['MODE', { MODE: 'FAST' }, 'MODE="FAST" is not valid: expected one of fast, safe'],
    [
      'CACHE_URL',
      { CACHE_URL: 'http://user:secret@host' },
      'CACHE_URL="<23 characters>" is not valid: expected a URL starting redis:// or rediss://',
    ],
    [
      'CACHE_URL',
      { CACHE_URL: 'not a url' },
      'CACHE_URL="<9 characters>" is not valid: expected a URL starting redis:// or rediss://',
    ],
    [
      'API_KEY',
      { API_KEY: 'short' },
      'API_KEY="<5 characters>" is not valid: expected 16 or more characters, no spaces',
    ],
  ];
  for (const [variable, env, message] of cases) {
    it(`refuses ${JSON.stringify(env)} in one line naming ${variable}`, () => {
      assert.throws(() => parseVariables(specs, { API_KEY: KEY, ...env }), { name: 'ConfigError', variable, message });
    });
  }

  it('refuses a required variable left unset', () => {
    assert.throws(() => parseVariables(specs, {}), {
      message: 'API_KEY is not set: expected 16 or more characters, no spaces (required, no default)',
    });
  });

  it('refuses a declaration that cannot be right', () => {
    assert.throws(() => parseVariables({ pageSize: { type: 'string', description: '' } }, {}), /UPPER_SNAKE_CASE/);
    assert.throws(
      () => parseVariables({ A: { type: 'string', default: 'x', required: true, description: '' } }, {}),
      /has a default and is required/,
    );
  });
});

describe("the app's variables in the docs", () => {
  it('a table of name, default, what is allowed and meaning', () => {
    assert.equal(
      renderAppVariablesTable({ PAGE_SIZE: specs.PAGE_SIZE, API_KEY: specs.API_KEY }),
      [
        '| Variable | Default | Allowed | Meaning |',
        '| --- | --- | --- | --- |',
        '| `PAGE_SIZE` | 20 | a whole number from 1 to 100 | Notes per page. |',
        '| `API_KEY` | required | 16 or more characters, no spaces | The key. |',
      ].join('\n'),
    );
  });
});
