// The ZAP handler (ZeroMQ RFC 27) that decides which CURVE clients a coordinator lets in. libzmq asks it
// about every CURVE handshake on the socket context, over inproc://zeromq.zap.01; one handler serves every
// coordinator socket of the process, each under its own ZAP domain with its own allowed keys.
// Hand-written because zeromq.js ships no authenticator (pyzmq's zmq.auth has no Node counterpart).
import * as zmq from 'zeromq';
import { keyBytes } from '../src/protocol/curve.js';

const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

interface Domain {
  allowed: Set<string>; // hex of the raw 32-byte public keys
  onReject: (address: string, reason: string) => void;
}

const domains = new Map<string, Domain>();
let handler: zmq.Reply | undefined;

async function serve(socket: zmq.Reply): Promise<void> {
  try {
    for await (const frames of socket) {
      const [version, requestId, domain, address, , mechanism, key] = frames;
      const d = domains.get(domain?.toString() ?? '');
      let status = '400';
      let text = 'unknown ZAP domain';
      if (d && mechanism?.toString() === 'CURVE' && key?.length === 32) {
        const ok = d.allowed.has(key.toString('hex'));
        status = ok ? '200' : '400';
        text = ok ? 'OK' : 'public key not allowed';
        if (!ok) d.onReject(address?.toString() ?? '?', text);
      } else if (d) {
        text = `mechanism ${mechanism?.toString() ?? '?'} not allowed`;
        d.onReject(address?.toString() ?? '?', text);
      }
      await socket.send([version ?? '1.0', requestId ?? '', status, text, status === '200' ? 'worker' : '', '']);
    }
  } catch {
    // The socket was closed: the last domain went away.
  }
}

/** Starts answering for `domain` with the allowed Z85 public keys; returns the function that stops it. */
export async function authorize(domain: string, publicKeys: readonly string[], onReject: Domain['onReject']): Promise<() => void> {
  if (domains.has(domain)) throw new Error(`ZAP domain ${domain} is registered twice`);
  domains.set(domain, { allowed: new Set(publicKeys.map((k) => keyBytes(k, 'a worker key').toString('hex'))), onReject });
  if (!handler) {
    handler = new zmq.Reply({ linger: 0 });
    await handler.bind(ZAP_ENDPOINT);
    void serve(handler);
  }
  return () => {
    domains.delete(domain);
    if (domains.size === 0 && handler) {
      handler.close();
      handler = undefined;
    }
  };
}
