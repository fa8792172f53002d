// Whether the tests that need a server (PostgreSQL, Redis) run here: where none answers they
// are skipped with one line saying why, as on a laptop without one. Under CI=true (GitHub
// Actions and most CI services set it; .ci/run starts both servers) they fail instead, so a
// missing server cannot skip its tests into green. Only the gated tests fail: importing a gate
// never throws, so a CI without Redis still runs every test that does not ask for it.

/** Options for `test(name, gate, fn)` or `describe`. */
export interface Gate {
  readonly skip?: string;
  readonly signal?: AbortSignal;
}

/**
 * `{}` where the server at `url` answered the probe; else a reason to skip, or under CI=true to
 * fail. Either names the server by its URL, its password starred out.
 */
export async function serviceGate(
  what: string,
  url: string,
  probe: () => Promise<unknown>,
  hint: string,
): Promise<Gate> {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  const where = parsed.toString();
  try {
    await probe();
    return {};
  } catch {
    // node:test cancels a test whose signal has aborted, reporting the reason as its failure,
    // without running its body.
    if (process.env.CI)
      return { signal: AbortSignal.abort(new Error(`CI=true and no ${what} answers at ${where}: CI must start one`)) };
    return { skip: `no ${what} at ${where}: ${hint}` };
  }
}
