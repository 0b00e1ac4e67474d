import { describe, expect, it } from 'vitest';
import { nodeStatusSchema, progressBar, renderStatus } from '../../src/cli/status-text.ts';

const base = {
  head: { height: 4_520, hash: `0x${'ab'.repeat(32)}` },
  finalized: 4_400,
  sync: { state: 'downloading', currentHeight: 4_520, targetHeight: 10_000, blocksPerSec: 250.14, peerCount: 3 },
  peers: 4,
  peerId: '12D3KooWexample',
  authority: null,
  producedBlocks: 0,
  pegs: { pegIns: { found: 5, minted: 4, rejected: 1 }, pegOuts: { operations: 3, completed: 2, refused: 1 }, paused: false },
  features: { engineMode: 'rollout', rolloutPercent: 25 },
  events: { 'sync.request-timed-out': 1 },
};

describe('alys status rendering', () => {
  it('shows a syncing node with a progress bar, heights, finality lag, peers and pegs', () => {
    const lines = renderStatus(nodeStatusSchema.parse(base));
    expect(lines).toEqual([
      'sync      downloading [##########--------------] 45.2 %  4520/10000  250.1 blocks/s',
      'head      4520 0xabababab…ababab',
      'finalized 4400 (120 behind the head)',
      'peers     4 (3 serving sync)',
      'produced  0 blocks (not an authority)',
      'peg-ins   5 found, 4 minted, 1 rejected',
      'peg-outs  3 operations, 2 completed, 1 refused',
      'engine    rollout, V3 rollout 25 %',
      'peer id   12D3KooWexample',
    ]);
  });

  it('shows a synced node without a bridge, and a node with nothing yet', () => {
    const synced = renderStatus(nodeStatusSchema.parse({ ...base, sync: { state: 'synced', currentHeight: 7, targetHeight: 7 }, pegs: null, authority: '0xaa', producedBlocks: 3 }));
    expect(synced[0]).toBe('sync      synced at 7');
    expect(synced).toContain('pegs      no bridge on this node');
    expect(synced).toContain('produced  3 blocks');
    const empty = renderStatus(nodeStatusSchema.parse({ head: null, finalized: null, sync: null }));
    expect(empty).toEqual(['sync      not started', 'head      none yet', 'finalized none yet', 'pegs      no bridge on this node']);
  });

  it('draws bars within their width whatever the fraction', () => {
    expect(progressBar(0, 4)).toBe('[----]');
    expect(progressBar(1, 4)).toBe('[####]');
    expect(progressBar(1.7, 4)).toBe('[####]');
    expect(progressBar(-1, 4)).toBe('[----]');
  });

  it('refuses an answer that is not a status', () => {
    expect(nodeStatusSchema.safeParse({ head: 'tall' }).success).toBe(false);
  });
});
