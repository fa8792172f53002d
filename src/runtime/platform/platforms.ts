// Every platform the kit knows, as data: how it is recognised from its own environment, what
// it names the instance, which signal it sends to whom, how long it waits before SIGKILL, and
// what it says about CPUs. The rules (recognise, instanceName, grace) read only this table,
// docs/platforms.md is rendered from it, and kit/test/unit/platforms.test.ts feeds each row through.
// "Unconfirmed" marks what no primary source was found for; the kit then takes the safe side.

import type { Env } from '../config-error.ts';

export const PLATFORM_IDS = [
  'heroku-cedar',
  'heroku-fir',
  'render',
  'fly',
  'railway',
  'cloud-run',
  'digitalocean',
  'dokku',
  'koyeb',
  'unknown',
] as const;

export type PlatformId = (typeof PLATFORM_IDS)[number];

export interface Grace {
  /** Seconds from the stop signal to SIGKILL when nobody changed it; null when unknown. */
  readonly defaultSeconds: number | null;
  /** The environment variable that says the grace in seconds, where the platform exposes one. */
  readonly variable?: string;
  /** Where a user raises it: named in the boot line when it is too short to drain. */
  readonly setting: string;
  /** No user can change it: a SHUTDOWN_TIMEOUT past it is a mistake worth a warning. */
  readonly fixed?: true;
  /**
   * Other places the grace can be raised that never reach the process (a deploy file, a
   * dashboard): with `variable` unset, the grace is unknown, not its default.
   */
  readonly alsoSetUnseenIn?: string;
}

/**
 * Express's `trust proxy` as a count: `req.ip` is the hops-th address of X-Forwarded-For from the
 * right. Too few and every client looks like the proxy (one rate limit for the whole world);
 * too many and a client picks its own address by sending X-Forwarded-For itself.
 */
export interface Proxy {
  readonly hops: number;
  /** A header the platform documents with the client's address, for an app that prefers it. */
  readonly clientIpHeader?: string;
  /** What X-Forwarded-For holds there, and how sure that is. */
  readonly note: string;
}

export interface Platform {
  readonly id: PlatformId;
  readonly name: string;
  /** Recognised when every variable of any one group is set. Checked in the table's order. */
  readonly markers: readonly (readonly string[])[];
  /** The instance's name: the first of these that is set (Fly's joins machine and region). */
  readonly instanceVariables: readonly string[];
  readonly signal: 'SIGTERM' | 'SIGINT';
  /** Whether the signal reaches every process, or only the container's first one. */
  readonly signalledProcesses: 'every process' | 'first process' | 'unconfirmed';
  readonly grace: Grace;
  /** What the platform tells a process about its CPUs, and how the kit uses it. */
  readonly cpus: string;
  /** Its proxies in front of the app: how many to trust for the client's address. */
  readonly proxy: Proxy;
  readonly sources: readonly string[];
}

