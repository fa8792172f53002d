// Every platform's deploy file, read as the platform reads it: valid against that platform's
// schema, starting Node itself, checking a path the kit serves, and with a drain deadline that
// the kit, given the environment the platform would give it, keeps below the platform's grace.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { COMPILE_CACHE_DIR } from '../../../src/runtime/compile-cache.ts';
import { type Env, loadConfig } from '../../../src/runtime/config.ts';
import { ROOT } from '../helpers/process.ts';

// biome-ignore lint/suspicious/noExplicitAny: parsed deploy files, walked by the paths each platform documents
type Json = Record<string, any>;

const read = (file: string) => readFile(path.join(ROOT, file), 'utf8');
const PARSERS: Record<string, (text: string) => Json> = {
  '.json': JSON.parse,
  '.yaml': parseYaml,
  '.toml': (text) => parseToml(text) as Json,
};
const parseFile = async (file: string): Promise<Json> =>
  (PARSERS[path.extname(file)] as (t: string) => Json)(await read(file));

async function validator(schemaFile: string) {
  const ajv = new Ajv({ allErrors: true, validateFormats: false });
  return ajv.compile(await parseFile(schemaFile));
}

const REPOSITORY = 'https://github.com/express-cluster-starter/express-cluster-starter';
const HEALTH_PATHS = ['/healthz', '/readyz'];
const START = 'node start.ts';
const MIGRATE = 'node scripts/migrate.ts';
/**
 * After its deadline the kit still kills what is left and the primary exits: that has to
 * happen before the platform's SIGKILL. The files keep 5 s; 2 s is the least that still
 * leaves a loaded one-vCPU machine time to do it.
 */
const MIN_MARGIN_MS = 2000;

/** A deploy file, the platform's grace before SIGKILL, and the environment the platform gives the kit. */
interface Platform {
  readonly file: string;
  readonly schema: string;
  /** A copy with one thing the platform would refuse, so the schema check can fail. */
  readonly broken: (doc: Json) => Json;
  readonly graceSeconds: (doc: Json) => number;
  readonly env: (doc: Json) => Env;
  readonly healthPaths: (doc: Json) => string[];
  /** What runs the web process: the file's own command, or the Procfile's web line. */
  readonly startCommand: (doc: Json, procfile: Procfile) => string | undefined;
  readonly releaseCommand: (doc: Json, procfile: Procfile) => string | undefined;
}

const renderService = (doc: Json) => doc.services[0];
const doService = (doc: Json) => doc.spec.services[0];
const renderEnv = (doc: Json): Env =>
  Object.fromEntries(
    renderService(doc).envVars.map((v: Json) => [
      v.key,
      v.generateValue ? randomBytes(32).toString('base64') : String(v.value),
    ]),
  );
const doEnv = (doc: Json): Env =>
  Object.fromEntries(
    doService(doc)
      .envs.filter((v: Json) => v.scope !== 'BUILD_TIME')
      .map((v: Json) => [v.key, v.value]),
  );

