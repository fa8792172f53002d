// The whole configuration surface, parsed from an env object so tests can feed
// any environment without touching process.env. VARIABLES below is the documentation:
// kit/test/unit/deploy-files.test.ts checks that docs/configuration.md, .env.example and app.json say the same.

import { ConfigError, type Env } from './config-error.ts';
import {
  type DatabaseSettings,
  DEFAULT_CONNECTION_BUDGET,
  databaseSettings,
  MAX_CONNECTION_BUDGET,
  SSL_MODES,
} from './database/settings.ts';
import { planDeadline, type ShutdownDeadline } from './platform/deadline.ts';
import { instanceOf, PLATFORM_IDS, type PlatformId, platformById, recognise } from './platform/platforms.ts';
import { DEFAULT_KEY_PREFIX, type RedisSettings, redisSettings } from './redis/settings.ts';

export { ConfigError, type Env } from './config-error.ts';

const NODE_ENVS = ['development', 'production', 'test'] as const;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
const LOG_FORMATS = ['json', 'pretty'] as const;
const SWITCHES = ['on', 'off'] as const;
/** Long enough that guessing it over HTTP is hopeless; app.json's generated secret has 64. */
const MIN_TOKEN_LENGTH = 32;

export interface VariableDoc {
  readonly default: string;
  readonly description: string;
  /**
   * Whether app.json offers it on the Deploy button. Not for those the platform owns
   * (PORT) or that must stay unset for the worker-count rule to decide.
   */
  readonly deployButton: boolean;
}

