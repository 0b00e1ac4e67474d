// The toy replicated log as a SimApp: what the kernel issue's scenarios run.
import { ActorSystem } from '../../src/kernel/actor-system.ts';
import { supervisor } from '../../src/kernel/supervisor.ts';
import { type SimApp, nodeSystemOptions } from '../app.ts';
import { toyByzantine } from './byzantine.ts';
import { committedDurable, electionSafety, liveness, stateMachineSafety } from './invariants.ts';
import type { RaftState } from './raft.ts';
import { type RaftActorMsg, raftActor, raftActorName } from './raft-actor.ts';
import type { ToyView } from './view.ts';

const notRecovered: ToyView = { recovered: false, term: 0, role: 'follower', leaderId: null, commitIndex: 0, log: [] };

/** Cluster members are the honest nodes: ids that do not start with "byz". */
export const isMember = (id: string): boolean => !id.startsWith('byz');

export const toyApp: SimApp<ToyView> = {
  name: 'toy',
  workloadEveryMs: 250,
  buildNode(ctx) {
    let state: RaftState | undefined;
    const tree = supervisor({
      name: 'toy-supervisor',
      strategy: 'one-for-one',
      restart: { kind: 'backoff', initialMs: 10, maxMs: 1_000, multiplier: 2, jitter: 0.2 },
      intensity: { maxRestarts: 20, windowMs: 10_000 },
      children: [
        raftActor({
          io: ctx.io,
          members: ctx.allNodes.filter(isMember),
          bugs: ctx.bugs,
          sometimes: ctx.sometimes,
          publish: (s) => {
            state = s;
          },
        }),
      ],
    });
    const system = new ActorSystem(
      nodeSystemOptions(ctx),
      supervisor({
        name: 'root',
        strategy: 'one-for-one',
        restart: { kind: 'immediate' },
        intensity: { maxRestarts: 3, windowMs: 10_000 },
        children: [tree],
      }),
    ).start();
    return {
      system,
      view: (): ToyView =>
        state === undefined
          ? notRecovered
          : { recovered: true, term: state.term, role: state.role, leaderId: state.leaderId, commitIndex: state.commitIndex, log: state.log },
    };
  },
  buildByzantine: toyByzantine,
  workload(world, rng) {
    const leaders = world.liveNodes().filter((n) => n.handle.view().role === 'leader');
    if (leaders.length === 0) return;
    const target = rng.pick(leaders);
    const ref = target.handle.system.ref<RaftActorMsg>(raftActorName);
    // One command per workload tick, so the virtual time names it uniquely.
    ref.ask({ type: 'submit', id: `c${world.now}`, value: rng.int(1000) }, 1_000).catch(() => undefined);
  },
  invariants: {
    'election-safety': electionSafety,
    'state-machine-safety': stateMachineSafety,
    'committed-durable': committedDurable,
    liveness,
  },
  bugs: {
    'toy-vote-twice': 'a toy replica grants its vote to every up-to-date candidate of a term, not just the first',
    'toy-ambient-random': 'a toy replica draws part of its election timeout from Math.random, not its seeded Rng',
    'toy-commit-early': 'a toy leader commits an entry once two replicas hold it, not a majority',
    'toy-unsynced-log': 'a toy replica acknowledges log entries written to the disk cache, not synced',
    'toy-no-log-repair': 'a toy leader never walks a follower\'s next index back after a refused append',
    'toy-throw-on-garbage': 'a toy replica decodes in its network callback and throws on an undecodable message',
  },
  // A leader heartbeats every 100 ms, the same bytes while nothing changes: 100 in 10 s by design.
  maxRepeatedSends: 250,
  probes: [
    'toy.leader-elected',
    'toy.log-repaired',
    'toy.stale-term-rejected',
    'toy.malformed-rejected',
    'toy.non-member-ignored',
    'toy.recovered-from-disk',
  ],
};
