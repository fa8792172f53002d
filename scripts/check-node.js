// Runs before `npm ci`, `npm start`, `npm run dev` and `npm run worker`, on whatever Node the
// machine has: plain JavaScript that any Node parses, so an old one says in one line what is
// needed, rather than failing on the first `.ts` import with a stack about
// ERR_UNKNOWN_FILE_EXTENSION. npm 10.9 and later stop sooner, on package.json's devEngines,
// before they fetch a single package; this is for an older npm, which reads only engines and
// would otherwise run everything.
import { readFileSync } from 'node:fs';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// engines.node is "24.x" so that Heroku's buildpack picks 24; any newer major runs the kit too.
const needed = Number.parseInt(engines.node, 10);
const have = process.versions.node;
if (Number.parseInt(have, 10) < needed) {
  process.stderr.write(
    `This app needs Node.js ${needed} or newer (package.json engines.node: ${engines.node}); this is Node ${have}. Install Node ${needed} (nvm install ${needed}) and run the command again.\n`,
  );
  process.exit(1);
}
