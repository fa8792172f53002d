// `npm run docs`: prints every reference table, and writes your app's variables into
// docs/configuration.md and .env.example, between their markers.
import path from 'node:path';
import { variables } from '../src/app/variables.ts';
import {
  APP_SECTION,
  renderAll,
  renderAppVariablesEnv,
  renderAppVariablesTable,
  writeBetween,
} from '../src/runtime/docs.ts';

const root = path.join(import.meta.dirname, '..');
const targets = [
  { file: 'docs/configuration.md', markers: APP_SECTION.markdown, body: renderAppVariablesTable(variables) },
  { file: '.env.example', markers: APP_SECTION.env, body: renderAppVariablesEnv(variables) },
];
console.log(renderAll(variables));
for (const { file, markers, body } of targets) {
  if (!writeBetween(path.join(root, file), markers, body)) {
    process.stderr.write(
      `docs: ${file} has lost its markers (${markers.join(' ... ')}): put them back to have it written\n`,
    );
    process.exitCode = 1;
  } else process.stderr.write(`docs: wrote your app's variables into ${file}\n`);
}
