// The determinism lint must fire on every nondeterministic API outside src/io/prod, and not inside it.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ overrideConfigFile: 'eslint.config.js' });

const snippets: Record<string, string> = {
  'Date.now': 'export const t = Date.now();',
  'new Date': 'export const d = new Date();',
  'Math.random': 'export const r = Math.random();',
  setTimeout: 'setTimeout(() => undefined, 1);',
  setInterval: 'setInterval(() => undefined, 1);',
  setImmediate: 'setImmediate(() => undefined);',
  'globalThis.setImmediate': 'export const f = globalThis.setImmediate;',
  'performance.now': 'export const p = performance.now();',
  'process.hrtime': 'export const h = process.hrtime();',
  'crypto.randomUUID': 'export const u = crypto.randomUUID();',
  'crypto.getRandomValues': 'export const g = crypto.getRandomValues(new Uint8Array(4));',
  'node:crypto randomBytes': "import { randomBytes } from 'node:crypto';\nexport const b = randomBytes(4);",
  'node:timers/promises': "import { setTimeout as sleep } from 'node:timers/promises';\nexport const s = sleep;",
};

async function errorsFor(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => m.ruleId ?? m.message);
}

describe('determinism lint', () => {
  for (const [api, code] of Object.entries(snippets)) {
    it(`fails on ${api} in domain code and allows it in src/io/prod`, async () => {
      const outside = await errorsFor(code, 'src/consensus/example.ts');
      expect(outside.some((r) => r.startsWith('no-restricted'))).toBe(true);
      const sim = await errorsFor(code, 'sim/example.ts');
      expect(sim.some((r) => r.startsWith('no-restricted'))).toBe(true);
      const prod = await errorsFor(code, 'src/io/prod/example.ts');
      expect(prod.filter((r) => r.startsWith('no-restricted'))).toEqual([]);
    });
  }

  it('passes deterministic code', async () => {
    expect(await errorsFor('export const f = (clock: { now(): number }) => clock.now() + 1;', 'src/kernel/example.ts')).toEqual([]);
  });
});
