// Who is in the run: each worker's lifecycle, liveness and what it holds.
//
//   joining --(first message after WELCOME: its replica is ready)--> healthy
//   healthy --(silent past suspectAfter while holding work)--> suspect --(speaks again)--> healthy
//   healthy | suspect | joining --(connection dropped, send fails, silent past heartbeatTimeout, or it failed)--> lost
//   healthy | suspect | joining --(LEAVE)--> left
// lost and left are final: a process that comes back joins again as a new member.

export type WorkerState = 'joining' | 'healthy' | 'suspect' | 'lost' | 'left';

const NEXT: Record<WorkerState, readonly WorkerState[]> = {
  joining: ['healthy', 'lost', 'left'],
  healthy: ['suspect', 'lost', 'left'],
  suspect: ['healthy', 'lost', 'left'],
  lost: [],
  left: [],
};

export interface Member {
  /** Hex of the ZeroMQ routing identity: the worker's key. */
  id: string;
  identity: Buffer;
  rank: number;
  pid: number;
  host: string;
  state: WorkerState;
  joinedAt: number;
  lastSeen: number;
  /** Weight version of each network last sent to this worker. */
  sent: Record<string, number>;
  /** Keys of the current round's blocks this worker was given and has not answered. */
  outstanding: Set<string>;
  /** Where the other workers reach it (PEER), under cluster.reduce: allreduce. */
  peer?: string;
}

export class Membership {
  private readonly members = new Map<string, Member>();

  add(identity: Buffer, info: { rank: number; pid: number; host: string }, now = Date.now()): Member {
    const member: Member = {
      id: identity.toString('hex'), identity, ...info, state: 'joining', joinedAt: now, lastSeen: now, sent: {}, outstanding: new Set(),
    };
    this.members.set(member.id, member);
    return member;
  }

  get(identity: Buffer): Member | undefined {
    return this.members.get(identity.toString('hex'));
  }

  /** Moves a member to `to`; returns false (and changes nothing) when the lifecycle does not allow it. */
  move(m: Member, to: WorkerState): boolean {
    if (!NEXT[m.state].includes(to)) return false;
    m.state = to;
    if (to === 'lost' || to === 'left') {
      m.outstanding.clear();
      // Forget finished members, so the table does not grow with every restart of a long run.
      this.members.delete(m.id);
    }
    return true;
  }

  /** Workers that may be given work, in a stable order (rank, then join time): the order shards are assigned in. */
  healthy(): Member[] {
    return this.inStates('healthy');
  }

  /** Members still connected: joining, healthy or suspect. */
  live(): Member[] {
    return this.inStates('joining', 'healthy', 'suspect');
  }

  private inStates(...states: WorkerState[]): Member[] {
    return [...this.members.values()]
      .filter((m) => states.includes(m.state))
      .sort((a, b) => a.rank - b.rank || a.joinedAt - b.joinedAt || a.id.localeCompare(b.id));
  }
}

/** How a worker is named in messages to people. */
export function describe(m: Pick<Member, 'rank' | 'pid' | 'host'>): string {
  return `worker ${m.rank >= 0 ? `rank ${m.rank}` : '(no rank)'} (pid ${m.pid} on ${m.host})`;
}
