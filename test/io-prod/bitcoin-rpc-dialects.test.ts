// BitcoinRpc against a fake bitcoind: a node:http JSON-RPC server on 127.0.0.1 that answers the way
// Bitcoin Core v25+ documents and implements its RPCs, over a small regtest chain built with
// bitcoinjs-lib (real regtest genesis, coinbases with BIP34 heights and witness commitments, a signed
// P2WPKH deposit to a 2-of-3 P2WSH federation with an OP_RETURN). bitcoind itself cannot be built
// here; btcd has its own real test (test/real/btcd-peg.test.ts).
//
// What the fake takes from Bitcoin Core (RPC help at bitcoincore.org/en/doc/25.0.0/rpc/ and the
// sources src/rpc/{util,server,blockchain,rawtransaction,mining,fees}.cpp, src/httprpc.cpp):
//   - RPCHelpMan::HandleRequest: a wrong number of arguments throws the help text as a runtime_error,
//     which ExecuteCommand turns into RPC_MISC_ERROR (-1); a JSON type mismatch is RPC_TYPE_ERROR (-3)
//     "Wrong type passed: {"Position N (name)": ...}". getblock's and getrawtransaction's
//     "verbosity|verbose" skip the type check and take a bool OR a number; getblockheader's verbose is a
//     BOOL and is checked. So btcd's getblock(hash, verbose, verbosetx) is -1, not -8/-32602.
//   - `generate` is a hidden stub with no arguments: generate() is RPC_METHOD_NOT_FOUND (-32601) with
//     its help, generate(n) fails the argument count first: -1 with the same help text.
//   - Unknown methods: -32601 "Method not found". Legacy (JSON-RPC 1.0) replies: HTTP 404 for -32601,
//     400 for -32600, 500 for other errors, the JSON error object in the body either way.
//   - HTTP auth: no Authorization header is 401 with `WWW-Authenticate: Basic realm="jsonrpc"`; a wrong
//     one is the same 401 after a 250 ms sleep. The cookie file holds "__cookie__:<64 hex>" (no
//     newline) and works alongside -rpcauth users.
//   - Amounts are JSON numbers with 8 decimals; estimatesmartfee's feerate is BTC/kvB and absent (with
//     "errors") when there is no estimate; sendrawtransaction(hex, maxfeerate=0.10, maxburnamount=0)
//     answers -27 when the outputs are already in the UTXO set and the txid when already in the
//     mempool; scantxoutset("start", [descriptor | {desc, range}]) scans the UTXO set (not the mempool).
import * as bitcoin from 'bitcoinjs-lib';
import { ECPairFactory } from 'ecpair';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ecc from 'tiny-secp256k1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitcoinRpcError } from '../../src/io/bitcoin.ts';
import { type BitcoinDialect, BitcoinRpc } from '../../src/io/prod/bitcoin-rpc.ts';

const regtest = bitcoin.networks.regtest;
const ECPair = ECPairFactory(ecc);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const key = (byte: string) => ECPair.fromPrivateKey(bytes(byte.repeat(32)), { network: regtest });

const MINER = key('11');
const MINER_SCRIPT = bitcoin.payments.p2wpkh({ pubkey: MINER.publicKey, network: regtest }).output as Uint8Array;
const MINER_ADDRESS = bitcoin.address.fromOutputScript(MINER_SCRIPT, regtest);
const FED_SCRIPT = bitcoin.payments.p2wsh({ redeem: bitcoin.payments.p2ms({ m: 2, pubkeys: ['21', '22', '23'].map((b) => key(b).publicKey), network: regtest }), network: regtest }).output as Uint8Array;
const OTHER_SCRIPT = bitcoin.payments.p2wpkh({ pubkey: key('31').publicKey, network: regtest }).output as Uint8Array;
const EVM = bytes('5a'.repeat(20));
const USER = 'alys';
const PASSWORD = 'correct horse battery staple';
const COOKIE = `__cookie__:${'c0ffee42'.repeat(8)}`;
const SUBSIDY = 5_000_000_000n;
const REGTEST_GENESIS = '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206';
const GENESIS_COINBASE =
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000';

// ---- JSON the way bitcoind writes it: amounts as numbers with exactly 8 decimals ----------------

class Amount {
  constructor(readonly sats: bigint) {}
  get text(): string {
    const s = this.sats < 0n ? -this.sats : this.sats;
    return `${this.sats < 0n ? '-' : ''}${s / 100_000_000n}.${(s % 100_000_000n).toString().padStart(8, '0')}`;
  }
}
const toJson = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (x instanceof Amount ? `\u0001${x.text}\u0001` : x)).replace(/"\\u0001(-?\d+\.\d{8})\\u0001"/g, '$1');

// ---- Descriptors: Core's checksum (src/script/descriptor.cpp DescriptorChecksum, BIP 380) -------

const INPUT_CHARSET = '0123456789()[],\'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#"\\ ';
const CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an, 0x644d626ffdn];
function descChecksum(desc: string): string {
  let c = 1n;
  const step = (v: number) => {
    const top = c >> 35n;
    c = ((c & 0x7ffffffffn) << 5n) ^ BigInt(v);
    GENERATOR.forEach((g, i) => {
      if ((top >> BigInt(i)) & 1n) c ^= g;
    });
  };
  let cls = 0;
  let count = 0;
  for (const ch of desc) {
    const pos = INPUT_CHARSET.indexOf(ch);
    if (pos < 0) throw new RpcFailure(-5, `Invalid character '${ch}' in descriptor`);
    step(pos & 31);
    cls = cls * 3 + (pos >> 5);
    if (++count === 3) {
      step(cls);
      cls = 0;
      count = 0;
    }
  }
  if (count > 0) step(cls);
  for (let i = 0; i < 8; i++) step(0);
  c ^= 1n;
  return Array.from({ length: 8 }, (_, i) => CHECKSUM_CHARSET[Number((c >> (5n * BigInt(7 - i))) & 31n)]).join('');
}
const withChecksum = (desc: string) => `${desc}#${descChecksum(desc)}`;

// ---- Scripts and transactions as Core's TxToUniv / ScriptToUniv print them ---------------------

