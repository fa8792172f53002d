/**
 * Counters the whole dyno shares: the primary holds them for its workers, and a process that
 * serves alone holds its own. Adding 0 reads one.
 */
export function createCounters(): (name: string, add: number) => number {
  const counters = new Map<string, number>();
  return (name, add) => {
    const total = (counters.get(name) ?? 0) + add;
    counters.set(name, total);
    return total;
  };
}
