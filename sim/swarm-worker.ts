// One swarm worker thread: runs the seeds it is sent, one at a time, each exactly as the main thread
// would (runSimulation with the same options), and posts back the result. A run shares nothing with
// another but the loaded modules, so a seed's result does not depend on the thread it ran on.
import { parentPort } from 'node:worker_threads';
import { type RunOptions, runSimulation } from './runner.ts';

/** What a worker is sent: the run options that are plain data. */
export type SeedTask = Pick<RunOptions, 'scenario' | 'scenarioRef' | 'seed' | 'bugs' | 'swarm' | 'durationMs' | 'schedule'>;

const port = parentPort;
if (port === null) throw new Error('sim/swarm-worker.ts runs in a worker thread');
port.on('message', (task: SeedTask) => {
  runSimulation(task).then(
    (result) => port.postMessage({ result }),
    (err: unknown) => port.postMessage({ error: `seed ${task.seed}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` }),
  );
});
port.postMessage({ ready: true });