function scriptType(s: Uint8Array): string {
  if (s.length === 22 && s[0] === 0x00 && s[1] === 0x14) return 'witness_v0_keyhash';
  if (s.length === 34 && s[0] === 0x00 && s[1] === 0x20) return 'witness_v0_scripthash';
  if (s.length === 34 && s[0] === 0x51 && s[1] === 0x20) return 'witness_v1_taproot';
  if (s.length === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[23] === 0x88 && s[24] === 0xac) return 'pubkeyhash';
  if (s.length === 23 && s[0] === 0xa9 && s[22] === 0x87) return 'scripthash';
  if (s[0] === 0x6a) return 'nulldata';
  if ((s.length === 35 || s.length === 67) && s[s.length - 1] === 0xac) return 'pubkey';
  return 'nonstandard';
}
function asm(s: Uint8Array): string {
  const chunks = bitcoin.script.decompile(s) ?? [];
  return chunks
    .map((c) => {
      if (c instanceof Uint8Array) return c.length <= 4 ? String(bitcoin.script.number.decode(c, 4, false)) : hex(c);
      if (c === bitcoin.opcodes.OP_0) return '0';
      if (c === bitcoin.opcodes.OP_1NEGATE) return '-1';
      if (c >= bitcoin.opcodes.OP_1 && c <= bitcoin.opcodes.OP_16) return String(c - bitcoin.opcodes.OP_1 + 1);
      return bitcoin.script.toASM([c]);
    })
    .join(' ');
}
function scriptPubKeyJson(s: Uint8Array) {
  const type = scriptType(s);
  let address: string | undefined;
  try {
    address = bitcoin.address.fromOutputScript(s, regtest);
  } catch {
    address = undefined;
  }
  const desc = address !== undefined ? `addr(${address})` : type === 'pubkey' ? `pk(${hex(s.subarray(1, s.length - 1))})` : `raw(${hex(s)})`;
  return { asm: asm(s), desc: withChecksum(desc), hex: hex(s), ...(address !== undefined ? { address } : {}), type };
}
function txJson(tx: bitcoin.Transaction) {
  return {
    txid: tx.getId(),
    hash: idOf(bitcoin.crypto.hash256(tx.toBuffer())), // the wtxid (Core prints the coinbase's real one too)
    version: tx.version,
    size: tx.byteLength(),
    vsize: tx.virtualSize(),
    weight: tx.weight(),
    locktime: tx.locktime,
    vin: tx.ins.map((i) => {
      const witness = i.witness.length > 0 ? { txinwitness: i.witness.map(hex) } : {};
      if (tx.isCoinbase()) return { coinbase: hex(i.script), ...witness, sequence: i.sequence };
      return { txid: hex(Uint8Array.from(i.hash).reverse()), vout: i.index, scriptSig: { asm: asm(i.script), hex: hex(i.script) }, ...witness, sequence: i.sequence };
    }),
    vout: tx.outs.map((o, n) => ({ value: new Amount(o.value), n, scriptPubKey: scriptPubKeyJson(o.script) })),
    hex: tx.toHex(),
  };
}

// ---- The fake node --------------------------------------------------------------------------

class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface Entry {
  readonly block: bitcoin.Block;
  readonly hash: string;
  readonly height: number;
}
interface Coin {
  readonly value: bigint;
  readonly script: Uint8Array;
  readonly height: number;
  readonly coinbase: boolean;
}
interface Logged {
  readonly method: string;
  readonly params: unknown;
  readonly jsonrpc: unknown;
  readonly status: number;
  readonly error?: { code: number; message: string };
}
type ArgType = 'num' | 'str' | 'hex' | 'bool' | 'arr' | 'amount' | 'verbosity';
interface Arg {
  readonly name: string;
  readonly type: ArgType;
  readonly required?: boolean;
}
interface Method {
  readonly usage: string;
  readonly about?: string;
  readonly args: readonly Arg[];
  readonly run: (p: readonly unknown[], help: string) => unknown;
}

const outpoint = (txid: string, vout: number) => `${txid}:${vout}`;
const idOf = (hash: Uint8Array) => hex(Uint8Array.from(hash).reverse());
const jsonType = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : 'object');
const expectedType: Record<Exclude<ArgType, 'amount' | 'verbosity'>, string> = { num: 'number', str: 'string', hex: 'string', bool: 'bool', arr: 'array' };

class FakeBitcoind {
  readonly chain: Entry[] = [];
  private readonly byHash = new Map<string, Entry>();
  private readonly txIndex = new Map<string, { tx: bitcoin.Transaction; entry: Entry }>();
  readonly mempool = new Map<string, bitcoin.Transaction>();
  private readonly utxos = new Map<string, Coin>();
  readonly log: Logged[] = [];
  /** BTC/kvB, or undefined for "Insufficient data or no feerate found" (a fresh regtest node). */
  feerate: Amount | undefined = new Amount(51_000n);
  private server: Server | undefined;
  url = '';

  constructor(private readonly credentials: readonly string[]) {
    const cb = bitcoin.Transaction.fromHex(GENESIS_COINBASE);
    const genesis = new bitcoin.Block();
    Object.assign(genesis, { version: 1, prevHash: new Uint8Array(32), merkleRoot: bitcoin.Block.calculateMerkleRoot([cb]), timestamp: 1296688602, bits: 0x207fffff, nonce: 2, transactions: [cb] });
    this.connect(genesis); // its coinbase output is not spendable, so not in the UTXO set
    this.utxos.clear();
  }

  get tip(): Entry {
    return this.chain[this.chain.length - 1] as Entry;
  }
  block(height: number): Entry {
    return this.chain[height] as Entry;
  }

