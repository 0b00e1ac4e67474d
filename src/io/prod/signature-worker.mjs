// One worker thread of the signature pool: verifies BLS signature sets with blst and answers with one
// boolean per set. Plain JavaScript so that a worker starts without a TypeScript loader. Malformed
// keys or signatures verify as false: the bytes come from peers.
//
// A job of several sets is first verified as one batch (blst's verifyMultipleAggregateSignatures, a
// random linear combination: about a third of the cost of checking them one by one, as Lodestar
// does); only when the batch fails are the sets checked one by one, to say which ones are bad.
import { PublicKey, Signature, aggregatePublicKeys, fastAggregateVerify, verify, verifyMultipleAggregateSignatures } from '@chainsafe/blst';

import { parentPort } from 'node:worker_threads';

// Authority keys repeat in every block: deserialising and group-checking them once saves a tenth of
// a millisecond each time. Bounded, since keys in hostile blocks are arbitrary bytes.
const keys = new Map();
const MAX_KEYS = 4_096;

function publicKey(bytes) {
  const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  let pk = keys.get(id);
  if (pk === undefined) {
    pk = PublicKey.fromBytes(bytes, true);
    if (keys.size >= MAX_KEYS) keys.clear();
    keys.set(id, pk);
  }
  return pk;
}

function check(set) {
  try {
    const sig = Signature.fromBytes(set.signature, true);
    if (set.kind === 'single') return verify(set.message, publicKey(set.publicKey), sig);
    if (set.publicKeys.length === 0) return false;
    return fastAggregateVerify(set.message, set.publicKeys.map(publicKey), sig);
  } catch {
    return false;
  }
}

/** The set as blst's batch wants it (an aggregate of signers of one message is one key), or undefined if malformed. */
function prepared(set) {
  try {
    const sig = Signature.fromBytes(set.signature, true);
    if (set.kind === 'single') return { msg: set.message, pk: publicKey(set.publicKey), sig };
    if (set.publicKeys.length === 0) return undefined;
    const pk = set.publicKeys.length === 1 ? publicKey(set.publicKeys[0]) : aggregatePublicKeys(set.publicKeys.map(publicKey));
    return { msg: set.message, pk, sig };
  } catch {
    return undefined;
  }
}

function checkAll(sets) {
  if (sets.length >= 2) {
    const batch = sets.map(prepared);
    try {
      if (batch.every((b) => b !== undefined) && verifyMultipleAggregateSignatures(batch)) return sets.map(() => true);
    } catch {
      // fall through to one by one
    }
  }
  return sets.map(check);
}

parentPort.on('message', (job) => {
  parentPort.postMessage({ id: job.id, results: checkAll(job.sets) });
});
