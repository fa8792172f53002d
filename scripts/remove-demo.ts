// `npm run remove-demo`: makes the app yours in one step. Deletes the teaching surface
// (src/demo/, its migration with it), the lines of src/app/app.ts that mount it and those of
// src/app/jobs/index.ts that list its sample job, and takes
// DEMO_SURFACE out of the deploy files that set it; what is left boots and serves /, /healthz,
// /readyz and /metrics, and `npm test` passes (the tests that need the demo's routes skip
// themselves). Changes nothing unless it can do all of it.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type DeployFileFormat, withoutVariable } from './without-variable.ts';

const root = path.join(import.meta.dirname, '..');
const demo = path.join(root, 'src', 'demo');
const appFile = path.join(root, 'src', 'app', 'app.ts');
const jobsFile = path.join(root, 'src', 'app', 'jobs', 'index.ts');
const relative = (file: string) => path.relative(root, file);
/** The files that set DEMO_SURFACE for the deploy buttons; one that is missing holds nothing to remove. */
const DEPLOY_FILES: readonly [string, DeployFileFormat][] = [
  ['app.json', 'json'],
  ['render.yaml', 'yaml'],
  ['.do/deploy.template.yaml', 'yaml'],
];

/** The lines that name the demo: its imports, its mount and its jobs in the list. */
const namesDemo = (line: string) =>
  /'(\.\.\/)+demo\//.test(line) || /\bmountDemo\(/.test(line) || /\.\.\.demoJobs\b/.test(line);

function fail(message: string): never {
  process.stderr.write(`remove-demo: ${message}\n`);
  process.exit(1);
}

if (!existsSync(demo)) {
  process.stdout.write(`remove-demo: ${relative(demo)}/ is already gone: nothing to do\n`);
  process.exit(0);
}
/** Each file's lines, and the two that name the demo in it. */
const appFiles = [
  { file: appFile, what: 'its import and the mountDemo(...) call' },
  { file: jobsFile, what: 'its import and ...demoJobs in the list' },
].map(({ file, what }) => {
  const lines = readFileSync(file, 'utf8').split('\n');
  const removed = lines.filter(namesDemo);
  if (removed.length !== 2) {
    fail(
      `expected 2 lines naming the demo in ${relative(file)} (${what}), found ${removed.length}: remove them by hand, then delete ${relative(demo)}/`,
    );
  }
  return { file, lines, removed };
});

// Every edit is worked out before any is written.
const edits = new Map<string, string>();
for (const [name, format] of DEPLOY_FILES) {
  const file = path.join(root, name);
  if (!existsSync(file)) continue;
  const text = readFileSync(file, 'utf8');
  const edited = withoutVariable(text, format, 'DEMO_SURFACE');
  if (edited === undefined) {
    fail(
      `${name} names DEMO_SURFACE other than as the entry it shipped with: remove it there by hand, then run npm run remove-demo again`,
    );
  }
  if (edited !== text) edits.set(file, edited);
}

for (const { file, lines } of appFiles) writeFileSync(file, lines.filter((line) => !namesDemo(line)).join('\n'));
for (const [file, text] of edits) writeFileSync(file, text);
rmSync(demo, { recursive: true });
const deployFiles = [...edits.keys()].map(relative);
process.stdout.write(
  [
    `remove-demo: deleted ${relative(demo)}/ and from ${appFiles.map(({ file }) => relative(file)).join(' and ')}:`,
    ...appFiles.flatMap(({ removed }) => removed.map((line) => `  ${line.trim()}`)),
    ...(deployFiles.length ? [`and DEMO_SURFACE from ${deployFiles.join(', ')}.`] : []),
    'Your app now answers / from src/app/routes/home.ts. A deployed app keeps DEMO_SURFACE, where it',
    'no longer does anything: `heroku config:unset DEMO_SURFACE` removes it. A database that ran the',
    "demo's migration keeps its visits table: drop it with a migration of your own if you like",
    '(npm run migration:new -- drop-visits).',
    '',
  ].join('\n'),
);