const PLATFORMS: Record<string, Platform> = {
  Render: {
    file: 'render.yaml',
    schema: 'kit/test/fixtures/render-blueprint.schema.json',
    broken: (doc) => ({ services: [{ ...renderService(doc), maxShutdownDelaySeconds: 301 }] }),
    graceSeconds: (doc) => renderService(doc).maxShutdownDelaySeconds,
    // https://render.com/docs/environment-variables: RENDER, RENDER_SERVICE_*, PORT 10000 by default.
    env: (doc) => ({
      RENDER: 'true',
      RENDER_SERVICE_ID: 'srv-d0cl4n2dbo4c73e1s2hg',
      RENDER_SERVICE_NAME: renderService(doc).name,
      PORT: '10000',
      ...renderEnv(doc),
    }),
    healthPaths: (doc) => [renderService(doc).healthCheckPath],
    startCommand: (doc) => renderService(doc).startCommand,
    releaseCommand: (doc) => renderService(doc).preDeployCommand,
  },
  'Fly.io': {
    file: 'fly.toml',
    schema: 'kit/test/fixtures/fly.schema.json',
    broken: (doc) => ({ ...doc, kill_signal: 'TERM' }),
    graceSeconds: (doc) => doc.kill_timeout,
    // https://fly.io/docs/machines/runtime-environment/: FLY_* set, no PORT.
    env: (doc) => ({
      FLY_APP_NAME: 'express-cluster-starter',
      FLY_MACHINE_ID: '148e21ea7e5289',
      FLY_ALLOC_ID: '148e21ea7e5289',
      FLY_REGION: 'ams',
      FLY_PROCESS_GROUP: 'app',
      ...doc.env,
    }),
    healthPaths: (doc) => doc.http_service.checks.map((check: Json) => check.path),
    // The CNB image's default process is the Procfile's web; fly.toml must not replace it.
    startCommand: (doc, procfile) => (doc.processes ? 'processes in fly.toml' : procfile.web),
    releaseCommand: (doc) => doc.deploy.release_command,
  },
  Railway: {
    file: 'railway.json',
    schema: 'kit/test/fixtures/railway.schema.json',
    broken: (doc) => ({ ...doc, deploy: { ...doc.deploy, drainingSeconds: '30' } }),
    graceSeconds: (doc) => doc.deploy.drainingSeconds,
    // railway.json sets no variables: Railway injects PORT and its own, and Railpack's Node
    // provider adds NODE_ENV=production at run time (github.com/railwayapp/railpack
    // core/providers/node/node.go, GetNodeEnvVars).
    // Nor does drainingSeconds reach the app: Railway documents the file, the dashboard and
    // the service variable RAILWAY_DEPLOYMENT_DRAINING_SECONDS as three ways to set it
    // (docs.railway.com/guides/deployment-teardown), and only the variable is in the environment.
    env: () => ({
      RAILWAY_REPLICA_ID: randomUUID(),
      RAILWAY_SERVICE_NAME: 'web',
      RAILWAY_ENVIRONMENT_NAME: 'production',
      PORT: '8080',
      NODE_ENV: 'production',
      CI: 'true',
    }),
    healthPaths: (doc) => [doc.deploy.healthcheckPath],
    startCommand: (doc) => doc.deploy.startCommand,
    releaseCommand: (doc) => doc.deploy.preDeployCommand.join(' && '),
  },
  'DigitalOcean App Platform': {
    file: '.do/deploy.template.yaml',
    schema: 'kit/test/fixtures/do-app-spec.schema.json',
    broken: (doc) => ({
      spec: { ...doc.spec, services: [{ ...doService(doc), termination: { grace_period_seconds: 601 } }] },
    }),
    graceSeconds: (doc) => doService(doc).termination.grace_period_seconds,
    // App Platform sets PORT to http_port when the spec gives none (app_service_spec.yml).
    env: (doc) => ({ PORT: String(doService(doc).http_port), ...doEnv(doc) }),
    healthPaths: (doc) => [doService(doc).health_check.http_path, doService(doc).liveness_health_check.http_path],
    startCommand: (doc) => doService(doc).run_command,
    releaseCommand: (doc) => doc.spec.jobs.find((job: Json) => job.kind === 'PRE_DEPLOY')?.run_command,
  },
  Dokku: {
    file: 'app.json',
    schema: 'kit/test/fixtures/app-json.schema.json',
    broken: (doc) => ({ ...doc, healthchecks: { web: [{ ...doc.healthchecks.web[0], type: 'ready' }] } }),
    // docker stop's timeout, Dokku's ps stop-timeout-seconds, 30 by default since 0.36
    // (dokku.com/docs/appendices/0.36.0-migration-guide): nothing in app.json changes it.
    graceSeconds: () => 30,
    // Dokku reads healthchecks and scripts from app.json but not its env; buildpack apps get
    // DYNO and PORT=5000 (dokku.com/docs/networking/port-management), and NODE_ENV is the
    // user's `dokku config:set`, as docs/deploying.md says.
    env: () => ({ DYNO: 'web.1', PORT: '5000', NODE_ENV: 'production' }),
    healthPaths: (doc) => doc.healthchecks.web.map((check: Json) => check.path),
    startCommand: (_doc, procfile) => procfile.web,
    releaseCommand: (_doc, procfile) => procfile.release,
  },
};

type Procfile = Partial<Record<string, string>>;

async function readProcfile(): Promise<Procfile> {
  const lines = (await read('Procfile')).split('\n').filter(Boolean);
  return Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  );
}

