// A dyno's report to the fleet, and the fleet read back, in two round trips to Redis: the
// report (a key that expires) and its events (a capped stream) written, the dynos seen recently
// listed, then their reports and the recent events read. Run by one worker per dyno when its
// primary asks (by the process itself when it serves alone), on the app's own Redis client: no
// connection of its own.
import type { ClusterEvent } from '../cluster/events.ts';
import {
  type DynoReport,
  FLEET_INTERVAL_MS,
  FLEET_STALE_MS,
  type FleetEvent,
  type FleetView,
  oneDyno,
} from '../cluster/fleet.ts';
import type { Redis } from '../redis/client.ts';
import type { ResourceHandle } from '../resources.ts';

/** The fleet's keys, under the app's REDIS_KEY_PREFIX: `kit:fleet:dynos` and so on. */
const keysOf = (prefix: string) => ({
  dynos: `${prefix}:fleet:dynos`,
  events: `${prefix}:fleet:events`,
  dyno: (instance: string) => `${prefix}:fleet:dyno:${instance}`,
});
/** The stream keeps about this many events of the whole fleet; the page shows the last of them. */
const EVENTS_KEPT = 200;
const EVENTS_SHOWN = 50;

async function reportToFleet(
  redis: Redis,
  prefix: string,
  self: DynoReport,
  events: readonly ClusterEvent[],
  leaving: boolean,
): Promise<FleetView> {
  const now = self.at;
  const { dynos: DYNOS, events: EVENTS, dyno: dynoKey } = keysOf(prefix);
  const write = redis.multi();
  if (leaving) write.del(dynoKey(self.instance)).zRem(DYNOS, self.instance);
  else
    write
      .set(dynoKey(self.instance), JSON.stringify(self), { expiration: { type: 'PX', value: FLEET_STALE_MS } })
      .zAdd(DYNOS, { score: now, value: self.instance });
  for (const event of events)
    write.xAdd(
      EVENTS,
      '*',
      { instance: self.instance, event: JSON.stringify(event) },
      { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: EVENTS_KEPT } },
    );
  write.zRemRangeByScore(DYNOS, '-inf', now - FLEET_STALE_MS).zRange(DYNOS, 0, -1);
  const replies = await write.execAsPipeline();
  const names = (replies.at(-1) as unknown as string[]).filter((name) => name !== self.instance || !leaving);
  const [reports, recent] = await Promise.all([
    names.length ? redis.mGet(names.map(dynoKey)) : Promise.resolve([]),
    redis.xRevRange(EVENTS, '+', '-', { COUNT: EVENTS_SHOWN }),
  ]);
  const dynos = reports
    .flatMap((json) => (typeof json === 'string' ? [JSON.parse(json) as DynoReport] : []))
    .sort((a, b) => a.instance.localeCompare(b.instance, 'en', { numeric: true }));
  // Only the events of dynos reporting now: the stream outlives a dyno that stopped, and a Redis
  // shared with another app (or a test) carries that one's too.
  const live = new Set(dynos.map((d) => d.instance));
  const others: FleetEvent[] = (recent ?? [])
    .filter((entry) => entry.message.instance !== self.instance && live.has(String(entry.message.instance)))
    .map((entry) => ({
      ...(JSON.parse(String(entry.message.event)) as ClusterEvent),
      id: entry.id,
      instance: String(entry.message.instance),
    }))
    .reverse();
  return {
    shared: true,
    note: null,
    dynos,
    events: others,
    staleAfterMs: FLEET_STALE_MS,
    intervalMs: FLEET_INTERVAL_MS,
  };
}

/**
 * The report through the app's Redis, or this dyno alone with the reason: the app registered
 * no client, or it is not answering. A failure never reaches the caller: the page says it.
 */
export async function reportThrough(
  redis: ResourceHandle<Redis> | null,
  prefix: string,
  self: DynoReport,
  events: readonly ClusterEvent[],
  leaving: boolean,
): Promise<FleetView> {
  if (redis === null)
    return oneDyno(
      self,
      'this dyno only: the app registered no Redis client (registerRedis), so dynos cannot see each other',
    );
  if (!redis.available) return oneDyno(self, 'this dyno only: Redis is not answering');
  try {
    return await reportToFleet(redis.value, prefix, self, events, leaving);
  } catch (err) {
    return oneDyno(self, `this dyno only: Redis did not answer (${(err as Error).message})`);
  }
}
