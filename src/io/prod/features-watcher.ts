// Reloads the features file while the node runs: on SIGHUP, and when the file changes (polled with
// fs.watchFile, which survives editors that replace the file and filesystems without inotify). A
// file that does not parse keeps the old settings and logs one line naming the field; a removed
// file keeps the last good settings.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { FeatureStore } from '../../node/feature-store.ts';
import { type Features, FeaturesError, parseFeatures } from '../../node/features.ts';

export interface FeaturesWatcher {
  /** Reads the file again now (what SIGHUP does); returns the changed paths, or undefined if refused. */
  reload(): readonly string[] | undefined;
  stop(): void;
}

/** Reads and validates the file at start: here a bad file is a start-up error, not a log line. */
export function loadFeatures(path: string): Features {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FeaturesError(`${path}: cannot read the features file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseFeatures(text, path);
}

export function watchFeatures(path: string, store: FeatureStore, log: { info: (line: string) => void; error: (line: string) => void }, pollMs = 500): FeaturesWatcher {
  const reload = (): readonly string[] | undefined => {
    let next: Features;
    try {
      next = loadFeatures(path);
    } catch (err) {
      log.error(`features: reload refused, keeping generation ${store.generation()}: ${(err as Error).message}`);
      return undefined;
    }
    const changed = store.apply(next);
    if (changed.length > 0) log.info(`features: generation ${store.generation()} from ${path}: ${changed.join(', ')} changed`);
    return changed;
  };
  const onChange = (cur: { mtimeMs: number; nlink: number }, prev: { mtimeMs: number }): void => {
    if (cur.nlink === 0 && cur.mtimeMs === 0) {
      log.error(`features: ${path} was removed; keeping the last good settings (generation ${store.generation()})`);
      return;
    }
    if (cur.mtimeMs !== prev.mtimeMs) reload();
  };
  watchFile(path, { interval: pollMs, persistent: false }, onChange);
  const onHup = (): void => void reload();
  process.on('SIGHUP', onHup);
  return {
    reload,
    stop: () => {
      unwatchFile(path, onChange);
      process.off('SIGHUP', onHup);
    },
  };
}
