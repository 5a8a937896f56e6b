// The far end of `ganymede bench comm`: a separate process that answers every message. In `protocol` mode it
// decodes and validates like a worker (schema, sizes, finite values) and answers GRADS of the same size through
// the encoder; in `raw` mode it sends the frames straight back, which is what ZeroMQ alone costs.
import * as zmq from 'zeromq';
import { decode, encode } from '../protocol/index.js';
import { growHeapFreely } from '../heap.js';

growHeapFreely(); // as every ganymede process (src/cli/main.ts)

const [endpoint, mode] = process.argv.slice(2);
const socket = new zmq.Dealer({ linger: 0, maxMessageSize: -1 });
socket.connect(endpoint);
await socket.send('ready');
for await (const frames of socket) {
  if (frames.length === 1 && frames[0].toString() === 'stop') break;
  if (mode === 'raw') {
    await socket.send(frames);
    continue;
  }
  const msg = decode(frames);
  const data = msg.tensors[0].data as Float32Array;
  const header = msg.header.type === 'WEIGHTS' ? { round: msg.header.version } : { round: 0 };
  await socket.send(encode(
    { type: 'GRADS', run: 'bench', round: header.round, block: { lo: 0, n: 1 }, stats: { 'loss/D': 0.5 }, computeMs: 0 },
    [{ name: 'g/0', dtype: 'float32', shape: [data.length], data }],
  ));
}
socket.close();
