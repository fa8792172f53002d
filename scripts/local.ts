// `npm run local`: the Procfile under `heroku local`, every process type but release (as
// Heroku runs them; `npm run local -- web` runs one), offline, and stopped as a terminal stops it.
//
// A Ctrl+C works because the terminal signals every process of its group. A signal to npm
// alone did not: npm passes it to the Heroku CLI, which dies without passing it on; foreman,
// which the CLI runs, has no SIGTERM handler, and passes a SIGINT only to the `sh -c` around
// each Procfile line, which Debian's sh keeps to itself. So the CLI runs here in a process
// group of its own, and whatever stop signal comes here, the group gets one SIGINT, as from a
// Ctrl+C: each Procfile process drains, and this exits once the last of them has.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:os';
import path from 'node:path';
import { onSignals } from '../src/runtime/signals.ts';

const ROOT = path.join(import.meta.dirname, '..');

const cli = spawn(path.join(ROOT, 'node_modules', '.bin', 'heroku'), ['local', ...process.argv.slice(2)], {
  // stderr comes through here: foreman inherits it and holds it until its last process has
  // exited, so its end says the group is gone (the CLI itself dies at the SIGINT).
  stdio: ['inherit', 'inherit', 'pipe'],
  detached: true,
  env: {
    ...process.env,
    // Offline, and nothing left running: no telemetry, no self-update (which runs detached for
    // up to an hour), no version check.
    DISABLE_TELEMETRY: 'true',
    HEROKU_SKIP_ANALYTICS: '1',
    HEROKU_DISABLE_AUTOUPDATE: 'true',
    HEROKU_SKIP_NEW_VERSION_CHECK: 'true',
  },
});
cli.on('error', () => {
  process.stderr.write('local: the Heroku CLI is a devDependency: run `npm ci` (not --omit=dev)\n');
  process.exit(1);
});
cli.stderr.pipe(process.stderr);

let asked: 'stop' | 'force' | undefined;
const signalGroup = () => {
  try {
    process.kill(-(cli.pid as number), 'SIGINT');
  } catch {}
};
const stop = () => {
  if (asked) return;
  asked = 'stop';
  signalGroup();
};
onSignals({
  shutdown: stop,
  force: () => {
    asked = 'force';
    signalGroup();
  },
  // A terminal that closes sends SIGHUP to its own group, and the CLI's is not that one.
  reload: stop,
});

const [[code, signal]] = (await Promise.all([once(cli, 'exit'), once(cli.stderr, 'close')])) as [
  [number | null, NodeJS.Signals | null],
  unknown,
];
// Drained as asked: 0, as `npm start` after a drain; a second Ctrl+C: 130, as the kit's forced stop.
if (asked) process.exit(asked === 'force' ? 130 : 0);
process.exit(code ?? 128 + (constants.signals[signal as NodeJS.Signals] ?? 0));