  /** A block paying `script`, with the mempool's transactions (as generatetoaddress does), mined on regtest's target. */
  mine(script: Uint8Array): Entry {
    const height = this.chain.length;
    const txs = [...this.mempool.values()];
    const fees = txs.reduce((sum, tx) => sum + this.fee(tx), 0n);
    const cb = new bitcoin.Transaction();
    cb.version = 2;
    cb.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, bitcoin.script.compile([bitcoin.script.number.encode(height), bitcoin.opcodes.OP_0]));
    cb.setWitness(0, [new Uint8Array(32)]);
    cb.addOutput(script, SUBSIDY + fees);
    const all = [cb, ...txs];
    const commitment = bitcoin.Block.calculateMerkleRoot(all, true);
    cb.addOutput(Uint8Array.from([0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed, ...commitment]), 0n);
    const b = new bitcoin.Block();
    Object.assign(b, { version: 0x20000000, prevHash: this.tip.block.getHash(), merkleRoot: bitcoin.Block.calculateMerkleRoot(all), timestamp: 1_700_000_000 + height * 600, bits: 0x207fffff, nonce: 0, transactions: all });
    while (!b.checkProofOfWork()) b.nonce++;
    return this.connect(b);
  }

  private connect(block: bitcoin.Block): Entry {
    const entry: Entry = { block, hash: block.getId(), height: this.chain.length };
    this.chain.push(entry);
    this.byHash.set(entry.hash, entry);
    for (const tx of block.transactions ?? []) {
      const txid = tx.getId();
      if (!tx.isCoinbase()) for (const i of tx.ins) this.utxos.delete(outpoint(idOf(i.hash), i.index));
      tx.outs.forEach((o, n) => {
        if (o.script[0] !== 0x6a) this.utxos.set(outpoint(txid, n), { value: o.value, script: o.script, height: entry.height, coinbase: tx.isCoinbase() });
      });
      this.txIndex.set(txid, { tx, entry });
      this.mempool.delete(txid);
    }
    return entry;
  }

  private coin(txid: string, vout: number): Coin | undefined {
    const c = this.utxos.get(outpoint(txid, vout));
    if (c !== undefined) return c;
    const parent = this.mempool.get(txid)?.outs[vout];
    return parent === undefined ? undefined : { value: parent.value, script: parent.script, height: this.chain.length, coinbase: false };
  }
  private fee(tx: bitcoin.Transaction): bigint {
    const inValue = tx.ins.reduce((s, i) => s + (this.coin(idOf(i.hash), i.index)?.value ?? 0n), 0n);
    return inValue - tx.outs.reduce((s, o) => s + o.value, 0n);
  }

  /** sendrawtransaction's checks that matter here (no script verification). */
  accept(tx: bitcoin.Transaction, maxFeeRate = 10_000_000n, maxBurn = 0n): string {
    const txid = tx.getId();
    if (tx.outs.some((o, n) => o.script[0] !== 0x6a && this.utxos.has(outpoint(txid, n)))) throw new RpcFailure(-27, 'Transaction outputs already in utxo set');
    if (this.mempool.has(txid)) return txid; // already in the mempool: success, as bitcoind answers
    if (tx.outs.some((o) => o.script[0] === 0x6a && o.value > maxBurn)) throw new RpcFailure(-25, 'Unspendable output exceeds maximum configured by user (maxburnamount)');
    const spentInMempool = new Set([...this.mempool.values()].flatMap((m) => m.ins.map((i) => outpoint(idOf(i.hash), i.index))));
    for (const i of tx.ins) {
      const at = outpoint(idOf(i.hash), i.index);
      if (spentInMempool.has(at)) throw new RpcFailure(-26, 'txn-mempool-conflict');
      const c = this.coin(idOf(i.hash), i.index);
      if (c === undefined) throw new RpcFailure(-25, 'Inputs missing or spent'); // older releases: "Missing inputs"
      const depth = this.chain.length - c.height;
      if (c.coinbase && depth < 100) throw new RpcFailure(-26, `bad-txns-premature-spend-of-coinbase, tried to spend coinbase at depth ${depth}`);
    }
    const fee = this.fee(tx);
    if (fee < 0n) throw new RpcFailure(-26, 'bad-txns-in-belowout');
    if (maxFeeRate > 0n && fee * 1000n > maxFeeRate * BigInt(tx.virtualSize())) throw new RpcFailure(-25, 'Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)');
    this.mempool.set(txid, tx);
    return txid;
  }

  private entryOf(hashHex: unknown, name: string): Entry {
    const h = parseHash(hashHex, name);
    const e = this.byHash.get(h);
    if (e === undefined) throw new RpcFailure(-5, 'Block not found');
    return e;
  }
  private headerJson(e: Entry) {
    const b = e.block;
    const times = this.chain.slice(Math.max(0, e.height - 10), e.height + 1).map((x) => x.block.timestamp).sort((a, z) => a - z);
    const next = this.chain[e.height + 1];
    return {
      hash: e.hash,
      confirmations: this.tip.height - e.height + 1,
      height: e.height,
      version: b.version,
      versionHex: (b.version >>> 0).toString(16).padStart(8, '0'),
      merkleroot: idOf(b.merkleRoot as Uint8Array),
      time: b.timestamp,
      mediantime: times[Math.floor(times.length / 2)],
      nonce: b.nonce,
      bits: b.bits.toString(16).padStart(8, '0'),
      difficulty: 4.656542373906925e-10,
      chainwork: (2 * (e.height + 1)).toString(16).padStart(64, '0'),
      nTx: b.transactions?.length ?? 0,
      ...(e.height > 0 ? { previousblockhash: idOf(b.prevHash as Uint8Array) } : {}),
      ...(next !== undefined ? { nextblockhash: next.hash } : {}),
    };
  }

  readonly methods: Record<string, Method> = {
    getblockcount: { usage: 'getblockcount', args: [], run: () => this.tip.height },
    getblockhash: {
      usage: 'getblockhash height',
      args: [{ name: 'height', type: 'num', required: true }],
      run: ([h]) => {
        const e = this.chain[h as number];
        if (e === undefined || !Number.isInteger(h)) throw new RpcFailure(-8, 'Block height out of range');
        return e.hash;
      },
    },
    getblock: {
      usage: 'getblock "blockhash" ( verbosity )',
      args: [{ name: 'blockhash', type: 'hex', required: true }, { name: 'verbosity|verbose', type: 'verbosity' }],
      run: ([h, v]) => {
        const e = this.entryOf(h, 'blockhash');
        const verbosity = v === undefined || v === null ? 1 : typeof v === 'boolean' ? (v ? 1 : 0) : toInt(v);
        if (verbosity <= 0) return e.block.toHex();
        const txs = e.block.transactions ?? [];
        return {
          ...this.headerJson(e),
          size: e.block.byteLength(false, true),
          strippedsize: e.block.byteLength(false, false),
          weight: e.block.weight(),
          tx: verbosity === 1 ? txs.map((t) => t.getId()) : txs.map(txJson),
        };
      },
    },
    getblockheader: {
      usage: 'getblockheader "blockhash" ( verbose )',
      args: [{ name: 'blockhash', type: 'hex', required: true }, { name: 'verbose', type: 'bool' }],
      run: ([h, verbose]) => {
        const e = this.entryOf(h, 'hash');
        return verbose === false ? e.block.toHex(true) : this.headerJson(e);
      },
    },
    getrawtransaction: {
      usage: 'getrawtransaction "txid" ( verbosity "blockhash" )',
      args: [{ name: 'txid', type: 'hex', required: true }, { name: 'verbosity|verbose', type: 'verbosity' }, { name: 'blockhash', type: 'hex' }],
      run: ([t, v, bh]) => {
        const txid = parseHash(t, 'parameter 1');
        if (txid === idOf(this.block(0).block.merkleRoot as Uint8Array)) throw new RpcFailure(-5, 'The genesis block coinbase is not considered an ordinary transaction and cannot be retrieved');
        const verbosity = v === undefined || v === null ? 0 : typeof v === 'boolean' ? (v ? 1 : 0) : toInt(v);
        let found: { tx: bitcoin.Transaction; entry?: Entry } | undefined;
        if (bh !== undefined && bh !== null) {
          const e = this.entryOf(bh, 'parameter 3');
          const tx = e.block.transactions?.find((x) => x.getId() === txid);
          if (tx === undefined) throw new RpcFailure(-5, 'No such transaction found in the provided block. Use gettransaction for wallet transactions.');
          found = { tx, entry: e };
        } else {
          const m = this.mempool.get(txid);
          found = m !== undefined ? { tx: m } : this.txIndex.get(txid); // -txindex=1
        }
        if (found === undefined) throw new RpcFailure(-5, 'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.');
        if (verbosity <= 0) return found.tx.toHex();
        const inBlock = found.entry === undefined ? {} : { blockhash: found.entry.hash, confirmations: this.tip.height - found.entry.height + 1, time: found.entry.block.timestamp, blocktime: found.entry.block.timestamp };
        return { ...(bh !== undefined && bh !== null ? { in_active_chain: true } : {}), ...txJson(found.tx), ...inBlock };
      },
    },
    scantxoutset: {
      usage: 'scantxoutset "action" ( [scanobjects,...] )',
      args: [{ name: 'action', type: 'str', required: true }, { name: 'scanobjects', type: 'arr' }],
      run: ([action, objects]) => {
        if (action === 'status') return null;
        if (action === 'abort') return false;
        if (action !== 'start') throw new RpcFailure(-8, `Invalid action '${String(action)}'`);
        if (objects === undefined || objects === null) throw new RpcFailure(-1, 'scanobjects argument is required for the start action');
        const needles = new Set((objects as unknown[]).map((o) => hex(scriptOfDescriptor(typeof o === 'string' ? o : (o as { desc?: unknown }).desc))));
        const unspents = [...this.utxos.entries()]
          .filter(([, c]) => needles.has(hex(c.script)))
          .map(([at, c]) => {
            const [txid, vout] = at.split(':') as [string, string];
            return { txid, vout: Number(vout), scriptPubKey: hex(c.script), desc: withChecksum(scriptPubKeyJson(c.script).desc.split('#')[0] as string), amount: new Amount(c.value), coinbase: c.coinbase, height: c.height, blockhash: this.block(c.height).hash };
          });
        return { success: true, txouts: this.utxos.size, height: this.tip.height, bestblock: this.tip.hash, unspents, total_amount: new Amount(unspents.reduce((s, u) => s + u.amount.sats, 0n)) };
      },
    },
    estimatesmartfee: {
      usage: 'estimatesmartfee conf_target ( "estimate_mode" )',
      args: [{ name: 'conf_target', type: 'num', required: true }, { name: 'estimate_mode', type: 'str' }],
      run: ([target, mode]) => {
        const t = toInt(target);
        if (t < 1 || t > 1008) throw new RpcFailure(-8, 'Invalid conf_target, must be between 1 and 1008');
        if (mode !== undefined && mode !== null && !['unset', 'economical', 'conservative'].includes(String(mode).toLowerCase())) throw new RpcFailure(-8, 'Invalid estimate_mode parameter, must be one of: "unset", "economical", "conservative"');
        return this.feerate === undefined ? { errors: ['Insufficient data or no feerate found'], blocks: 0 } : { feerate: this.feerate, blocks: t };
      },
    },
    sendrawtransaction: {
      usage: 'sendrawtransaction "hexstring" ( maxfeerate maxburnamount )',
      args: [{ name: 'hexstring', type: 'hex', required: true }, { name: 'maxfeerate', type: 'amount' }, { name: 'maxburnamount', type: 'amount' }],
      run: ([h, maxFee, maxBurn]) => {
        let tx: bitcoin.Transaction;
        try {
          tx = bitcoin.Transaction.fromHex(h as string);
          if (tx.ins.length === 0) throw new Error('no inputs');
        } catch {
          throw new RpcFailure(-22, 'TX decode failed. Make sure the tx has at least one input.');
        }
        return this.accept(tx, maxFee === undefined || maxFee === null ? 10_000_000n : amountSats(maxFee), maxBurn === undefined || maxBurn === null ? 0n : amountSats(maxBurn));
      },
    },
    generatetoaddress: {
      usage: 'generatetoaddress nblocks "address" ( maxtries )',
      args: [{ name: 'nblocks', type: 'num', required: true }, { name: 'address', type: 'str', required: true }, { name: 'maxtries', type: 'num' }],
      run: ([n, address]) => {
        let script: Uint8Array;
        try {
          script = bitcoin.address.toOutputScript(address as string, regtest);
        } catch {
          throw new RpcFailure(-5, 'Error: Invalid address');
        }
        return Array.from({ length: toInt(n) }, () => this.mine(script).hash);
      },
    },
    // Hidden stub (src/rpc/mining.cpp): no arguments, so generate(n) fails the argument count (-1).
    generate: {
      usage: 'generate',
      about: 'has been replaced by the -generate cli option. Refer to -help for more information.',
      args: [],
      run: (_p, help) => {
        throw new RpcFailure(-32601, help);
      },
    },
  };

  dispatch(method: string, params: unknown): unknown {
    const m = this.methods[method];
    if (m === undefined) throw new RpcFailure(-32601, 'Method not found');
    if (!Array.isArray(params)) throw new RpcFailure(-32600, 'Params must be an array or object');
    const help = `${m.usage}\n\n${m.about ?? '(arguments, result, examples)'}\n`; // RPCHelpMan::ToString(), abridged
    const required = m.args.filter((a) => a.required).length;
    if (params.length < required || params.length > m.args.length) throw new RpcFailure(-1, help);
    const mismatches = m.args.flatMap((a, i) => {
      const v: unknown = params[i];
      if (a.type === 'verbosity' || a.type === 'amount') return [];
      if ((v === undefined || v === null) && !a.required) return [];
      const want = expectedType[a.type];
      return jsonType(v ?? null) === want ? [] : [`    "Position ${i + 1} (${a.name})": "JSON value of type ${jsonType(v ?? null)} is not of expected type ${want}"`];
    });
    if (mismatches.length > 0) throw new RpcFailure(-3, `Wrong type passed:\n{\n${mismatches.join(',\n')}\n}`);
    return m.run(params, help);
  }

  private reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST') return this.reply(res, 405, '');
    const auth = req.headers.authorization;
    const challenge = { 'www-authenticate': 'Basic realm="jsonrpc"' };
    if (auth === undefined) return this.reply(res, 401, '', challenge);
    const pair = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8') : '';
    if (!this.credentials.includes(pair)) {
      this.log.push({ method: '(auth)', params: undefined, jsonrpc: undefined, status: 401 });
      await new Promise((r) => setTimeout(r, 250)); // bitcoind: "Deter brute-forcing"
      return this.reply(res, 401, '', challenge);
    }
    let request: { method?: unknown; params?: unknown; id?: unknown; jsonrpc?: unknown };
    try {
      request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof request;
    } catch {
      return this.reply(res, 500, toJson({ result: null, error: { code: -32700, message: 'Parse error' }, id: null }));
    }
    const method = String(request.method);
    try {
      const result = this.dispatch(method, request.params ?? []);
      this.log.push({ method, params: request.params, jsonrpc: request.jsonrpc, status: 200 });
      this.reply(res, 200, `${toJson({ result, error: null, id: request.id ?? null })}\n`);
    } catch (err) {
      const e = err instanceof RpcFailure ? err : new RpcFailure(-1, (err as Error).message);
      const status = e.code === -32600 ? 400 : e.code === -32601 ? 404 : 500;
      const error = { code: e.code, message: e.message };
      this.log.push({ method, params: request.params, jsonrpc: request.jsonrpc, status, error });
      this.reply(res, status, `${toJson({ result: null, error, id: request.id ?? null })}\n`);
    }
  }

  async listen(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }
  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
  /** The requests answered since the last take, as [method, params]. */
  take(): Array<[string, unknown]> {
    return this.log.splice(0).map((l) => [l.method, l.params]);
  }
}

