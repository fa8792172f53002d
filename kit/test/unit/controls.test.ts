import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byMsg, fakeCluster } from '../helpers/fake-cluster.ts';

describe("the page's buttons, as the supervisor takes them", () => {
  it('refuses every order unless controls are on, as in production', async (t) => {
    const c = fakeCluster(t);
    await c.waitFor(byMsg('cluster ready'));
    c.worker(1).post({ type: 'control', control: { action: 'kill', worker: 2 } });
    c.worker(1).post({ type: 'control', control: { action: 'reload' } });
    assert.deepEqual(
      c.lines.filter(byMsg('control refused: the supervisor takes no orders from workers here')).map((l) => l.action),
      ['kill', 'reload'],
    );
    assert.deepEqual(c.worker(2).signals, []);
    assert.equal(c.lines.filter(byMsg('rolling reload started')).length, 0);
  });

  it('kills a worker with SIGKILL, which the supervisor then treats as any crash; the timeline says who asked', async (t) => {
    const c = fakeCluster(t, { controls: true });
    await c.waitFor(byMsg('cluster ready'));
    c.worker(1).post({ type: 'watch', on: true });
    c.worker(1).post({ type: 'control', control: { action: 'kill', worker: 2 } });
    const kill = await c.waitFor(byMsg('killing a worker, as asked from the page'));
    assert.deepEqual([kill.level, kill.worker, kill.workerPid], ['warn', 2, 10_002]);
    assert.deepEqual(c.worker(2).signals, ['SIGKILL']);
    await c.waitFor(byMsg('worker ready', { worker: 3 }));
    const since = c
      .worker(1)
      .events()
      .findIndex((e) => e.kind === 'kill-requested');
    const after = c.worker(1).events().slice(since);
    assert.deepEqual(
      after.map((e) => e.kind),
      ['kill-requested', 'exited', 'restart-scheduled', 'forked', 'ready'],
    );
    assert.equal(after[1]?.details?.expected, false, 'to the supervisor, a kill is a crash');
    assert.match(after[1]?.why ?? '', /^killed by SIGKILL, as asked from the page/);
    assert.match(after[2]?.why ?? '', /^restart in \d+ ms/);
    assert.deepEqual([after[3]?.worker, after[3]?.slot], [3, 2]);
  });

  it('ignores a kill for a worker that is not there', async (t) => {
    const c = fakeCluster(t, { controls: true });
    await c.waitFor(byMsg('cluster ready'));
    c.worker(1).post({ type: 'control', control: { action: 'kill', worker: 99 } });
    assert.equal(c.lines.find(byMsg('kill ignored: no such worker'))?.worker, 99);
  });

  it('reloads, as SIGHUP does, saying it was asked from the page', async (t) => {
    const c = fakeCluster(t, { controls: true });
    await c.waitFor(byMsg('cluster ready'));
    c.worker(1).post({ type: 'watch', on: true });
    c.worker(1).post({ type: 'control', control: { action: 'reload' } });
    await c.waitFor(byMsg('rolling reload finished'));
    const started = c
      .worker(1)
      .events()
      .find((e) => e.kind === 'reload-started');
    assert.match(started?.why ?? '', /^asked from the page: 2 workers are replaced one at a time/);
    assert.deepEqual(
      c.lines.filter(byMsg('replacement started')).map((l) => [l.level, l.slot]),
      [
        ['info', 1],
        ['info', 2],
      ],
      'each replacement is in the log once, at info',
    );
  });

  it("passes a worker's message on to one worker or to all, its note on the timeline", async (t) => {
    const c = fakeCluster(t);
    await c.waitFor(byMsg('cluster ready'));
    c.worker(1).post({ type: 'watch', on: true });
    c.worker(1).post({ type: 'tell', topic: 'leak', data: { untilBytes: 1 }, to: 2, note: 'worker 2 leaks' });
    assert.deepEqual(await c.worker(2).next('told'), { type: 'told', topic: 'leak', data: { untilBytes: 1 } });
    assert.ok(!c.worker(1).received.some((m) => m.type === 'told'), 'only the worker it was for');
    const told = c
      .worker(1)
      .events()
      .find((e) => e.kind === 'told');
    assert.deepEqual([told?.why, told?.worker, told?.slot], ['worker 2 leaks', 2, 2]);
    const said = c.lines.find(byMsg('message passed on, as asked from the page'));
    assert.deepEqual([said?.level, said?.topic, said?.to], ['info', 'leak', 2], 'the log says it too');
    c.worker(2).post({ type: 'tell', topic: 'burn', data: 3, to: 'all' });
    assert.deepEqual(await c.worker(1).next('told'), { type: 'told', topic: 'burn', data: 3 });
    assert.equal(c.worker(2).received.filter((m) => m.type === 'told').length, 2, 'all includes the sender');
    assert.equal(
      c
        .worker(1)
        .events()
        .filter((e) => e.kind === 'told').length,
      1,
      'no note, nothing on the timeline',
    );
  });
});