export const VARIABLES = {
  PLATFORM: {
    default: "unset: recognised from the platform's own variables",
    description: `Which platform this runs on (${PLATFORM_IDS.join(', ')}): decides the shutdown deadline and where the instance's name comes from. Set it where the platform cannot be recognised (dokku, digitalocean).`,
    deployButton: false,
  },
  DYNO: {
    default: 'set by Heroku and Dokku: web.1, web.2, …',
    description:
      "The instance's name on Heroku and Dokku (each platform's own variable elsewhere, see docs/platforms.md): on every log line, in /api/info, /api/cluster and the metrics' instance_name label (letters, digits, '.', '_', '-', '@', ':').",
    deployButton: false,
  },
  PORT: {
    default: '3000',
    description: 'Port to listen on (0 to 65535; 0 picks a free one). Heroku sets it: never set it there.',
    deployButton: false,
  },
  NODE_ENV: {
    default: 'development',
    description: 'development, production or test. production hides error details from clients.',
    deployButton: true,
  },
  LOG_LEVEL: { default: 'info', description: 'debug, info, warn, error or silent.', deployButton: true },
  LOG_FORMAT: {
    default: 'json in production, else pretty',
    description: 'json (one JSON object per line) or pretty (readable lines for a terminal).',
    deployButton: true,
  },
  DEMO_SURFACE: {
    default: 'off in production, else on',
    description:
      'on or off: the sample and teaching surface, that is the live cluster view on /, /api/* (info, echo, cluster, visits, limited, jobs) and /demo/*. Off, / shows a page without the live view, and the others answer 404. After npm run remove-demo it has nothing left to switch.',
    deployButton: true,
  },
  METRICS_TOKEN: {
    default: 'unset: /metrics is off in production, open elsewhere',
    description: `Set, /metrics answers only requests with Authorization: Bearer <METRICS_TOKEN> (${MIN_TOKEN_LENGTH} or more characters, no spaces).`,
    deployButton: true,
  },
  SHUTDOWN_TIMEOUT: {
    default: "unset: below the platform's grace before SIGKILL (25 on Heroku, 4 on Fly.io, 8 on Cloud Run), else 25",
    description:
      'Seconds to let in-flight requests finish on SIGTERM (SIGINT on Fly.io) before what is left is killed (1 to 3600). Set, it always wins.',
    deployButton: false,
  },
  RAILWAY_DEPLOYMENT_DRAINING_SECONDS: {
    default: 'unset: 0 on Railway',
    description:
      "Railway's seconds from SIGTERM to SIGKILL (0 to 3600): the kit drains for a sixth less. At 0 nothing can drain, and the boot line says so.",
    deployButton: false,
  },
  WORKER_READY_TIMEOUT: {
    default: '30',
    description: 'Seconds a new worker has to start listening before it counts as failed (1 to 3600).',
    deployButton: true,
  },
  WEB_CONCURRENCY: {
    default: 'unset: one per core, bounded by memory',
    description: 'Number of worker processes (1 to 128). 1 serves from a single process, with no cluster.',
    deployButton: false,
  },
  CLUSTER_WORKERS: {
    default: 'unset',
    description:
      'Older name for WEB_CONCURRENCY (1 to 128); a WEB_CONCURRENCY you set wins when both are, one a buildpack set does not.',
    deployButton: false,
  },
  WEB_MEMORY: {
    default: '512 (2048 above 16 GB)',
    description: 'MB one worker may use (16 to 1048576): bounds the worker count, and a worker past it is replaced.',
    deployButton: false,
  },
  HEROKU_AVAILABLE_PARALLELISM: {
    default: 'set by Heroku on Fir dynos',
    description:
      "The dyno's vCPUs, as Heroku's Node.js CNB exports them (1 to 128); used in place of the CPUs Node sees.",
    deployButton: false,
  },
  RENDER_CPU_COUNT: {
    default: 'set by Render: "0.5" on Starter',
    description:
      "The instance's CPUs as Render sets them (a decimal, above 0): used in place of the CPUs Node sees, rounded down; below 1, one process.",
    deployButton: false,
  },
  WEB_CONCURRENCY_SET_BY: {
    default: 'set by the classic Node buildpack',
    description:
      'heroku/nodejs when the classic buildpack derived WEB_CONCURRENCY from memory: then it is a memory bound, capped by the cores.',
    deployButton: false,
  },
  TRUST_PROXY: {
    default: "the platform's proxy hops: 1, 2 on Fly.io, 3 on Render (docs/platforms.md)",
    description:
      "How many proxies in front of the app append to X-Forwarded-For (0 to 10): req.ip, and so each rate limit's client, is the address that many hops back. 0 when clients connect straight to the app. Too few and every client looks like the proxy; too many and a client can name its own address.",
    deployButton: false,
  },
  JOB_PROCESSES: {
    default: 'unset: as for web (WEB_CONCURRENCY, then the machine)',
    description:
      'Job runner processes on each worker dyno (1 to 128): the worker process type (node worker.ts) runs this many, supervised like web workers.',
    deployButton: false,
  },
  JOB_CONCURRENCY: {
    default: '1',
    description:
      'Jobs each runner process runs at once (1 to 1000). 1 suits jobs that use the CPU (the processes are the parallelism); more suits jobs that wait on the network.',
    deployButton: false,
  },
  JOB_LOCK_SECONDS: {
    default: '30',
    description:
      "How long a running job's lock lasts without renewal (5 to 3600): a runner killed mid-job (SIGKILL, a crash) leaves its job to be retried by another once the lock has expired and the next check for stalled jobs runs, which the runners make as often: between this long and twice it after the kill.",
    deployButton: false,
  },
  DATABASE_URL: {
    default: 'unset: no database',
    description:
      'postgres://user:password@host:5432/name, as Heroku Postgres sets it: each serving process opens one pool to it. Never logged: the boot line names only the host and the database.',
    deployButton: false,
  },
  DATABASE_CONNECTION_BUDGET: {
    default: String(DEFAULT_CONNECTION_BUDGET),
    description: `Connections one dyno may hold (1 to ${MAX_CONNECTION_BUDGET}), shared by its workers: each pool gets max(1, floor(budget / workers)). The default leaves 5 of Heroku Postgres Essential's 20 for a one-off dyno, the release phase and pg:psql.`,
    deployButton: true,
  },
  PGSSLMODE: {
    default: 'unset: TLS without verification to a remote server, none to a local one',
    description: `TLS to the database, as libpq names it (${SSL_MODES.join(', ')}); sslmode in DATABASE_URL wins over it.`,
    deployButton: false,
  },
  REDIS_URL: {
    default: 'unset: no Redis',
    description:
      'redis:// or rediss://, as Heroku Key-Value Store sets it: each serving process opens one client to it (src/app/cache.ts declares it optional). Never logged: the boot line names only the host. rediss:// on Heroku skips verifying the self-signed certificate; elsewhere it is verified.',
    deployButton: false,
  },
  REDIS_KEY_PREFIX: {
    default: DEFAULT_KEY_PREFIX,
    description:
      'What the kit\'s keys in Redis begin with, before a colon: the job queue, the fleet\'s reports, the rate limits\' counts, and your app\'s own, named with redisKey() (1 to 64 letters, digits, ".", "_" or "-"). Give each app that shares one Redis a prefix of its own (staging and production attached to one Key-Value Store, say): with the same one, each app\'s runners would take the other\'s jobs. The boot line shows it (redisKeys).',
    deployButton: false,
  },
} as const satisfies Record<string, VariableDoc>;