function toInt(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new RpcFailure(-3, `JSON value of type ${jsonType(v)} is not of expected type number`);
  return v;
}
function parseHash(v: unknown, name: string): string {
  const s = String(v);
  if (s.length !== 64) throw new RpcFailure(-8, `${name} must be of length 64 (not ${s.length}, for '${s}')`);
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw new RpcFailure(-8, `${name} must be hexadecimal string (not '${s}')`);
  return s.toLowerCase();
}
function amountSats(v: unknown): bigint {
  if (typeof v !== 'number' && typeof v !== 'string') throw new RpcFailure(-3, 'Amount is not a number or string');
  const [whole = '0', frac = ''] = String(v).split('.');
  return BigInt(whole) * 100_000_000n + BigInt(frac.padEnd(8, '0').slice(0, 8));
}
function scriptOfDescriptor(d: unknown): Uint8Array {
  if (typeof d !== 'string') throw new RpcFailure(-8, 'Scan object needs to be either a string or an object');
  const [body = '', sum] = d.split('#');
  if (sum !== undefined && sum !== descChecksum(body)) throw new RpcFailure(-5, `Provided checksum '${sum}' does not match computed checksum '${descChecksum(body)}'`);
  const raw = /^raw\(([0-9a-fA-F]*)\)$/.exec(body);
  if (raw) return bytes(raw[1] as string);
  const addr = /^addr\((.+)\)$/.exec(body);
  if (addr) {
    try {
      return bitcoin.address.toOutputScript(addr[1] as string, regtest);
    } catch {
      throw new RpcFailure(-5, `Address is not valid`);
    }
  }
  throw new RpcFailure(-5, `'${body}' is not a valid descriptor function`);
}

