// Who is in the run: each worker's lifecycle (joining -> healthy -> lost / left), liveness and what it holds.

export type WorkerState = 'joining' | 'healthy' | 'lost' | 'left';

export interface Member {
  /** Hex of the ZeroMQ routing identity: the worker's key. */
  id: string;
  identity: Buffer;
  rank: number;
  pid: number;
  host: string;
  state: WorkerState;
  lastSeen: number;
  /** Weight version of each network last sent to this worker. */
  sent: Record<string, number>;
}

export class Membership {
  private readonly members = new Map<string, Member>();

  add(identity: Buffer, info: { rank: number; pid: number; host: string }): Member {
    const member: Member = { id: identity.toString('hex'), identity, ...info, state: 'joining', lastSeen: Date.now(), sent: {} };
    this.members.set(member.id, member);
    return member;
  }

  get(identity: Buffer): Member | undefined {
    return this.members.get(identity.toString('hex'));
  }

  /** Healthy workers in a stable order (rank, then join order), the order shards are assigned in. */
  healthy(): Member[] {
    return [...this.members.values()].filter((m) => m.state === 'healthy').sort((a, b) => a.rank - b.rank);
  }

  all(): Member[] {
    return [...this.members.values()];
  }
}

/** How a worker is named in messages to people. */
export function describe(m: Pick<Member, 'rank' | 'pid' | 'host'>): string {
  return `worker ${m.rank >= 0 ? `rank ${m.rank}` : '(no rank)'} (pid ${m.pid} on ${m.host})`;
}