export type NodeEnv = (typeof NODE_ENVS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];
export type Switch = (typeof SWITCHES)[number];

/** The cap on every worker-count variable: above it, a typo is likelier than a machine. */
export const MAX_WORKERS = 128;

/** What the environment says about worker count; the rule lives in concurrency.ts. */
export interface ConcurrencySettings {
  readonly webConcurrency: number | undefined;
  /** `heroku/nodejs` when the buildpack, not a person, filled WEB_CONCURRENCY from memory. */
  readonly webConcurrencySetBy: string | undefined;
  readonly clusterWorkers: number | undefined;
  readonly herokuAvailableParallelism: number | undefined;
  /** MB one worker may use; undefined means "derive from the machine's memory". */
  readonly webMemoryMb: number | undefined;
  /** The CPUs a platform says the instance has, fractions included (Render's RENDER_CPU_COUNT). */
  readonly platformCpus: { readonly variable: 'RENDER_CPU_COUNT'; readonly cpus: number } | undefined;
}

export interface Config {
  /** Recognised from the platform's own variables, or PLATFORM. */
  readonly platform: PlatformId;
  /** This instance's name as the platform gives it (DYNO, FLY_MACHINE_ID, …); null where none. */
  readonly instance: string | null;
  readonly port: number;
  readonly nodeEnv: NodeEnv;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** The live view, /api/* and /demo/*: samples for learning, so off in production unless asked. */
  readonly demoSurface: boolean;
  /** The bearer token /metrics demands; unset, /metrics is open outside production and off in it. */
  readonly metricsToken: string | undefined;
  /** The drain deadline (`ms`) with its reason, and a warning when the platform gives too little. */
  readonly shutdown: ShutdownDeadline;
  readonly workerReadyTimeoutMs: number;
  readonly concurrency: ConcurrencySettings;
  /** The worker process type: its processes per dyno (undefined: as for web), jobs at once in each, and the lock. */
  readonly jobs: { readonly processes: number | undefined; readonly concurrency: number; readonly lockMs: number };
  /** Express's trust proxy: the hops before the app, and where that count comes from. */
  readonly proxy: { readonly hops: number; readonly reason: string };
  /** null without DATABASE_URL. */
  readonly database: DatabaseSettings | null;
  /** null without REDIS_URL. */
  readonly redis: RedisSettings | null;
}

type Variable = keyof typeof VARIABLES;

