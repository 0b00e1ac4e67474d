// Entry of a swarm worker thread: TypeScript runs through tsx's loader, as in bin/alys.mjs (a worker
// does not inherit the loader its parent registered), then the worker proper takes over.
import { register } from 'tsx/esm/api';

register();
await import('./swarm-worker.ts');