describe('deploy files, one per platform', () => {
  for (const [name, platform] of Object.entries(PLATFORMS)) {
    describe(`${name}: ${platform.file}`, () => {
      it("is valid against the platform's schema, and a broken copy is not", async () => {
        const validate = await validator(platform.schema);
        const doc = await parseFile(platform.file);
        assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
        assert.equal(validate(platform.broken(doc)), false, 'the schema catches a value the platform refuses');
      });

      it("drains within the platform's grace, with a margin, in the environment the platform gives", async () => {
        const doc = await parseFile(platform.file);
        const graceMs = platform.graceSeconds(doc) * 1000;
        const config = loadConfig(platform.env(doc));
        assert.ok(
          config.shutdown.ms + MIN_MARGIN_MS <= graceMs,
          `deadline ${config.shutdown.ms} ms against a grace of ${graceMs} ms`,
        );
        assert.equal(config.nodeEnv, 'production');
      });

      it('checks a health path the kit serves, on the port the kit listens on', async () => {
        const doc = await parseFile(platform.file);
        for (const check of platform.healthPaths(doc)) assert.ok(HEALTH_PATHS.includes(check), check);
        const { port } = loadConfig(platform.env(doc));
        assert.ok(port > 0, 'the platform gives the kit its port');
      });

      it('starts Node directly, so the signal reaches the primary, and migrates once per deploy', async () => {
        const doc = await parseFile(platform.file);
        const procfile = await readProcfile();
        const start = platform.startCommand(doc, procfile) ?? '';
        assert.ok(start === START || start.endsWith(` ${START}`), start);
        assert.doesNotMatch(start, /\bnpm\b/);
        assert.equal(platform.releaseCommand(doc, procfile), MIGRATE);
      });

      it('needs no secret typed by the user', async () => {
        const text = await read(platform.file);
        assert.doesNotMatch(text, /sync:\s*false|type:\s*SECRET|"required":\s*true/);
      });
    });
  }

  it("railway.worker.json, a worker service's Config File Path, starts node worker.ts and nothing of the web's", async () => {
    const validate = await validator('kit/test/fixtures/railway.schema.json');
    const doc = await parseFile('railway.worker.json');
    assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
    assert.ok(doc.deploy.startCommand.endsWith(' node worker.ts'), doc.deploy.startCommand);
    assert.doesNotMatch(doc.deploy.startCommand, /\bnpm\b/);
    // No port to check, and the web's service runs the migrations.
    assert.deepEqual([doc.deploy.healthcheckPath, doc.deploy.preDeployCommand], [undefined, undefined]);
    assert.equal(doc.deploy.drainingSeconds, (await parseFile('railway.json')).deploy.drainingSeconds);
  });

  it("fly.toml's service port is the PORT it gives the kit", async () => {
    const fly = await parseFile('fly.toml');
    assert.equal(loadConfig(fly.env).port, fly.http_service.internal_port);
  });

  it('the compile cache named in a deploy file is the one npm run build fills', async () => {
    const inCommand = (command: string) =>
      Object.fromEntries([...command.matchAll(/\b(NODE_COMPILE_CACHE\w*)=(\S+)/g)].map(([, k, v]) => [k, v]));
    const named = [
      renderEnv(await parseFile('render.yaml')),
      doEnv(await parseFile('.do/deploy.template.yaml')),
      (await parseFile('fly.toml')).env,
      inCommand((await parseFile('railway.json')).deploy.startCommand),
      inCommand((await parseFile('railway.worker.json')).deploy.startCommand),
    ];
    for (const env of named) {
      assert.equal(path.resolve(ROOT, env.NODE_COMPILE_CACHE as string), COMPILE_CACHE_DIR);
      assert.equal(env.NODE_COMPILE_CACHE_PORTABLE, '1');
    }
  });

  it("the README's buttons deploy this repository with its Blueprint and its App Platform template", async () => {
    const readme = await read('README.md');
    assert.ok(readme.includes(`(https://render.com/deploy?repo=${REPOSITORY})`), 'Deploy to Render');
    assert.ok(
      readme.includes(`(https://cloud.digitalocean.com/apps/new?repo=${REPOSITORY}/tree/main)`),
      'Deploy to DigitalOcean',
    );
    const template = await parseFile('.do/deploy.template.yaml');
    for (const component of [...template.spec.services, ...template.spec.jobs]) {
      assert.equal(component.git.repo_clone_url, `${REPOSITORY}.git`);
    }
  });
});