function wholeNumber(env: Env, name: Variable, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(name, raw, `a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

function oneOf<T extends string>(env: Env, name: Variable, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined) return fallback;
  // Trimmed, as the numbers are and the app's enums: a space pasted into a dashboard is no mistake.
  const value = raw.trim();
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, raw, `one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function decimal(env: Env, name: Variable, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0 || Number(value) > max) {
    throw new ConfigError(name, raw, `a number above 0, up to ${max} (0.5, 2)`);
  }
  return Number(value);
}

function instanceName(platform: PlatformId, env: Env): string | null {
  const instance = instanceOf(platformById(platform), env);
  if (instance === null) return null;
  if (!/^[\w.@:-]{1,100}$/.test(instance.name)) {
    throw new ConfigError(
      instance.variable,
      env[instance.variable] as string,
      "1 to 100 letters, digits, '.', '_', '-', '@' or ':' (web.1)",
    );
  }
  return instance.name;
}

function secret(env: Env, name: Variable): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  if (raw.length < MIN_TOKEN_LENGTH || /\s/.test(raw)) {
    // Never echo a secret into the logs, not even a bad one.
    throw new ConfigError(name, `<${raw.length} characters>`, `${MIN_TOKEN_LENGTH} or more characters, no spaces`);
  }
  return raw;
}

/** Parses and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', NODE_ENVS, 'development');
  const platform = oneOf(env, 'PLATFORM', PLATFORM_IDS, recognise(env).id);
  const shutdown = planDeadline(platformById(platform), {
    shutdownTimeoutS: wholeNumber(env, 'SHUTDOWN_TIMEOUT', 1, 3600),
    graceVariableS:
      platform === 'railway' ? wholeNumber(env, 'RAILWAY_DEPLOYMENT_DRAINING_SECONDS', 0, 3600) : undefined,
  });
  const renderCpus = decimal(env, 'RENDER_CPU_COUNT', MAX_WORKERS);
  const trustProxy = wholeNumber(env, 'TRUST_PROXY', 0, 10);
  const { name, proxy } = platformById(platform);
  const config: Config = {
    platform,
    instance: instanceName(platform, env),
    port: wholeNumber(env, 'PORT', 0, 65535) ?? 3000,
    nodeEnv,
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: oneOf(env, 'LOG_FORMAT', LOG_FORMATS, nodeEnv === 'production' ? 'json' : 'pretty'),
    demoSurface: oneOf(env, 'DEMO_SURFACE', SWITCHES, nodeEnv === 'production' ? 'off' : 'on') === 'on',
    metricsToken: secret(env, 'METRICS_TOKEN'),
    shutdown,
    // Heroku fails a boot that has not bound $PORT within 60 s.
    workerReadyTimeoutMs: (wholeNumber(env, 'WORKER_READY_TIMEOUT', 1, 3600) ?? 30) * 1000,
    concurrency: Object.freeze({
      webConcurrency: wholeNumber(env, 'WEB_CONCURRENCY', 1, MAX_WORKERS),
      webConcurrencySetBy: env.WEB_CONCURRENCY_SET_BY,
      clusterWorkers: wholeNumber(env, 'CLUSTER_WORKERS', 1, MAX_WORKERS),
      herokuAvailableParallelism: wholeNumber(env, 'HEROKU_AVAILABLE_PARALLELISM', 1, MAX_WORKERS),
      webMemoryMb: wholeNumber(env, 'WEB_MEMORY', 16, 1_048_576),
      platformCpus: renderCpus === undefined ? undefined : { variable: 'RENDER_CPU_COUNT' as const, cpus: renderCpus },
    }),
    jobs: Object.freeze({
      processes: wholeNumber(env, 'JOB_PROCESSES', 1, MAX_WORKERS),
      concurrency: wholeNumber(env, 'JOB_CONCURRENCY', 1, 1000) ?? 1,
      lockMs: (wholeNumber(env, 'JOB_LOCK_SECONDS', 5, 3600) ?? 30) * 1000,
    }),
    proxy:
      trustProxy === undefined
        ? { hops: proxy.hops, reason: `${name}: ${proxy.note}` }
        : { hops: trustProxy, reason: 'TRUST_PROXY' },
    database: databaseSettings(env),
    redis: redisSettings(env, platform),
  };
  return Object.freeze(config);
}
