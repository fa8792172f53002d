import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withoutVariable } from '../../../scripts/without-variable.ts';

const JSON_ENV = `{
  "env": {
    "A": {
      "value": "1"
    },
    "DEMO_SURFACE": {
      "description": "on: the demo.",
      "value": "on"
    },
    "B": "2"
  }
}
`;

const YAML_ENV = `services:
  - type: web
    # The service's variables.
    envVars:
      - key: A
        value: "1"
      # The demo, for the button's app.
      - key: DEMO_SURFACE
        value: "on"
        scope: RUN_TIME
      # B, said twice.
      - key: B
        value: "2"
`;

describe('withoutVariable', () => {
  it("takes an entry out of app.json's env, and the JSON still parses", () => {
    const edited = withoutVariable(JSON_ENV, 'json', 'DEMO_SURFACE') as string;
    assert.deepEqual(JSON.parse(edited), { env: { A: { value: '1' }, B: '2' } });
    assert.equal(edited, JSON_ENV.replace(/ {4}"DEMO_SURFACE": \{\n.*\n.*\n {4}\},\n/, ''));
  });

  it('takes the last entry out, and the comma before it', () => {
    const last = JSON_ENV.replace(',\n    "B": "2"', '');
    assert.deepEqual(JSON.parse(withoutVariable(last, 'json', 'DEMO_SURFACE') as string), {
      env: { A: { value: '1' } },
    });
    assert.deepEqual(JSON.parse(withoutVariable(JSON_ENV, 'json', 'B') as string).env, {
      A: { value: '1' },
      DEMO_SURFACE: { description: 'on: the demo.', value: 'on' },
    });
  });

  it('takes a YAML env item out with the comment above it, and leaves every other line as it was', () => {
    assert.equal(
      withoutVariable(YAML_ENV, 'yaml', 'DEMO_SURFACE'),
      YAML_ENV.replace(
        '      # The demo, for the button\'s app.\n      - key: DEMO_SURFACE\n        value: "on"\n        scope: RUN_TIME\n',
        '',
      ),
    );
  });

  it('leaves a file that does not name it as it is', () => {
    assert.equal(withoutVariable(YAML_ENV, 'yaml', 'OTHER'), YAML_ENV);
  });

  it('gives up where it is named in a shape it does not know, rather than guess', () => {
    assert.equal(
      withoutVariable(YAML_ENV.replace('- key: DEMO_SURFACE', '- {key: DEMO_SURFACE}'), 'yaml', 'DEMO_SURFACE'),
      undefined,
    );
    assert.equal(
      withoutVariable(`${YAML_ENV}# DEMO_SURFACE is the demo's switch\n`, 'yaml', 'DEMO_SURFACE'),
      undefined,
    );
    assert.equal(
      withoutVariable('{ "env": { "DEMO_SURFACE": { "value": "on" } } }', 'json', 'DEMO_SURFACE'),
      undefined,
    );
  });
});
