// Asking again for missing blocks: never twice within the wait, the wait doubling up to its cap,
// each request on its own clock, and a bounded memory.
import { describe, expect, it } from 'vitest';
import { MissingBlockRequests, missingBlockRequestOptions, parentKey, rangeKey } from '../../src/chain/missing-block-requests.ts';

describe('missing block requests', () => {
  const o = { firstRetryMs: 1_000, maxRetryMs: 8_000, remember: 4 };

  it('sends a request again only after a wait that doubles up to the cap', () => {
    const r = new MissingBlockRequests(o);
    const sentAt: number[] = [];
    for (let t = 0; t <= 40_000; t += 100) if (r.shouldAsk(rangeKey(7), t)) sentAt.push(t);
    expect(sentAt).toEqual([0, 1_000, 3_000, 7_000, 15_000, 23_000, 31_000, 39_000]);
  });

  it('keeps each request on its own clock', () => {
    const r = new MissingBlockRequests(o);
    expect(r.shouldAsk(rangeKey(7), 0)).toBe(true);
    expect(r.shouldAsk(rangeKey(7), 10)).toBe(false);
    // The head moved: the missing heights start higher, a new request.
    expect(r.shouldAsk(rangeKey(9), 10)).toBe(true);
    expect(r.shouldAsk(parentKey('ab'), 10)).toBe(true);
    expect(r.shouldAsk(parentKey('ab'), 20)).toBe(false);
  });

  it('forgets the request asked longest ago past its memory', () => {
    const r = new MissingBlockRequests(o);
    for (let h = 1; h <= 5; h++) expect(r.shouldAsk(rangeKey(h), 0)).toBe(true);
    // rangeKey(1) was forgotten, so it goes out again at once; rangeKey(5) is remembered.
    expect(r.shouldAsk(rangeKey(1), 1)).toBe(true);
    expect(r.shouldAsk(rangeKey(5), 1)).toBe(false);
  });

  it('waits half a slot at first and four slots at most', () => {
    expect(missingBlockRequestOptions(2_000)).toMatchObject({ firstRetryMs: 1_000, maxRetryMs: 8_000 });
  });
});
