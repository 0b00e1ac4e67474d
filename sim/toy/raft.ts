// A small Raft, as pure functions of (state, input) → effects: the toy application the simulator
// runs until the chain exists. It has what a chaos test needs to break: elections with terms,
// replication with a consistency check, commit by majority, and state that must survive crashes.
import type { BugSwitches } from '../../src/kernel/bugs.ts';

export interface Entry {
  readonly term: number;
  readonly id: string;
  readonly value: number;
}

export type RaftMessage =
  | { readonly t: 'vote-req'; readonly term: number; readonly lastIndex: number; readonly lastTerm: number }
  | { readonly t: 'vote'; readonly term: number; readonly granted: boolean }
  | {
      readonly t: 'append';
      readonly term: number;
      readonly prevIndex: number;
      readonly prevTerm: number;
      readonly entries: readonly Entry[];
      readonly commit: number;
    }
  | { readonly t: 'append-resp'; readonly term: number; readonly success: boolean; readonly match: number };

export type Role = 'follower' | 'candidate' | 'leader';

export interface RaftState {
  readonly id: string;
  readonly members: readonly string[];
  term: number;
  votedFor: string | null;
  /** log[i] is entry index i + 1. */
  log: Entry[];
  role: Role;
  leaderId: string | null;
  /** Entries 1..commitIndex are committed. Volatile, as in Raft. */
  commitIndex: number;
  votes: Set<string>;
  nextIndex: Map<string, number>;
  matchIndex: Map<string, number>;
  /** Log entries from this index (1-based) on must be written before the next send. */
  dirtyFrom: number;
  persistedLength: number;
  metaDirty: boolean;
}

export interface Effects {
  readonly send: Array<{ to: string; msg: RaftMessage }>;
  /** Start a new election timeout (a message from the leader or a vote granted). */
  resetElection: boolean;
  becameLeader: boolean;
  repaired: boolean;
  staleRejected: boolean;
}

const maxBatch = 64;

export function initialState(id: string, members: readonly string[]): RaftState {
  return {
    id,
    members,
    term: 0,
    votedFor: null,
    log: [],
    role: 'follower',
    leaderId: null,
    commitIndex: 0,
    votes: new Set(),
    nextIndex: new Map(),
    matchIndex: new Map(),
    dirtyFrom: 1,
    persistedLength: 0,
    metaDirty: false,
  };
}

export function needsPersist(s: RaftState): boolean {
  return s.metaDirty || s.dirtyFrom <= s.log.length || s.persistedLength > s.log.length;
}

const noEffects = (): Effects => ({ send: [], resetElection: false, becameLeader: false, repaired: false, staleRejected: false });

const lastIndex = (s: RaftState): number => s.log.length;
const termAt = (s: RaftState, index: number): number => (index === 0 ? 0 : (s.log[index - 1]?.term ?? -1));
const majority = (s: RaftState): number => Math.floor(s.members.length / 2) + 1;

function stepDown(s: RaftState, term: number): void {
  if (term > s.term) {
    s.term = term;
    s.votedFor = null;
    s.metaDirty = true;
  }
  s.role = 'follower';
  s.votes = new Set();
}

export function onElectionTimeout(s: RaftState): Effects {
  const fx = noEffects();
  if (s.role === 'leader') return fx;
  s.term++;
  s.role = 'candidate';
  s.votedFor = s.id;
  s.metaDirty = true;
  s.leaderId = null;
  s.votes = new Set([s.id]);
  fx.resetElection = true;
  if (s.votes.size >= majority(s)) return becomeLeader(s, fx);
  for (const m of s.members) {
    if (m !== s.id) fx.send.push({ to: m, msg: { t: 'vote-req', term: s.term, lastIndex: lastIndex(s), lastTerm: termAt(s, lastIndex(s)) } });
  }
  return fx;
}

function becomeLeader(s: RaftState, fx: Effects): Effects {
  s.role = 'leader';
  s.leaderId = s.id;
  fx.becameLeader = true;
  for (const m of s.members) {
    s.nextIndex.set(m, lastIndex(s) + 1);
    s.matchIndex.set(m, 0);
  }
  heartbeat(s, fx);
  return fx;
}

export function onHeartbeat(s: RaftState): Effects {
  const fx = noEffects();
  if (s.role === 'leader') heartbeat(s, fx);
  return fx;
}

function heartbeat(s: RaftState, fx: Effects): void {
  for (const m of s.members) if (m !== s.id) fx.send.push({ to: m, msg: appendFor(s, m) });
}

function appendFor(s: RaftState, m: string): RaftMessage {
  const next = s.nextIndex.get(m) ?? lastIndex(s) + 1;
  const prevIndex = next - 1;
  return {
    t: 'append',
    term: s.term,
    prevIndex,
    prevTerm: termAt(s, prevIndex),
    entries: s.log.slice(prevIndex, prevIndex + maxBatch),
    commit: s.commitIndex,
  };
}

