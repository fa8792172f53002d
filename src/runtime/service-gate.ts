// Whether the tests that need a server (PostgreSQL, Redis) run here: where none answers they
// are skipped with one line saying why, as on a laptop without one; under CI=true, where
// .ci/run starts both, a missing server fails the run instead of skipping it into green.

/** For `test(name, gate, fn)`: `{}` where the server answered the probe, else a reason to skip. */
export async function serviceGate(
  what: string,
  where: string,
  probe: () => Promise<unknown>,
  hint: string,
): Promise<{ readonly skip?: string }> {
  try {
    await probe();
    return {};
  } catch {
    if (process.env.CI) throw new Error(`CI=true and no ${what} answers at ${where}: CI must start one`);
    return { skip: `no ${what} at ${where}: ${hint}` };
  }
}
