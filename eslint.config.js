// Lint: typescript-eslint's recommended rules plus the determinism rules. Outside src/io/prod no code
// may read the wall clock, start a real timer or draw ambient randomness: everything goes through the
// Clock, Rng and Scheduler interfaces, so that a seed reproduces a run. Tests, benchmarks and scripts
// measure real time on purpose and are exempt; so is src/io/prod, the one place real IO lives.
import tseslint from 'typescript-eslint';

const use = (what) => `is nondeterministic: ${what}`;

const determinism = {
  'no-restricted-globals': [
    'error',
    { name: 'Date', message: use('read time from the Clock interface (ctx.clock.now())') },
    { name: 'setTimeout', message: use('use Clock.setTimer or ctx.setTimer (virtual time)') },
    { name: 'setInterval', message: use('use Clock.setTimer or ctx.setTimer (virtual time)') },
    { name: 'setImmediate', message: use('schedule an event on the Scheduler') },
    { name: 'performance', message: use('read time from the Clock interface') },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: use('draw from the seeded Rng') },
    { object: 'Date', property: 'now', message: use('read time from the Clock interface') },
    { object: 'performance', property: 'now', message: use('read time from the Clock interface') },
    { object: 'process', property: 'hrtime', message: use('read time from the Clock interface') },
    { object: 'crypto', property: 'randomUUID', message: use('draw from the seeded Rng') },
    { object: 'crypto', property: 'getRandomValues', message: use('draw from the seeded Rng') },
    { object: 'crypto', property: 'randomBytes', message: use('draw from the seeded Rng') },
    { object: 'crypto', property: 'randomInt', message: use('draw from the seeded Rng') },
    { object: 'globalThis', property: 'setTimeout', message: use('use Clock.setTimer') },
    { object: 'globalThis', property: 'setInterval', message: use('use Clock.setTimer') },
    { object: 'globalThis', property: 'setImmediate', message: use('schedule an event on the Scheduler') },
    { object: 'globalThis', property: 'Date', message: use('read time from the Clock interface') },
  ],
  'no-restricted-imports': [
    'error',
    {
      paths: [
        { name: 'node:crypto', importNames: ['randomBytes', 'randomUUID', 'randomInt', 'getRandomValues', 'randomFillSync', 'randomFill'], message: use('draw from the seeded Rng') },
        { name: 'crypto', importNames: ['randomBytes', 'randomUUID', 'randomInt', 'getRandomValues', 'randomFillSync', 'randomFill'], message: use('draw from the seeded Rng') },
        { name: 'node:timers', message: use('use Clock.setTimer') },
        { name: 'node:timers/promises', message: use('use Clock.setTimer') },
        { name: 'node:perf_hooks', message: use('read time from the Clock interface') },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'harness/bin/**', '.cache/**', 'dist/**', 'coverage/**'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    rules: {
      ...determinism,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      // Closures over the owning object (contexts, storage views) read better with a named alias.
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  {
    // The runtime traps must name the APIs they replace; they never call them in a simulation.
    files: ['src/io/sim/determinism/**'],
    rules: { 'no-restricted-globals': 'off', 'no-restricted-properties': 'off' },
  },
  {
    // Real time and real IO are allowed here and only here (and in code that measures wall time, and
    // the harness that builds and starts real processes).
    files: ['src/io/prod/**', 'test/**', 'bench/**', 'scripts/**', 'bin/**', 'harness/**'],
    rules: { 'no-restricted-globals': 'off', 'no-restricted-properties': 'off', 'no-restricted-imports': 'off' },
  },
);
