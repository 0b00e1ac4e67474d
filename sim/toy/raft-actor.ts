// The toy replica as an actor: network bytes, timers and client commands in; the pure Raft code
// decides; the actor persists before it sends whatever depends on the persisted state.
import type { NodeIO } from '../../src/io/index.ts';
import { type ActorContext, type ActorSpec, actor } from '../../src/kernel/actor.ts';
import type { BugSwitches } from '../../src/kernel/bugs.ts';
import type { Ask } from '../../src/kernel/message.ts';
import { decode, encode } from './codec.ts';
import { persist, recover } from './persist.ts';
import { type Effects, type RaftState, initialState, needsPersist, onElectionTimeout, onHeartbeat, onMessage, onSubmit } from './raft.ts';

export type SubmitReply = { readonly ok: true } | { readonly ok: false; readonly reason: 'not-leader'; readonly leaderHint?: string };

export type RaftActorMsg =
  | { readonly type: 'net'; readonly from: string; readonly bytes: Uint8Array }
  | { readonly type: 'election-timeout' }
  | { readonly type: 'heartbeat' }
  | Ask<{ readonly type: 'submit'; readonly id: string; readonly value: number }, SubmitReply>;

export const raftActorName = 'raft';
const heartbeatMs = 100;
const electionMinMs = 500;
const electionMaxMs = 1_000;

export interface RaftActorDeps {
  readonly io: NodeIO;
  readonly members: readonly string[];
  readonly bugs: BugSwitches;
  readonly sometimes: (probe: string) => void;
  /** The state the checkers read (replaced on every incarnation). */
  readonly publish: (state: RaftState | undefined) => void;
}

export function raftActor(d: RaftActorDeps): ActorSpec<RaftActorMsg> {
  return actor<RaftActorMsg>({
    name: raftActorName,
    mailbox: { capacity: 4_096, overflow: 'drop-oldest' },
    create: (ctx: ActorContext<RaftActorMsg>) => {
      const s = initialState(d.io.network.self, d.members);
      // One election timer at a time, re-armed lazily: followers push the deadline back on every
      // heartbeat, and creating a timer per heartbeat would triple the events the simulation runs.
      let deadline = 0;
      let armed = false;
      const arm = (delay: number): void => {
        armed = true;
        ctx.setTimer(delay, { type: 'election-timeout' });
      };
      const resetElection = (): void => {
        deadline = ctx.clock.now() + ctx.rng.range(electionMinMs, electionMaxMs);
        if (d.bugs.has('toy-ambient-random')) {
          // eslint-disable-next-line no-restricted-properties -- planted bug: the runtime trap must catch this
          deadline += Math.random(); // safe: planted bug toy-ambient-random, off unless --plant-bug names it; the trap must catch it
        }
        if (!armed) arm(deadline - ctx.clock.now());
      };
      // Synchronous unless something must reach the disk first: most messages (heartbeats and their
      // answers) change nothing durable, and a synchronous handler is much cheaper to simulate.
      const apply = (fx: Effects): void | Promise<void> => {
        if (needsPersist(s)) return persist(s, d.io.storage, d.bugs.has('toy-unsynced-log')).then(() => emit(fx));
        emit(fx);
      };
      const emit = (fx: Effects): void => {
        if (fx.becameLeader) d.sometimes('toy.leader-elected');
        if (fx.repaired) d.sometimes('toy.log-repaired');
        if (fx.staleRejected) d.sometimes('toy.stale-term-rejected');
        if (fx.resetElection) resetElection();
        for (const { to, msg } of fx.send) d.io.network.send(to, encode(msg));
      };
      return {
        async onStart() {
          d.publish(undefined);
          await recover(s, d.io.storage);
          if (s.log.length > 0 || s.term > 0) d.sometimes('toy.recovered-from-disk');
          d.io.network.onReceive((from, bytes) => {
            // The planted bug toy-throw-on-garbage decodes in the network callback and throws there.
            if (d.bugs.has('toy-throw-on-garbage') && !decode(bytes).ok) throw new Error(`toy: undecodable message from ${from}`);
            ctx.self.tell({ type: 'net', from, bytes });
          });
          d.publish(s);
          resetElection();
          ctx.setTimer(heartbeatMs, { type: 'heartbeat' });
        },
        onStop() {
          d.publish(undefined);
        },
        handlers: {
          net: (m) => {
            const r = decode(m.bytes);
            if (!r.ok) {
              d.sometimes('toy.malformed-rejected');
              return;
            }
            if (!d.members.includes(m.from)) {
              d.sometimes('toy.non-member-ignored');
              return;
            }
            return apply(onMessage(s, m.from, r.msg, d.bugs));
          },
          'election-timeout': () => {
            armed = false;
            const now = ctx.clock.now();
            if (now < deadline) {
              arm(deadline - now);
              return;
            }
            const done = apply(onElectionTimeout(s));
            if (s.role !== 'leader') resetElection();
            return done;
          },
          heartbeat: () => {
            ctx.setTimer(heartbeatMs, { type: 'heartbeat' });
            return apply(onHeartbeat(s));
          },
          submit: async (m) => {
            const { accepted, fx } = onSubmit(s, m.id, m.value);
            await apply(fx);
            if (accepted) return { ok: true };
            return s.leaderId === null ? { ok: false, reason: 'not-leader' } : { ok: false, reason: 'not-leader', leaderHint: s.leaderId };
          },
        },
      };
    },
  });
}
