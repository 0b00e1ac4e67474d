// One worker thread of the signature pool: verifies BLS signature sets with blst and answers with one
// boolean per set. Plain JavaScript so that a worker starts without a TypeScript loader. Malformed
// keys or signatures verify as false: the bytes come from peers.
import { parentPort } from 'node:worker_threads';
import { PublicKey, Signature, fastAggregateVerify, verify } from '@chainsafe/blst';

function check(set) {
  try {
    const sig = Signature.fromBytes(set.signature, true);
    if (set.kind === 'single') return verify(set.message, PublicKey.fromBytes(set.publicKey, true), sig);
    if (set.publicKeys.length === 0) return false;
    return fastAggregateVerify(set.message, set.publicKeys.map((k) => PublicKey.fromBytes(k, true)), sig);
  } catch {
    return false;
  }
}

parentPort.on('message', (job) => {
  parentPort.postMessage({ id: job.id, results: job.sets.map(check) });
});
