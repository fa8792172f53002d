// src/runtime/log/log.ts: a field named like a line's own key (level, time, msg, the process's
// instance, proc and pid, or a child's field) neither repeats the key nor replaces what the line
// says of itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLineLogger, createLogger, type LoggerOptions } from '../../../src/runtime/log/log.ts';

const makers = { 'pino (the processes that serve)': createLogger, "the primary's line logger": createLineLogger };

/** Each key of a JSON object line, as many times as the text holds it. */
const keysOf = (text: string) => [...text.matchAll(/"([^"]+)":/g)].map((match) => match[1]);

for (const [name, make] of Object.entries(makers)) {
  describe(name, () => {
    const written: string[] = [];
    const options: LoggerOptions = {
      level: 'info',
      format: 'json',
      base: { proc: 'app', pid: 123 },
      write: (line) => written.push(line),
    };

    it('writes a field named like one of the line’s own keys with a trailing underscore, each key once', () => {
      written.length = 0;
      make(options).info('signed up', { level: 'gold', time: 'noon', msg: 'hi', pid: 5, plan: 'team' });
      const [text = ''] = written;
      assert.deepEqual(keysOf(text), [
        'level',
        'time',
        'proc',
        'pid',
        'level_',
        'time_',
        'msg_',
        'pid_',
        'plan',
        'msg',
      ]);
      const line = JSON.parse(text) as Record<string, unknown>;
      assert.equal(line.level, 'info');
      assert.equal(line.pid, 123);
      assert.equal(line.msg, 'signed up');
      assert.equal(line.level_, 'gold');
      assert.equal(line.pid_, 5);
    });

    it('keeps instance the line’s own where no platform names one, and loses no value to a rename', () => {
      written.length = 0;
      make(options).info('x', { instance: 'mine', level: 'a', level_: 'b' });
      const [text = ''] = written;
      assert.deepEqual(keysOf(text), ['level', 'time', 'proc', 'pid', 'instance_', 'level__', 'level_', 'msg']);
      assert.deepEqual(JSON.parse(text), {
        level: 'info',
        time: (JSON.parse(text) as { time: string }).time,
        proc: 'app',
        pid: 123,
        instance_: 'mine',
        level__: 'a',
        level_: 'b',
        msg: 'x',
      });
    });

    it("keeps a child's fields the line's own too", () => {
      written.length = 0;
      make(options).child({ jobId: '7', pid: 9 }).info('sent', { jobId: '8' });
      const [text = ''] = written;
      assert.deepEqual(keysOf(text), ['level', 'time', 'proc', 'pid', 'jobId', 'pid_', 'jobId_', 'msg']);
      assert.equal((JSON.parse(text) as { jobId: string }).jobId, '7');
    });
  });
}