// ---- Fixture: a regtest chain with a federation deposit ----------------------------------------

/** Spends output 0 (the miner's 50 BTC) of the coinbase at `height`, signed by the miner. */
function spendCoinbase(fake: FakeBitcoind, height: number, outs: ReadonlyArray<[Uint8Array, bigint]>, fee = 10_000n): bitcoin.Transaction {
  const cb = (fake.block(height).block.transactions ?? [])[0] as bitcoin.Transaction;
  const psbt = new bitcoin.Psbt({ network: regtest });
  psbt.addInput({ hash: cb.getId(), index: 0, witnessUtxo: { script: MINER_SCRIPT, value: SUBSIDY } });
  const paid = outs.reduce((s, [, v]) => s + v, 0n);
  for (const [script, value] of outs) psbt.addOutput({ script, value });
  psbt.addOutput({ script: MINER_SCRIPT, value: SUBSIDY - paid - fee });
  psbt.signInput(0, MINER);
  psbt.finalizeAllInputs();
  return psbt.extractTransaction();
}

const opReturn = (data: Uint8Array) => bitcoin.payments.embed({ data: [data] }).output as Uint8Array;

let fake: FakeBitcoind;
let dir: string;
let cookieFile: string;
let deposit: bitcoin.Transaction; // mined in block 102, pays the federation 1_000_000 sats at vout 0
let pending: bitcoin.Transaction; // in the mempool until the `mine` row, pays the federation 250_000 sats
let fresh: bitcoin.Transaction; // valid, not yet sent
let doubleSpend: bitcoin.Transaction; // spends the deposit's input again
let burn: bitcoin.Transaction; // OP_RETURN carrying value: refused under the default maxburnamount

const client = (dialect: BitcoinDialect, auth: ConstructorParameters<typeof BitcoinRpc>[0]['auth'] = { user: USER, password: PASSWORD }) =>
  new BitcoinRpc({ url: fake.url, auth, dialect, network: regtest, timeoutMs: 5_000, floorFeeRate: 1n });