export const PLATFORMS: readonly Platform[] = [
  {
    id: 'koyeb',
    name: 'Koyeb',
    // Before Heroku Fir: Koyeb builds with Heroku's Node.js CNB, which exports
    // HEROKU_AVAILABLE_PARALLELISM there too.
    markers: [['KOYEB_INSTANCE_ID'], ['KOYEB_APP_NAME'], ['KOYEB_SERVICE_NAME']],
    instanceVariables: ['KOYEB_INSTANCE_ID'],
    signal: 'SIGTERM',
    signalledProcesses: 'unconfirmed',
    // No primary source gives Koyeb's stop signal or grace: the kit keeps its default deadline.
    grace: { defaultSeconds: null, setting: 'SHUTDOWN_TIMEOUT' },
    cpus: "the Node.js CNB's HEROKU_AVAILABLE_PARALLELISM (its cgroup quota + 1, see buildpacks-nodejs crates/available-parallelism), WEB_CONCURRENCY from memory: the Heroku rules",
    proxy: { hops: 1, note: 'unconfirmed: Koyeb says only that it sets X-Forwarded-For' },
    sources: [
      'https://www.koyeb.com/docs/build-and-deploy/environment-variables (PORT; the KOYEB_* names are unconfirmed there)',
      'https://github.com/heroku/buildpacks-nodejs crates/available-parallelism/src/lib.rs',
      'https://www.koyeb.com/docs/apps/edge-network (X-Forwarded-For; hops unconfirmed)',
    ],
  },
  {
    id: 'fly',
    name: 'Fly.io',
    markers: [['FLY_MACHINE_ID'], ['FLY_APP_NAME', 'FLY_REGION']],
    instanceVariables: ['FLY_MACHINE_ID'],
    signal: 'SIGINT',
    // "Fly sends the kill_signal to the main process", waits kill_timeout, then SIGTERM.
    signalledProcesses: 'first process',
    // kill_timeout is not in the Machine's environment: only its default is known here.
    grace: { defaultSeconds: 5, setting: 'kill_timeout in fly.toml (up to 300), with SHUTDOWN_TIMEOUT below it' },
    cpus: "the Machine's vCPUs, which Node sees",
    proxy: {
      hops: 2,
      clientIpHeader: 'Fly-Client-IP',
      note: "the client's address, then the app's own IP, which fly-proxy appends last",
    },
    sources: [
      'https://fly.io/docs/reference/configuration/#kill_signal-option (SIGINT default; kill_timeout 5 s, max 300)',
      'https://fly.io/docs/machines/runtime-environment/ (FLY_MACHINE_ID, FLY_REGION, FLY_APP_NAME)',
      "https://fly.io/docs/networking/request-headers/ (X-Forwarded-For ends with the app's IP; Fly-Client-IP)",
    ],
  },
  {
    id: 'render',
    name: 'Render',
    markers: [['RENDER']],
    // RENDER_INSTANCE_ID is widely used but not on Render's variables page: unconfirmed.
    instanceVariables: ['RENDER_INSTANCE_ID', 'RENDER_SERVICE_NAME'],
    signal: 'SIGTERM',
    signalledProcesses: 'unconfirmed',
    grace: {
      defaultSeconds: 30,
      setting: 'maxShutdownDelaySeconds in render.yaml (1 to 300), with SHUTDOWN_TIMEOUT below it',
    },
    cpus: 'RENDER_CPU_COUNT, a decimal string ("0.5" on Starter): below 1 CPU, one process',
    proxy: {
      hops: 3,
      clientIpHeader: 'True-Client-IP',
      note: 'unconfirmed: seen as the client, a Cloudflare edge, then a Render proxy (an older report shows 2)',
    },
    sources: [
      'https://render.com/docs/environment-variables (RENDER=true, RENDER_CPU_COUNT)',
      'https://render.com/docs/blueprint-spec (maxShutdownDelaySeconds: default 30, max 300)',
      'https://github.com/arcjet/arcjet-js/issues/5411 (X-Forwarded-For as seen on Render: client, Cloudflare, 10.x)',
    ],
  },
  {
    id: 'railway',
    name: 'Railway',
    markers: [['RAILWAY_REPLICA_ID'], ['RAILWAY_ENVIRONMENT_ID'], ['RAILWAY_SERVICE_ID']],
    instanceVariables: ['RAILWAY_REPLICA_ID'],
    signal: 'SIGTERM',
    signalledProcesses: 'unconfirmed',
    grace: {
      defaultSeconds: 0,
      variable: 'RAILWAY_DEPLOYMENT_DRAINING_SECONDS',
      setting: 'the service variable RAILWAY_DEPLOYMENT_DRAINING_SECONDS (e.g. 30)',
      // https://docs.railway.com/guides/deployment-teardown: the dashboard, config as code, or the variable.
      alsoSetUnseenIn: "railway.json's deploy.drainingSeconds or the dashboard",
    },
    cpus: "the plan's vCPUs; what the container sees is unconfirmed: the cgroup quota rule applies",
    proxy: {
      hops: 1,
      clientIpHeader: 'X-Real-IP',
      note: 'unconfirmed: Railway documents X-Real-IP, not what X-Forwarded-For holds',
    },
    sources: [
      'https://docs.railway.com/reference/deployments (SIGTERM, 0 s by default, RAILWAY_DEPLOYMENT_DRAINING_SECONDS)',
      'https://docs.railway.com/reference/variables (RAILWAY_REPLICA_ID, RAILWAY_ENVIRONMENT_ID, RAILWAY_SERVICE_ID)',
      'https://docs.railway.com/networking/public-networking/specs-and-limits (X-Real-IP)',
    ],
  },
  {
    id: 'cloud-run',
    name: 'Google Cloud Run',
    markers: [['K_SERVICE', 'K_REVISION']],
    // No instance id in the environment: the revision is the closest name the platform gives.
    instanceVariables: ['K_REVISION'],
    signal: 'SIGTERM',
    signalledProcesses: 'first process',
    grace: { defaultSeconds: 10, setting: 'nothing: Cloud Run gives 10 s, not configurable', fixed: true },
    cpus: "the instance's CPU limit as a cgroup quota: the cgroup quota rule applies",
    proxy: {
      hops: 1,
      note: "the client's address, on a run.app URL; behind Google's load balancer it adds its own: TRUST_PROXY=2",
    },
    sources: [
      'https://cloud.google.com/run/docs/container-contract#lifecycle (SIGTERM, 10 s, then SIGKILL; K_*)',
      'https://cloud.google.com/load-balancing/docs/https#x-forwarded-for_header (<client-ip>,<load-balancer-ip>)',
    ],
  },
  {
    id: 'heroku-fir',
    name: 'Heroku Fir',
    // Only the Node.js CNB exports HEROKU_AVAILABLE_PARALLELISM, and Fir builds with it.
    markers: [['DYNO', 'HEROKU_AVAILABLE_PARALLELISM']],
    instanceVariables: ['DYNO'],
    signal: 'SIGTERM',
    signalledProcesses: 'every process',
    // Dev Center's 30 s is written for dynos generally; Fir's own figure is unconfirmed.
    grace: { defaultSeconds: 30, setting: 'nothing: Heroku gives 30 s, not configurable', fixed: true },
    cpus: 'HEROKU_AVAILABLE_PARALLELISM = vCPUs, WEB_CONCURRENCY from memory (unmarked)',
    proxy: { hops: 1, note: "unconfirmed: Fir's router is documented as like Router 2.0, which appends the client's" },
    sources: [
      'https://devcenter.heroku.com/articles/dyno-shutdown-behavior',
      'https://github.com/heroku/buildpacks-nodejs crates/available-parallelism/src/lib.rs',
      'https://devcenter.heroku.com/articles/heroku-runtime-router-2-0',
    ],
  },
  {
    id: 'heroku-cedar',
    name: 'Heroku Cedar',
    // Dokku sets DYNO too (scheduler-docker-local passes --env=DYNO=web.1) and nothing of its
    // own that reaches every app, so a Dokku app is taken for Cedar: the same signal and 30 s.
    markers: [['DYNO']],
    instanceVariables: ['DYNO'],
    signal: 'SIGTERM',
    signalledProcesses: 'every process',
    grace: { defaultSeconds: 30, setting: 'nothing: Heroku gives 30 s, not configurable', fixed: true },
    cpus: 'WEB_CONCURRENCY from memory (marked WEB_CONCURRENCY_SET_BY); Node sees the host on shared dynos',
    proxy: { hops: 1, note: "the router appends the client's address to what the client sent" },
    sources: [
      'https://devcenter.heroku.com/articles/dyno-shutdown-behavior',
      'https://devcenter.heroku.com/articles/http-routing#heroku-headers (X-Forwarded-For)',
    ],
  },
  {
    id: 'dokku',
    name: 'Dokku',
    // Never recognised on its own (see heroku-cedar): PLATFORM=dokku says it.
    markers: [],
    instanceVariables: ['DYNO'],
    signal: 'SIGTERM',
    // docker stop signals the container's first process; SIGTERM comes right after the new
    // release is up, again at `docker stop` after wait-to-retire (60 s).
    signalledProcesses: 'first process',
    grace: { defaultSeconds: 30, setting: 'dokku ps:set <app> stop-timeout-seconds <n>' },
    cpus: "the host's CPUs unless limited; herokuish runs the classic buildpack",
    proxy: { hops: 1, note: "nginx replaces it with the client's address ($remote_addr)" },
    sources: [
      'https://dokku.com/docs/deployment/zero-downtime-deploys/ (SIGTERM, wait-to-retire 60, stop-timeout-seconds 30)',
      'https://github.com/dokku/dokku plugins/scheduler-docker-local/bin/scheduler-deploy-process-container (DYNO)',
      'https://dokku.com/docs/networking/proxies/nginx/ (x-forwarded-for-value: $remote_addr)',
    ],
  },
  {
    id: 'digitalocean',
    name: 'DigitalOcean App Platform',
    // No variable of its own is documented in the container: PLATFORM=digitalocean says it.
    markers: [],
    instanceVariables: ['HOSTNAME'],
    signal: 'SIGTERM',
    signalledProcesses: 'unconfirmed',
    // drain_seconds (15 by default) pass before the SIGTERM; grace_period_seconds after it.
    grace: { defaultSeconds: 120, setting: 'termination.grace_period_seconds in the app spec' },
    cpus: "the classic Node buildpack's WEB_CONCURRENCY (cgroup v1 memory only, else 512 MB: 1): the Heroku rules",
    proxy: {
      hops: 1,
      clientIpHeader: 'do-connecting-ip',
      note: "unconfirmed: reported to hold DigitalOcean's ingress, not the client: read do-connecting-ip",
    },
    sources: [
      'https://docs.digitalocean.com/products/app-platform/how-to/configure-termination/ (drain_seconds 15, grace_period_seconds 120)',
      'https://docs.digitalocean.com/support/where-can-i-find-the-client-ip-address-of-a-request-connecting-to-my-app/ (do-connecting-ip)',
    ],
  },
  {
    id: 'unknown',
    name: 'unknown (local, a container, a VM)',
    markers: [],
    instanceVariables: [],
    signal: 'SIGTERM',
    signalledProcesses: 'unconfirmed',
    grace: { defaultSeconds: null, setting: 'SHUTDOWN_TIMEOUT' },
    cpus: 'the cgroup CPU quota (v1 or v2), else the CPUs Node sees',
    proxy: { hops: 1, note: 'one proxy assumed: TRUST_PROXY=0 when clients connect straight to the app' },
    sources: [],
  },
];

export function platformById(id: PlatformId): Platform {
  return PLATFORMS.find((p) => p.id === id) as Platform;
}

/** The first platform, in the table's order, whose markers are all set. */
export function recognise(env: Env): Platform {
  const isSet = (name: string) => env[name] !== undefined && env[name] !== '';
  return PLATFORMS.find((p) => p.markers.some((group) => group.every(isSet))) ?? platformById('unknown');
}

/** The instance's name and the variable it came from, or null where the platform gives none. */
export function instanceOf(platform: Platform, env: Env): { readonly name: string; readonly variable: string } | null {
  const variable = platform.instanceVariables.find((name) => env[name] !== undefined && env[name] !== '');
  if (variable === undefined) return null;
  const value = env[variable] as string;
  // A machine id alone says nothing of where it runs; with the region, a multi-region log reads well.
  if (platform.id === 'fly' && env.FLY_REGION) return { name: `${value}.${env.FLY_REGION}`, variable };
  return { name: value, variable };
}
