// The node's config file as `alys node --config` reads it: parsed (a file that is not JSON is named
// with line and column), validated by the schema, and every file it names checked to exist, before
// anything starts. Kept apart from the runtime so that a bad config is reported without loading it.
import { readFileSync, statSync } from 'node:fs';
import { type NodeConfig, ConfigError, configFiles, parseConfigText, parseNodeConfig } from '../../node/config.ts';

/** Reads, parses and validates a config file, and checks that the files it names exist. */
export function loadNodeConfig(path: string, env: Readonly<Record<string, string | undefined>> = process.env): NodeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${path}: cannot read the config: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : reasonOf(err)}`);
  }
  const config = parseNodeConfig(parseConfigText(text, path), env, path);
  for (const f of configFiles(config)) {
    let isFile = false;
    try {
      isFile = statSync(f.path).isFile();
    } catch (err) {
      throw new ConfigError(`${path}: ${f.field} ${f.path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : reasonOf(err)}`);
    }
    if (!isFile) throw new ConfigError(`${path}: ${f.field} ${f.path}: not a file`);
  }
  return config;
}

/** The shortest account of an error: a system error's code (ECONNREFUSED), else its first line. */
export function reasonOf(err: unknown): string {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  const shortMessage = (err as { shortMessage?: unknown }).shortMessage;
  const text = typeof shortMessage === 'string' ? shortMessage : err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}

