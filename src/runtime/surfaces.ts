// What the app shows the internet, decided once at boot from the config, so no query flag,
// header or cookie can change it. Health is always public; in production the rest is opt-in,
// as in Spring Boot's Actuator: a kit deployed unread must not hand strangers its internals
// or a way to pin a dyno's cores.
import type { Config } from './config.ts';

export interface Surfaces {
  /** The sample and teaching routes: the live cluster view on /, /api/* and /demo/*. */
  readonly demo: boolean;
  /** Behind METRICS_TOKEN as a bearer token; `open` to anyone; `off`: 404. */
  readonly metrics: { readonly token: string } | 'open' | 'off';
}

export function surfacesOf(config: Pick<Config, 'nodeEnv' | 'demoSurface' | 'metricsToken'>): Surfaces {
  const { metricsToken: token } = config;
  const metrics = token !== undefined ? { token } : config.nodeEnv === 'production' ? 'off' : 'open';
  return Object.freeze({ demo: config.demoSurface, metrics });
}

/** For the boot line: each surface that is off, and the variable that turns it on. */
export function surfacesOff(surfaces: Surfaces): string[] {
  return [
    ...(surfaces.demo ? [] : ['live view, /api/* and /demo/*: set DEMO_SURFACE=on']),
    ...(surfaces.metrics === 'off' ? ['/metrics: set METRICS_TOKEN to serve it behind that bearer token'] : []),
  ];
}