async function rejection(p: Promise<unknown>): Promise<BitcoinRpcError & { rpcCode?: number }> {
  const err = await p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${String(v)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BitcoinRpcError);
  return err as BitcoinRpcError & { rpcCode?: number };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'alys-bitcoind-'));
  cookieFile = join(dir, '.cookie');
  writeFileSync(cookieFile, COOKIE); // as bitcoind writes it: no trailing newline
  fake = new FakeBitcoind([`${USER}:${PASSWORD}`, COOKIE]);
  for (let h = 1; h <= 101; h++) fake.mine(MINER_SCRIPT);
  deposit = spendCoinbase(fake, 1, [
    [FED_SCRIPT, 1_000_000n],
    [opReturn(EVM), 0n],
  ]);
  fake.accept(deposit);
  fake.mine(MINER_SCRIPT); // 102: coinbase + deposit
  fake.mine(MINER_SCRIPT);
  fake.mine(MINER_SCRIPT); // tip 104: the deposit has 3 confirmations
  pending = spendCoinbase(fake, 2, [[FED_SCRIPT, 250_000n]]);
  fake.accept(pending);
  fresh = spendCoinbase(fake, 3, [[OTHER_SCRIPT, 2_000_000n]]);
  doubleSpend = spendCoinbase(fake, 1, [[OTHER_SCRIPT, 3_000_000n]]);
  burn = spendCoinbase(fake, 4, [[opReturn(EVM), 1_000n]]);
  await fake.listen();
});

