// Traps for real sockets and real files. A simulated node talks only through the simulated network
// and disk; reaching the real ones would make the run depend on the machine it runs on.
import { createRequire } from 'node:module';
import type { Patcher } from './patcher.ts';
import type { Trip } from './time-and-random.ts';

const require = createRequire(import.meta.url);

type Fn = (...args: never[]) => unknown;

const fileFunctions = [
  'open', 'openSync', 'readFile', 'readFileSync', 'writeFile', 'writeFileSync', 'appendFile', 'appendFileSync',
  'mkdir', 'mkdirSync', 'readdir', 'readdirSync', 'stat', 'statSync', 'unlink', 'unlinkSync', 'rm', 'rmSync',
  'createReadStream', 'createWriteStream',
];
const promiseFunctions = ['open', 'readFile', 'writeFile', 'appendFile', 'mkdir', 'readdir', 'stat', 'unlink', 'rm'];

export function trapSocketsAndFiles(p: Patcher, trip: Trip, allowed: () => boolean): void {
  const guardAll = (target: Record<string, Fn>, names: readonly string[], label: string): void => {
    for (const name of names) {
      const f = target[name];
      if (typeof f !== 'function') continue;
      p.replace(target, name, function (this: unknown, ...args: never[]) {
        return allowed() ? f.apply(this, args) : trip(`${label}.${name}`);
      });
    }
  };
  const fs = require('node:fs') as Record<string, Fn> & { promises: Record<string, Fn> };
  guardAll(fs, fileFunctions, 'fs');
  guardAll(fs.promises, promiseFunctions, 'fs.promises');
  const net = require('node:net') as { Socket: { prototype: Record<string, Fn> }; Server: { prototype: Record<string, Fn> } };
  guardAll(net.Socket.prototype, ['connect'], 'net.Socket');
  guardAll(net.Server.prototype, ['listen'], 'net.Server');
  guardAll(require('node:dgram') as Record<string, Fn>, ['createSocket'], 'dgram');
  guardAll(require('node:http') as Record<string, Fn>, ['request', 'get'], 'http');
  guardAll(require('node:https') as Record<string, Fn>, ['request', 'get'], 'https');
  p.sync();
}