export function onSubmit(s: RaftState, id: string, value: number): { accepted: boolean; fx: Effects } {
  const fx = noEffects();
  if (s.role !== 'leader') return { accepted: false, fx };
  // A client retrying a command it just sent must not append it twice; looking at the recent tail is
  // enough for that (a scan of the whole log would make every command cost O(log length)).
  for (let i = s.log.length - 1; i >= Math.max(0, s.log.length - 64); i--) if (s.log[i]?.id === id) return { accepted: true, fx };
  s.log.push({ term: s.term, id, value });
  s.dirtyFrom = Math.min(s.dirtyFrom, s.log.length);
  s.matchIndex.set(s.id, lastIndex(s));
  heartbeat(s, fx);
  return { accepted: true, fx };
}

export function onMessage(s: RaftState, from: string, msg: RaftMessage, bugs: BugSwitches): Effects {
  const fx = noEffects();
  if (!s.members.includes(from) || from === s.id) return fx;
  if (msg.term > s.term) stepDown(s, msg.term);
  if (msg.term < s.term) {
    fx.staleRejected = true;
    // Tell a stale sender about the newer term so it steps down.
    if (msg.t === 'vote-req') fx.send.push({ to: from, msg: { t: 'vote', term: s.term, granted: false } });
    if (msg.t === 'append') fx.send.push({ to: from, msg: { t: 'append-resp', term: s.term, success: false, match: 0 } });
    return fx;
  }
  switch (msg.t) {
    case 'vote-req': {
      const upToDate = msg.lastTerm > termAt(s, lastIndex(s)) || (msg.lastTerm === termAt(s, lastIndex(s)) && msg.lastIndex >= lastIndex(s));
      // The planted bug forgets that a vote was already given in this term.
      const free = s.votedFor === null || s.votedFor === from || bugs.has('toy-vote-twice');
      const granted = free && upToDate;
      if (granted) {
        s.votedFor = from;
        s.metaDirty = true;
        fx.resetElection = true;
      }
      fx.send.push({ to: from, msg: { t: 'vote', term: s.term, granted } });
      return fx;
    }
    case 'vote': {
      if (s.role !== 'candidate' || !msg.granted) return fx;
      s.votes.add(from);
      if (s.votes.size >= majority(s)) becomeLeader(s, fx);
      return fx;
    }
    case 'append': {
      s.role = 'follower';
      s.leaderId = from;
      fx.resetElection = true;
      if (msg.prevIndex > lastIndex(s) || termAt(s, msg.prevIndex) !== msg.prevTerm) {
        fx.send.push({ to: from, msg: { t: 'append-resp', term: s.term, success: false, match: Math.min(lastIndex(s), msg.prevIndex - 1) } });
        return fx;
      }
      let i = msg.prevIndex;
      for (const e of msg.entries) {
        i++;
        const existing = s.log[i - 1];
        if (existing !== undefined && existing.term === e.term) continue;
        if (existing !== undefined) {
          s.log.length = i - 1;
          fx.repaired = true;
        }
        s.log.push(e);
        s.dirtyFrom = Math.min(s.dirtyFrom, i);
      }
      const match = msg.prevIndex + msg.entries.length;
      if (msg.commit > s.commitIndex) s.commitIndex = Math.min(msg.commit, match);
      fx.send.push({ to: from, msg: { t: 'append-resp', term: s.term, success: true, match } });
      return fx;
    }
    case 'append-resp': {
      if (s.role !== 'leader') return fx;
      if (!msg.success) {
        // The planted bug never walks back: a follower missing entries gets the same append at each heartbeat.
        if (bugs.has('toy-no-log-repair')) return fx;
        s.nextIndex.set(from, Math.max(1, Math.min((s.nextIndex.get(from) ?? 1) - 1, msg.match + 1)));
        fx.send.push({ to: from, msg: appendFor(s, from) });
        return fx;
      }
      if (msg.match > (s.matchIndex.get(from) ?? 0)) s.matchIndex.set(from, msg.match);
      s.nextIndex.set(from, msg.match + 1);
      advanceCommit(s, bugs);
      if (msg.match < lastIndex(s)) fx.send.push({ to: from, msg: appendFor(s, from) });
      return fx;
    }
  }
}

function advanceCommit(s: RaftState, bugs: BugSwitches): void {
  const needed = bugs.has('toy-commit-early') ? 2 : majority(s);
  for (let n = lastIndex(s); n > s.commitIndex; n--) {
    if (termAt(s, n) !== s.term) break;
    let count = 1;
    for (const m of s.members) if (m !== s.id && (s.matchIndex.get(m) ?? 0) >= n) count++;
    if (count >= needed) {
      s.commitIndex = n;
      return;
    }
  }
}
