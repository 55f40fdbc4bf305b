// GitHub sends webhook deliveries concurrently and does not guarantee their order; the sandbox can too (`delivery`).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sandbox } from '../../src/sandbox/index.js';
import type { DeliveryModel } from '../../src/sandbox/webhooks.js';
import { rng } from '../../src/report/history.js';
import { seeded } from './helpers.js';

/** A receiver that answers only once `hold` requests are waiting (so it sees how many arrive at once). */
async function holdingReceiver(hold: number) {
  const bodies: string[] = [];
  const waiting: ServerResponse[] = [];
  let maxInFlight = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      bodies.push(JSON.parse(raw).issue.title);
      waiting.push(res);
      maxInFlight = Math.max(maxInFlight, waiting.length);
      if (waiting.length >= hold) for (const r of waiting.splice(0)) r.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    bodies,
    maxInFlight: () => maxInFlight,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.stop();
});

async function send(delivery: DeliveryModel, hold: number, n: number) {
  const rx = await holdingReceiver(hold);
  sb = await seeded({ webhookUrl: rx.url, delivery });
  const titles = Array.from({ length: n }, (_, i) => `issue ${i}`);
  for (const title of titles) sb.createIssue({ title, by: 'alice' });
  await sb.settled();
  await rx.close();
  return { titles, got: rx.bodies, maxInFlight: rx.maxInFlight() };
}

test('deliveries overtake one another within the window (one at a time: the order is the picks)', async () => {
  const { titles, got } = await send({ concurrency: 1, window: 4, random: rng(7) }, 1, 20);
  expect([...got].sort()).toEqual([...titles].sort());
  expect(got).not.toEqual(titles);
  // Never more than window-1 places early: a delivery is picked among the first `window` waiting.
  for (const [at, t] of got.entries()) expect(titles.indexOf(t) - at).toBeLessThan(4);
});

test('several deliveries are in flight at once, and settled() waits for all of them', async () => {
  const { titles, got, maxInFlight } = await send({ concurrency: 4 }, 4, 20);
  expect(maxInFlight).toBe(4);
  expect(got).toHaveLength(titles.length);
});

test('by default one delivery at a time, in order', async () => {
  const { titles, got, maxInFlight } = await send({}, 1, 10);
  expect(got).toEqual(titles);
  expect(maxInFlight).toBe(1);
});