afterAll(async () => {
  await fake?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

// ---- The fake is bitcoind-shaped and self-consistent ------------------------------------------

describe('the fake bitcoind', () => {
  it('builds the real regtest genesis, valid blocks and descriptor checksums', () => {
    expect(fake.block(0).hash).toBe(REGTEST_GENESIS);
    expect(descChecksum('raw(deadbeef)')).toBe('89f8spxm'); // doc/descriptors.md
    for (const e of fake.chain.slice(1)) {
      expect(bitcoin.Block.fromHex(e.block.toHex()).checkTxRoots()).toBe(true); // merkle root and witness commitment
      expect(e.block.checkProofOfWork()).toBe(true);
      expect(idOf(e.block.prevHash as Uint8Array)).toBe(fake.block(e.height - 1).hash);
    }
    expect(fake.tip.height).toBe(104);
    expect(fake.block(102).block.transactions?.map((t) => t.getId())).toEqual([expect.any(String), deposit.getId()]);
  });

  it('gives the hex and verbose forms of blocks and transactions consistently', async () => {
    const rpc = client('bitcoind');
    const hash = fake.block(102).hash;
    const raw = bitcoin.Block.fromHex(await rpc.call<string>('getblock', [hash, 0]));
    const v1 = await rpc.call<{ tx: string[]; height: number; previousblockhash: string; merkleroot: string; weight: number; nTx: number }>('getblock', [hash, 1]);
    expect(raw.getId()).toBe(hash);
    expect(v1.tx).toEqual(raw.transactions?.map((t) => t.getId()));
    expect(v1).toMatchObject({ height: 102, previousblockhash: fake.block(101).hash, merkleroot: idOf(raw.merkleRoot as Uint8Array), weight: raw.weight(), nTx: 2 });
    expect(await rpc.call('getblock', [hash, false])).toBe(raw.toHex()); // verbose bool still accepted
    const v = await rpc.call<ReturnType<typeof txJson> & { confirmations: number; blockhash: string }>('getrawtransaction', [deposit.getId(), 1]);
    const back = bitcoin.Transaction.fromHex(v.hex);
    expect(v).toMatchObject({ txid: back.getId(), size: back.byteLength(), vsize: back.virtualSize(), weight: back.weight(), confirmations: 3, blockhash: hash });
    expect(v.hash).not.toBe(v.txid); // segwit: wtxid differs
    expect(v.vout.map((o) => [o.scriptPubKey.hex, o.scriptPubKey.type])).toEqual([
      [hex(FED_SCRIPT), 'witness_v0_scripthash'],
      [hex(opReturn(EVM)), 'nulldata'],
      [hex(MINER_SCRIPT), 'witness_v0_keyhash'],
    ]);
    // Amounts on the wire are decimals with 8 places, as bitcoind prints them.
    const wire = await (await fetch(fake.url, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` }, body: JSON.stringify({ jsonrpc: '1.0', id: 'x', method: 'getrawtransaction', params: [deposit.getId(), true] }) })).text();
    expect(wire).toContain('"value":0.01000000,');
    fake.take();
  });

  it('rejects the btcd-shaped and removed calls the way bitcoind does', async () => {
    const rpc = client('bitcoind');
    const hash = fake.block(102).hash;
    const cases: Array<[string, unknown[], number, RegExp]> = [
      ['getblock', [hash, false, false], -1, /^getblock: getblock "blockhash" \( verbosity \)/], // btcd (hash, verbose, verbosetx)
      ['getblockheader', [hash, 1], -3, /Wrong type passed:[\s\S]*"Position 2 \(verbose\)": "JSON value of type number is not of expected type bool"/],
      ['getblockhash', ['102'], -3, /Position 1 \(height\)/],
      ['generate', [1], -1, /has been replaced by the -generate cli option/],
      ['generate', [], -32601, /has been replaced by the -generate cli option/],
      ['searchrawtransactions', ['bcrt1q', 1, 0, 10], -32601, /Method not found/],
      ['estimatefee', [6], -32601, /Method not found/],
      ['getblock', ['abc', 0], -8, /blockhash must be of length 64 \(not 3, for 'abc'\)/],
    ];
    for (const [method, params, code, message] of cases) {
      const err = await rejection(rpc.call(method, params));
      expect(err.rpcCode, method).toBe(code);
      expect(err.message).toMatch(message);
      expect(err.message).toMatch(new RegExp(`^${method}: `));
    }
    // Both verbosity shapes of getrawtransaction are bitcoind's (bool kept for backwards compatibility).
    for (const v of [true, 1, false, 0]) expect(await rpc.call('getrawtransaction', [deposit.getId(), v])).toBeTruthy();
    const statuses = fake.log.splice(0).map((l) => l.status);
    expect(statuses).toContain(404);
    expect(statuses).toContain(500);
  });

  it('answers 401 with a Basic challenge without, or with wrong, credentials', async () => {
    const body = JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'getblockcount', params: [] });
    const none = await fetch(fake.url, { method: 'POST', body });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="jsonrpc"');
    const wrong = await fetch(fake.url, { method: 'POST', body, headers: { authorization: `Basic ${Buffer.from(`${USER}:nope`).toString('base64')}` } });
    expect(wrong.status).toBe(401);
    fake.take();
  });
});

// ---- BitcoinRpc, method by method, in both dialects against bitcoind ---------------------------

type Outcome = { sent: Array<[string, unknown]>; result: (r: unknown) => void } | { sent: Array<[string, unknown]>; error: RegExp; rejected?: boolean };
interface Row {
  readonly name: string;
  readonly call: (rpc: BitcoinRpc) => Promise<unknown>;
  readonly bitcoind: () => Outcome;
  readonly btcd: () => Outcome;
}

const deposited = () => ({ txid: deposit.getId(), vout: 0, amountSats: 1_000_000n, confirmations: 3 });
const table: Row[] = [
  {
    name: 'getBlockCount',
    call: (r) => r.getBlockCount(),
    bitcoind: () => ({ sent: [['getblockcount', []]], result: (n) => expect(n).toBe(104) }),
    btcd: () => ({ sent: [['getblockcount', []]], result: (n) => expect(n).toBe(104) }),
  },
  {
    name: 'getBlockHash',
    call: (r) => r.getBlockHash(102),
    bitcoind: () => ({ sent: [['getblockhash', [102]]], result: (h) => expect(h).toBe(fake.block(102).hash) }),
    btcd: () => ({ sent: [['getblockhash', [102]]], result: (h) => expect(h).toBe(fake.block(102).hash) }),
  },
  {
    name: 'getBlock',
    call: (r) => r.getBlock(fake.block(102).hash),
    bitcoind: () => ({
      sent: [
        ['getblock', [fake.block(102).hash, 0]],
        ['getblockheader', [fake.block(102).hash, true]],
      ],
      result: (b) =>
        expect(b).toEqual({ hash: fake.block(102).hash, height: 102, previousHash: fake.block(101).hash, txs: (fake.block(102).block.transactions ?? []).map((t) => Uint8Array.from(t.toBuffer())) }),
    }),
    // Not dialect-switched: the same requests, and bitcoind accepts them.
    btcd: () => table[2]?.bitcoind() as Outcome,
  },
  {
    name: 'getConfirmations',
    call: (r) => r.getConfirmations(deposit.getId()),
    bitcoind: () => ({ sent: [['getrawtransaction', [deposit.getId(), true]]], result: (c) => expect(c).toBe(3) }),
    // btcd's int verbosity: bitcoind takes it too (bool or int), so here the switch is harmless.
    btcd: () => ({ sent: [['getrawtransaction', [deposit.getId(), 1]]], result: (c) => expect(c).toBe(3) }),
  },
  {
    name: 'getOutput',
    call: (r) => r.getOutput(deposit.getId(), 0),
    bitcoind: () => ({ sent: [['getrawtransaction', [deposit.getId(), false]]], result: (o) => expect(o).toEqual({ amountSats: 1_000_000n, scriptPubKey: Uint8Array.from(FED_SCRIPT) }) }),
    btcd: () => ({ sent: [['getrawtransaction', [deposit.getId(), 0]]], result: (o) => expect(o).toEqual({ amountSats: 1_000_000n, scriptPubKey: Uint8Array.from(FED_SCRIPT) }) }),
  },
  {
    name: 'listUnspent',
    call: (r) => r.listUnspent(FED_SCRIPT, 1),
    bitcoind: () => ({
      sent: [
        ['getblockcount', []],
        ['scantxoutset', ['start', [{ desc: `raw(${hex(FED_SCRIPT)})` }]]],
      ],
      // The mempool-only payment is not in the UTXO set scantxoutset reads.
      result: (u) => expect(u).toEqual([deposited()]),
    }),
    btcd: () => ({
      sent: [['searchrawtransactions', [bitcoin.address.fromOutputScript(FED_SCRIPT, regtest), 1, 0, 10_000]]],
      error: /^searchrawtransactions: Method not found \(code -32601\)$/,
    }),
  },
  {
    name: 'estimateFeeRate',
    call: (r) => r.estimateFeeRate(),
    // 0.00051000 BTC/kvB is 51 sat/vB exactly.
    bitcoind: () => ({ sent: [['estimatesmartfee', [6]]], result: (f) => expect(f).toBe(51n) }),
    // bitcoind refuses estimatefee; BitcoinRpc falls back to the floor by design (asserted: the refusal is on the server's log).
    btcd: () => ({ sent: [['estimatefee', [6]]], result: (f) => expect(f).toBe(1n) }),
  },
  {
    name: 'sendRawTransaction',
    call: (r) => r.sendRawTransaction(fresh.toHex()),
    bitcoind: () => ({ sent: [['sendrawtransaction', [fresh.toHex()]]], result: (t) => expect(t).toBe(fresh.getId()) }),
    // The second send finds it in the mempool: bitcoind answers the txid again.
    btcd: () => ({ sent: [['sendrawtransaction', [fresh.toHex()]]], result: (t) => expect(t).toBe(fresh.getId()) }),
  },
  {
    name: 'mine',
    call: (r) => r.mine(2, MINER_ADDRESS),
    bitcoind: () => ({
      sent: [['generatetoaddress', [2, MINER_ADDRESS]]],
      result: (hashes) => {
        expect(hashes).toEqual([fake.block(105).hash, fake.block(106).hash]);
        expect(fake.block(105).block.transactions?.map((t) => t.getId())).toContain(fresh.getId()); // the mempool was mined
      },
    }),
    btcd: () => ({ sent: [['generate', [2]]], error: /^generate: generate\n\nhas been replaced by the -generate cli option\. Refer to -help for more information\.[\s\S]*\(code -1\)$/ }),
  },
];

async function check(dialect: BitcoinDialect, row: Row): Promise<void> {
  const outcome = dialect === 'bitcoind' ? row.bitcoind() : row.btcd();
  fake.take();
  const rpc = client(dialect);
  if ('result' in outcome) {
    outcome.result(await row.call(rpc));
  } else {
    const err = await rejection(row.call(rpc));
    expect(err.message).toMatch(outcome.error);
    expect(err.rejected).toBe(outcome.rejected ?? false);
  }
  const log = fake.log.slice();
  expect(fake.take(), `${dialect} ${row.name}: requests`).toEqual(outcome.sent);
  expect(log.every((l) => l.jsonrpc === '1.0')).toBe(true);
  if (dialect === 'btcd' && row.name === 'estimateFeeRate') expect(log[0]?.error).toEqual({ code: -32601, message: 'Method not found' });
}

describe('BitcoinRpc against bitcoind: each method, bitcoind dialect then btcd dialect', () => {
  for (const row of table) {
    it(row.name, async () => {
      await check('bitcoind', row);
      await check('btcd', row);
    });
  }
});

describe('BitcoinRpc (bitcoind dialect): the edges bitcoind defines', () => {
  it('a transaction in the mempool has 0 confirmations; an unknown one is undefined', async () => {
    const rpc = client('bitcoind');
    const waiting = spendCoinbase(fake, 5, [[FED_SCRIPT, 250_000n]]);
    fake.accept(waiting);
    expect(await rpc.getConfirmations(waiting.getId())).toBe(0);
    expect(await rpc.getConfirmations('ab'.repeat(32))).toBeUndefined();
    expect(await rpc.getOutput('ab'.repeat(32), 0)).toBeUndefined();
    expect(await rpc.getOutput(deposit.getId(), 7)).toBeUndefined();
    expect(await rpc.getOutput(waiting.getId(), 0)).toEqual({ amountSats: 250_000n, scriptPubKey: Uint8Array.from(FED_SCRIPT) });
    expect(fake.take().map(([m]) => m)).toEqual(Array(5).fill('getrawtransaction'));
  });

  it('the genesis block has no previous hash; an unknown block is one clear error, not a retry', async () => {
    const rpc = client('bitcoind');
    expect(await rpc.getBlock(REGTEST_GENESIS)).toMatchObject({ hash: REGTEST_GENESIS, height: 0, previousHash: '00'.repeat(32) });
    fake.take();
    const err = await rejection(rpc.getBlock('ab'.repeat(32)));
    expect(err.message).toBe('getblock: Block not found (code -5)');
    expect(fake.take()).toEqual([['getblock', ['ab'.repeat(32), 0]]]);
    const range = await rejection(rpc.getBlockHash(10_000));
    expect(range.message).toBe('getblockhash: Block height out of range (code -8)');
  });

  it('listUnspent counts confirmations from the height bitcoind reports and honours the minimum', async () => {
    const rpc = client('bitcoind');
    const tip = await rpc.getBlockCount();
    const dep = { ...deposited(), confirmations: tip - 102 + 1 };
    expect(await rpc.listUnspent(FED_SCRIPT, dep.confirmations)).toEqual([dep]);
    expect(await rpc.listUnspent(FED_SCRIPT, dep.confirmations + 1)).toEqual([]);
    expect(await rpc.listUnspent(OTHER_SCRIPT, 0)).toEqual(tip >= 105 ? [{ txid: fresh.getId(), vout: 0, amountSats: 2_000_000n, confirmations: tip - 105 + 1 }] : []);
  });

  it('fee estimate: exact BTC/kvB to sat/vB, rounded up; the floor when bitcoind has no estimate', async () => {
    const rpc = client('bitcoind');
    try {
      for (const [btcPerKvB, satPerVb] of [
        [1_000n, 1n],
        [1_001n, 2n],
        [51_000n, 51n],
        [102_000n, 102n],
        [12_345n, 13n],
      ] as const) {
        fake.feerate = new Amount(btcPerKvB);
        expect(await rpc.estimateFeeRate(), `${fake.feerate.text} BTC/kvB`).toBe(satPerVb);
      }
      fake.feerate = undefined;
      expect(await rpc.estimateFeeRate()).toBe(1n);
    } finally {
      fake.feerate = new Amount(51_000n);
    }
  });

  it('sendRawTransaction: already mined is success (-27); refusals are rejected=true with bitcoind\'s reason', async () => {
    const rpc = client('bitcoind');
    expect(await rpc.sendRawTransaction(deposit.toHex())).toBe(deposit.getId());
    expect(fake.log.at(-1)?.error?.code).toBe(-27);
    const cases: Array<[string, RegExp]> = [
      [doubleSpend.toHex(), /^sendrawtransaction: Inputs missing or spent \(code -25\)$/],
      [burn.toHex(), /maxburnamount\) \(code -25\)$/],
      ['00', /^sendrawtransaction: TX decode failed\. Make sure the tx has at least one input\. \(code -22\)$/],
    ];
    for (const [txHex, message] of cases) {
      const err = await rejection(rpc.sendRawTransaction(txHex));
      expect(err.message).toMatch(message);
      expect(err.rejected).toBe(true);
    }
    fake.take();
  });
});

describe('BitcoinRpc authentication against bitcoind', () => {
  it('user/password and the cookie file both work', async () => {
    expect(await client('bitcoind', { user: USER, password: PASSWORD }).getBlockCount()).toBe(fake.tip.height);
    expect(await client('bitcoind', { cookieFile }).getBlockCount()).toBe(fake.tip.height);
    expect(fake.take()).toEqual([
      ['getblockcount', []],
      ['getblockcount', []],
    ]);
  });

  it('a wrong password or a stale cookie is a clear 401 error naming the method', async () => {
    const wrong = await rejection(client('bitcoind', { user: USER, password: 'wrong' }).getBlockCount());
    expect(wrong.message).toBe('getblockcount: HTTP 401: wrong RPC user/password or cookie');
    expect(wrong.method).toBe('getblockcount');
    expect(wrong.rejected).toBe(false);
    const stale = join(dir, 'stale.cookie');
    writeFileSync(stale, `__cookie__:${'00'.repeat(32)}\n`);
    expect((await rejection(client('bitcoind', { cookieFile: stale }).getBlockHash(1))).message).toBe('getblockhash: HTTP 401: wrong RPC user/password or cookie');
    expect(fake.log.splice(0).map((l) => l.status)).toEqual([401, 401]);
  });

  it('a missing cookie file is an error naming the file, and nothing is sent', async () => {
    const missing = join(dir, 'no-such.cookie');
    const err = await rejection(client('bitcoind', { cookieFile: missing }).getBlockCount());
    expect(err.message).toContain(missing);
    expect(err.message).toContain('cannot read the RPC cookie file');
    expect(fake.take()).toEqual([]);
  });
});
