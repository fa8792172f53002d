// The teaching surface can be removed (`npm run remove-demo`): the tests that need its routes,
// to test it or to probe the runtime through it, are then skipped and say why. What the runtime
// does without it stays covered: kit/test/processes/resources-on-exit.test.ts serves an app of its own.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './process.ts';

export const DEMO_PRESENT = existsSync(path.join(ROOT, 'src', 'demo', 'mount.ts'));

/** Options for `it` or `describe`: skipped, with the reason, once src/demo/ is gone. */
export const needsDemo: { skip?: string } = DEMO_PRESENT
  ? {}
  : { skip: 'needs the teaching surface (src/demo/), removed' };
