// What `alys node` adds to its own start (src/io/prod/process-settings.ts): the malloc tunables and
// V8 flags it lacks, leaving whatever the operator set; nothing once they are there, so the restart
// in place happens once.
import { describe, expect, it } from 'vitest';
import { MALLOC_TUNABLES, NODE_FLAGS, missingSettings } from '../../src/io/prod/process-settings.ts';

const ours = Object.entries(MALLOC_TUNABLES).map(([k, v]) => `${k}=${v}`).join(':');

describe('missingSettings', () => {
  it('asks for every tunable and flag on a bare start', () => {
    expect(missingSettings({ env: {}, execArgv: [] })).toEqual({ tunables: ours, flags: NODE_FLAGS });
  });

  it('asks for nothing once the restarted process has them', () => {
    const m = missingSettings({ env: {}, execArgv: [] });
    expect(missingSettings({ env: { GLIBC_TUNABLES: m?.tunables }, execArgv: [...(m?.flags ?? [])] })).toBeUndefined();
  });

  it("keeps the operator's own tunables and values, adding only what is missing", () => {
    const m = missingSettings({ env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072' }, execArgv: [] });
    expect(m?.tunables).toBe('glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072');
    const n = missingSettings({ env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, execArgv: [] });
    expect(n?.tunables).toBe(`glibc.malloc.arena_max=2:${ours}`);
  });

  it('leaves out a flag the operator passed, on the command line or in NODE_OPTIONS', () => {
    for (const f of NODE_FLAGS) {
      const name = f.split('=')[0] as string;
      expect(missingSettings({ env: { GLIBC_TUNABLES: ours }, execArgv: [`${name}=64`] })).toBeUndefined();
      expect(missingSettings({ env: { GLIBC_TUNABLES: ours, NODE_OPTIONS: `--enable-source-maps ${name}=64` }, execArgv: [] })).toBeUndefined();
    }
  });
});
