import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { COMPILE_CACHE_DIR } from '../../../src/runtime/compile-cache.ts';
import { VARIABLES } from '../../../src/runtime/config.ts';
import { renderVariablesTable } from '../../../src/runtime/docs.ts';
import { DEMO_PRESENT } from '../helpers/demo.ts';
import { ROOT } from '../helpers/process.ts';

// Set before node starts, so that even the entry file comes from the cache.
const CACHE_ENV = `NODE_COMPILE_CACHE=${path.relative(ROOT, COMPILE_CACHE_DIR)} NODE_COMPILE_CACHE_PORTABLE=1`;
const read = (file: string) => readFile(path.join(ROOT, file), 'utf8');
const readJson = async (file: string) => JSON.parse(await read(file));
const docs = async () =>
  (await readdir(path.join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);

describe('deploy files', () => {
  it('app.json is valid against the app.json schema', async () => {
    const ajv = new Ajv({ allErrors: true, validateFormats: false });
    const validate = ajv.compile(await readJson('kit/test/fixtures/app-json.schema.json'));
    const valid = validate(await readJson('app.json'));
    assert.ok(valid, JSON.stringify(validate.errors, null, 2));
  });

  it('the schema catches a broken app.json, so the check above means something', async () => {
    const ajv = new Ajv({ allErrors: true, validateFormats: false });
    const validate = ajv.compile(await readJson('kit/test/fixtures/app-json.schema.json'));
    const appJson = await readJson('app.json');
    assert.equal(validate({ ...appJson, formation: { web: { size: 'huge' } } }), false);
    assert.equal(validate({ ...appJson, env: { PORT: { value: 3000 } } }), false);
    assert.equal(validate({ ...appJson, sucess_url: '/' }), false);
  });

  it('app.json has what the Deploy button needs', async () => {
    const appJson = await readJson('app.json');
    for (const key of [
      'name',
      'description',
      'repository',
      'keywords',
      'env',
      'formation',
      'buildpacks',
      'success_url',
    ]) {
      assert.ok(appJson[key], `app.json has ${key}`);
    }
    assert.equal(appJson.env.NPM_CONFIG_PRODUCTION.value, 'true', 'deploys skip devDependencies');
    assert.deepEqual(appJson.buildpacks, [{ url: 'heroku/nodejs' }]);
  });

  it('app.json offers every variable meant for the Deploy button, with its default, and nothing the platform owns', async () => {
    const { env } = await readJson('app.json');
    for (const [name, doc] of Object.entries(VARIABLES)) {
      // npm run remove-demo takes the demo's switch out with the demo.
      if (!doc.deployButton || (name === 'DEMO_SURFACE' && !DEMO_PRESENT)) {
        assert.equal(env[name], undefined, `${name} is not set from app.json`);
        continue;
      }
      assert.ok(env[name]?.description, `${name} is described in app.json`);
      if (name === 'METRICS_TOKEN') assert.equal(env[name].generator, 'secret', 'each app gets its own token');
      else assert.equal(typeof env[name].value, 'string');
    }
    if (DEMO_PRESENT) assert.equal(env.DEMO_SURFACE.value, 'on', 'the Deploy-button app teaches');
    assert.equal(env.WORKER_READY_TIMEOUT.value, VARIABLES.WORKER_READY_TIMEOUT.default);
    assert.equal(env.LOG_LEVEL.value, VARIABLES.LOG_LEVEL.default);
  });

  it('the Procfile starts Node directly, so signals reach it without npm in between, and migrates in the release phase', async () => {
    // The kit's two lines; the app may add process types of its own.
    const types = new Map(
      (await read('Procfile'))
        .split('\n')
        .filter((line) => /^\w[\w-]*:/.test(line))
        .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
    );
    assert.equal(types.get('web'), `${CACHE_ENV} node start.ts`);
    assert.equal(types.get('release'), 'node scripts/migrate.ts');
  });

  it('npm start, dev and build use the compile cache the code and the Procfile name', async () => {
    const { scripts } = await readJson('package.json');
    for (const name of ['start', 'dev', 'build'])
      assert.ok(scripts[name].startsWith(`exec env ${CACHE_ENV} node `), `${name}: ${scripts[name]}`);
  });

  it("npm's long-running scripts replace their shell with the command, so npm's signals reach it", async () => {
    // Debian's sh (dash) does not exec the last command itself: npm's SIGTERM would stop the
    // shell and leave the command behind, still holding the port.
    const { scripts } = await readJson('package.json');
    for (const name of ['start', 'dev', 'start:pglite', 'local', 'migrate'])
      assert.match(scripts[name], /^exec /, `${name}: ${scripts[name]}`);
  });

  it('engines.node names one LTS major', async () => {
    assert.equal((await readJson('package.json')).engines.node, '24.x');
  });
});

describe('docs match the code', () => {
  it('.env.example lists every variable', async () => {
    const example = await read('.env.example');
    for (const name of Object.keys(VARIABLES)) assert.match(example, new RegExp(`^#? ?${name}=`, 'm'), name);
  });

  it("docs/configuration.md's table is rendered from the variables the code reads", async () => {
    assert.ok(
      (await read('docs/configuration.md')).includes(renderVariablesTable()),
      'run `npm run docs` and paste the tables',
    );
  });

  it('every npm script the README and the docs name exists', async () => {
    const readme = (await Promise.all(['README.md', ...(await docs())].map(read))).join('\n');
    const { scripts } = await readJson('package.json');
    const named = [...readme.matchAll(/npm run ([a-z:-]+)/g)].map((m) => m[1]);
    assert.ok(named.length > 3);
    for (const script of named) assert.ok(scripts[script as string], `npm run ${script}`);
  });

  it("every source file the architecture's layout names exists", async () => {
    const layout = await read('docs/architecture.md');
    const files = [...layout.matchAll(/^\s*([\w./-]+\.(?:ts|js|json|css|yaml|toml))\s/gm)]
      .map((m) => m[1] as string)
      // Once `npm run remove-demo` has run, the layout still describes what it removed.
      .filter((file) => DEMO_PRESENT || !file.startsWith('src/demo/'));
    assert.ok(files.length > 5, 'the layout lists files');
    for (const file of files) await assert.doesNotReject(readFile(path.join(ROOT, file)), file);
  });

  it('the TypeScript examples in the README and the docs are as npm run format writes them', async () => {
    // Pasted into a file of the app, an example that is not would stop npm test at its lint.
    const examples: { file: string; code: string }[] = [];
    for (const file of ['README.md', ...(await docs())])
      for (const m of (await read(file)).matchAll(/^( *)```ts\n([\s\S]*?)^\1```/gm)) {
        const indent = (m[1] as string).length;
        const code = (m[2] as string)
          .split('\n')
          .map((line) => line.slice(indent))
          .join('\n');
        examples.push({ file, code });
      }
    assert.ok(examples.length > 5, 'the docs have examples');
    for (const { file, code } of examples) {
      const stdout = execFileSync(
        path.join(ROOT, 'node_modules', '.bin', 'biome'),
        ['format', '--stdin-file-path=example.ts'],
        { cwd: ROOT, input: code, encoding: 'utf8' },
      );
      assert.equal(stdout, code, `an example in ${file} is not formatted as npm run format would`);
    }
  });
});
