import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestIdFrom } from '../../../src/runtime/http/request-log.ts';
import { startApp } from '../helpers/app-server.ts';
import { request } from '../helpers/http.ts';

describe('X-Request-Id', () => {
  it("keeps the router's id and echoes it", async (t) => {
    const { url } = await startApp(t);
    const id = 'b1f0c2a4-5d6e-4f70-8a91-b2c3d4e5f607';
    const res = await request(`${url}/healthz`, { headers: { 'x-request-id': id } });
    assert.equal(res.headers['x-request-id'], id);
  });

  it('makes one when there is none', async (t) => {
    const { url } = await startApp(t);
    const first = (await request(`${url}/healthz`)).headers['x-request-id'];
    const second = (await request(`${url}/healthz`)).headers['x-request-id'];
    // Valid by the router's own rule, so a proxy in front that applies it keeps ours.
    assert.ok(requestIdFrom(String(first)) === first, `${first} breaks the router's rule`);
    assert.notEqual(first, second);
  });

  // The router's own rule: 20 to 200 characters of [A-Za-z0-9+/=-].
  const rows: [string, boolean][] = [
    ['a'.repeat(20), true],
    ['A+/=-'.repeat(40), true],
    ['a'.repeat(19), false],
    ['a'.repeat(201), false],
    ['has spaces in it, twenty+', false],
    ['<script>alert(1)</script>xx', false],
  ];
  for (const [header, kept] of rows) {
    it(`${kept ? 'keeps' : 'replaces'} ${JSON.stringify(header.slice(0, 30))} (${header.length} chars)`, () => {
      assert.equal(requestIdFrom(header) === header, kept);
    });
  }
});
