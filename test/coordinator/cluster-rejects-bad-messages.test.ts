// A bad message is answered with ERROR and logged; it never crashes the coordinator (DESIGN.md §6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { pino } from 'pino';
import { Cluster } from '../../coordinator/cluster.js';
import { loadConfig } from '../../src/config/index.js';
import { decode, encode, type Message } from '../../src/protocol/index.js';

const config = loadConfig(undefined, ['cluster.workers=1']);

async function reply(dealer: zmq.Dealer, frames: Buffer[]): Promise<Message> {
  await dealer.send(frames);
  const [first] = [await dealer.receive()];
  return decode(first);
}

test('garbage, a wrong token and an unknown type get ERROR; a good HELLO still gets WELCOME', { timeout: 30_000 }, async () => {
  const cluster = new Cluster({ config, bind: 'tcp://127.0.0.1:0', token: 'secret', log: pino({ level: 'silent' }) });
  const endpoint = await cluster.start();
  const dealer = new zmq.Dealer({ linger: 0, receiveTimeout: 5000 });
  dealer.connect(endpoint);
  try {
    const garbage = await reply(dealer, [Buffer.from('not json at all')]);
    assert.equal(garbage.header.type, 'ERROR');
    assert.match(garbage.header.type === 'ERROR' ? garbage.header.message : '', /not JSON/);

    // An ERROR is never answered with an ERROR (two peers would bounce them forever): the next reply is the
    // answer to the message after it.
    await dealer.send(encode({ type: 'ERROR', run: 'nobody', code: 'bad-message', message: 'x' }));
    const next = await reply(dealer, [Buffer.from('{"v":1}')]);
    assert.match(next.header.type === 'ERROR' ? next.header.message : '', /bad \? header/);

    const hello = { type: 'HELLO' as const, run: '', rank: 0, pid: 1, host: 'test', backend: '' };
    const wrong = await reply(dealer, encode({ ...hello, token: 'guess' }));
    assert.equal(wrong.header.type, 'ERROR');
    assert.match(wrong.header.type === 'ERROR' ? wrong.header.message : '', /wrong run token/);
    assert.equal(wrong.header.type === 'ERROR' && wrong.header.code, 'refused');

    // A message from a peer that has not joined: told to say HELLO (how workers find their way back after a restart).
    const early = await reply(dealer, encode({ type: 'HEARTBEAT', run: cluster.runId }));
    assert.equal(early.header.type === 'ERROR' && early.header.code, 'rejoin');

    const ok = await reply(dealer, encode({ ...hello, token: 'secret' }));
    assert.equal(ok.header.type, 'WELCOME');
    assert.equal(ok.header.run, cluster.runId);
    // Joining until its first message after WELCOME (its replica is built), then healthy.
    assert.equal(cluster.members.live()[0].state, 'joining');
    await dealer.send(encode({ type: 'HEARTBEAT', run: cluster.runId }));
    await cluster.waitForWorkers(5);
    assert.equal(cluster.members.healthy().length, 1);

    const stray = await reply(dealer, encode({ type: 'GRADS', run: 'other-run', round: 0, block: { lo: 0, n: 1 }, stats: {}, computeMs: 0 }));
    assert.equal(stray.header.type, 'ERROR');
    assert.match(stray.header.type === 'ERROR' ? stray.header.message : '', /run 'other-run'/);
  } finally {
    dealer.close();
    await cluster.close('test over');
  }
});
