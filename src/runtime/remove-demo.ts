// `npm run remove-demo`: makes the app yours in one step. Deletes the teaching surface
// (src/demo/) and the lines of src/app/app.ts that mount it; what is left boots and serves
// /, /healthz, /readyz and /metrics, and `npm test` passes (the tests that need the demo's
// routes skip themselves). Changes nothing unless it can do all of it.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.join(import.meta.dirname, '..', '..');
const demo = path.join(root, 'src', 'demo');
const appFile = path.join(root, 'src', 'app', 'app.ts');
const relative = (file: string) => path.relative(root, file);

/** The lines that name the demo: its import and its mount. */
const namesDemo = (line: string) => line.includes("'../demo/") || /\bmountDemo\(/.test(line);

function fail(message: string): never {
  process.stderr.write(`remove-demo: ${message}\n`);
  process.exit(1);
}

if (!existsSync(demo)) {
  process.stdout.write(`remove-demo: ${relative(demo)}/ is already gone: nothing to do\n`);
  process.exit(0);
}
const lines = readFileSync(appFile, 'utf8').split('\n');
const removed = lines.filter(namesDemo);
if (removed.length !== 2) {
  fail(
    `expected 2 lines naming the demo in ${relative(appFile)} (its import and the mountDemo(...) call), found ${removed.length}: remove them by hand, then delete ${relative(demo)}/`,
  );
}
writeFileSync(appFile, lines.filter((line) => !namesDemo(line)).join('\n'));
rmSync(demo, { recursive: true });
process.stdout.write(
  [
    `remove-demo: deleted ${relative(demo)}/ and from ${relative(appFile)}:`,
    ...removed.map((line) => `  ${line.trim()}`),
    'Your app now answers / from src/app/routes/home.ts. DEMO_SURFACE no longer does anything:',
    'drop it from app.json, and from a deployed app with `heroku config:unset DEMO_SURFACE`.',
    '',
  ].join('\n'),
);
