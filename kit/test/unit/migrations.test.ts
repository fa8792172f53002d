import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type MigrationFile, outOfOrder } from '../../../src/runtime/database/migrations.ts';

const files = (...names: string[]): MigrationFile[] =>
  names.map((name) => ({ name, file: `/kit/migrations/${name}.sql` }));
const NOW = 1900000000000;

it('what may run, against what a database has applied', () => {
  const cases: [string, MigrationFile[], string[], string | undefined][] = [
    ['a fresh database', files('1_a', '2_b'), [], undefined],
    ['new migrations after the applied ones', files('1_a', '2_b', '3_c'), ['1_a'], undefined],
    ['everything applied', files('1_a', '2_b'), ['1_a', '2_b'], undefined],
    // The demo's, after remove-demo: applied, its file gone. checkOrder refused this.
    ['an applied migration whose file is gone', files('2_b', '3_c'), ['1_demo', '2_b'], undefined],
    ['a pending one older than only a migration whose file is gone', files('1_a', '3_c'), ['2_demo'], undefined],
    [
      'a pending one older than the newest applied',
      files('1_a', '2_old', '3_c'),
      ['1_a', '3_c'],
      `migrations/2_old.sql is older than 3_c, which is already applied: rename it with a newer timestamp, such as ${NOW}_old.sql`,
    ],
  ];
  for (const [what, list, applied, expected] of cases)
    assert.equal(outOfOrder(list, applied, '/kit', NOW), expected, what);
});
