// The journal, verified in the browser as the CLI verifies it (`src/client/journal.rs`,
// `src/journal/{checkpoint,leaf,merkle}.rs`): the checkpoint is a C2SP signed note
// under the verifier key she holds; every entry of her chain decodes, links to the
// previous one (sequence numbers without gaps, hash of the previous leaf), is in the
// tree (RFC 6962 inclusion proof against the checkpoint's root), and its details open
// with her key and match the leaf's commitment. Anything else is a `JournalRefused`
// with the reason, the evidence kept by the caller.

import { Decrypter } from "age-encryption";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64, concat, fromBase64, fromUtf8, hex, utf8 } from "./bytes";

const ED25519 = 0x01;
const LABEL = utf8("coffre/journal/leaf/v1\0");
export const LEAF_BYTES = 23 + 8 + 32 + 8 + 32 + 3 + 32 + 32 + 16 + 32;

export const ACTIONS = [
  "",
  "register",
  "login",
  "logout",
  "upload",
  "list",
  "download",
  "delete",
  "share",
  "revoke",
  "expire",
  "mediator_list",
  "mediator_fetch",
  "access_request",
  "recovery",
  "passphrase_change",
  "export",
  "account_deletion",
  "mediator_enrolled",
  "mediator_disabled",
  "request_declined",
  "journal_change",
  "invitation_issued",
  "backup",
  "quota_changed",
  "service_started",
  "restore",
] as const;
export const PHASES = ["attempt", "done", "denied", "failed"] as const;
export const ACTOR_KINDS = ["citizen", "mediator", "operator", "anonymous", "system"] as const;

/** Why a journal was refused: `key`, `signature`, `format`, `origin`, `size`, `leaf`,
 *  `subject`, `chain`, `inclusion`, `details`, `rollback`, `consistency`. */
export class JournalRefused extends Error {
  /** What was refused, as received (JSON), for her to keep and show. */
  evidence = "";

  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
}

export interface Leaf {
  time_ms: number;
  subject: Uint8Array;
  seq: number;
  prev: Uint8Array;
  action: string;
  phase: string;
  actor_kind: string;
  /** Random per request: pairs an attempt with its outcome. */
  request: Uint8Array;
  commitment: Uint8Array;
}

/** An entry as the server sends it (`api::ProvedEntry`, bytes in base64). */
export interface ProvedEntry {
  index: number;
  leaf: string;
  details: string;
  proof: string[];
}

export interface JournalPage {
  size: number;
  entries: ProvedEntry[];
  next?: number;
}

export interface VerifiedEntry {
  index: number;
  leaf: Leaf;
  /** The leaf's bytes, base64 (for an export that can be checked again). */
  leafBytes: string;
  proof: string[];
  details: Record<string, unknown>;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The 4-byte key id of an Ed25519 key named `name`. */
function keyId(name: string, publicKey: Uint8Array): Uint8Array {
  return sha256(concat(utf8(name), utf8("\n"), new Uint8Array([ED25519]), publicKey)).slice(0, 4);
}

/** A verifier key's name, id and public key (`<name>+<hex id>+<base64(0x01 ‖ key)>`). */
export function parseVerifierKey(vkey: string): { name: string; id: Uint8Array; key: Uint8Array } {
  // Split at the first two "+" only: base64 has "+" of its own.
  const first = vkey.indexOf("+");
  const second = first < 0 ? -1 : vkey.indexOf("+", first + 1);
  const name = vkey.slice(0, Math.max(first, 0));
  const idHex = first < 0 || second < 0 ? "" : vkey.slice(first + 1, second);
  const keyB64 = second < 0 ? "" : vkey.slice(second + 1);
  if (!name || !idHex || !keyB64) throw new JournalRefused("key", "malformed verifier key");
  let typed: Uint8Array;
  try {
    typed = fromBase64(keyB64);
  } catch {
    throw new JournalRefused("key", "malformed verifier key");
  }
  if (typed.length !== 33 || typed[0] !== ED25519) throw new JournalRefused("key", "malformed verifier key");
  const key = typed.slice(1);
  const id = keyId(name, key);
  if (hex(id) !== idHex) throw new JournalRefused("key", "key id does not match the key");
  return { name, id, key };
}

/** Verifies a signed checkpoint note with the verifier key she holds. */
/** Checks a signed note's signature by `vkey`; returns the key's name and the signed
 *  body (ending with a newline), as `checkpoint::verify_note` does on the Rust side. */
function verifyNote(note: string, vkey: string): { name: string; body: string } {
  const { name, id, key } = parseVerifierKey(vkey);
  const cut = note.lastIndexOf("\n\n");
  if (cut < 0) throw new JournalRefused("format", "malformed note");
  const body = `${note.slice(0, cut)}\n`;
  const prefix = `\u2014 ${name} `;
  const signed = note
    .slice(cut + 2)
    .split("\n")
    .filter((l) => l.startsWith(prefix))
    .some((l) => {
      let raw: Uint8Array;
      try {
        raw = fromBase64(l.slice(prefix.length));
      } catch {
        return false;
      }
      if (raw.length !== 68 || !same(raw.slice(0, 4), id)) return false;
      try {
        return ed25519.verify(raw.slice(4), utf8(body), key);
      } catch {
        return false;
      }
    });
  if (!signed) throw new JournalRefused("signature", "no valid signature by the journal's key");
  return { name, body };
}

export function verifyCheckpoint(note: string, vkey: string): Checkpoint {
  const { name, body } = verifyNote(note, vkey);
  const [origin, sizeText, rootB64] = body.split("\n");
  let root: Uint8Array | null = null;
  try {
    root = fromBase64(rootB64 ?? "");
  } catch {
    root = null;
  }
  if (!origin || !/^[0-9]+$/.test(sizeText ?? "") || !root || root.length !== 32) {
    throw new JournalRefused("format", "malformed checkpoint body");
  }
  if (origin !== name) throw new JournalRefused("origin", "checkpoint of another journal");
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new JournalRefused("format", "tree size");
  return { origin, size, root };
}

/** H(0x00 ‖ entry). */
/** A restore notice (`src/journal/notice.rs`): the journal's key signed that the
 *  deployment was restored from a backup, its journal rolled back to that tree. */
export interface RestoreNotice {
  origin: string;
  backup_ms: number;
  size: number;
  root: Uint8Array;
  restored_ms: number;
}

/** Verifies a restore notice with the pinned verifier key (a checkpoint never
 *  passes for one: its first line is the origin, not the notice's header). */
export function verifyRestoreNotice(note: string, vkey: string): RestoreNotice {
  const { name, body } = verifyNote(note, vkey);
  const lines = body.split("\n");
  const field = (i: number, label: string): string => {
    const l = lines[i] ?? "";
    if (!l.startsWith(`${label} `)) throw new JournalRefused("format", "malformed restore notice");
    return l.slice(label.length + 1);
  };
  if (lines[0] !== "coffre restore notice v1" || lines.length !== 7 || lines[6] !== "") {
    throw new JournalRefused("format", "not a restore notice");
  }
  const origin = lines[1] ?? "";
  const num = (text: string): number => {
    if (!/^-?[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) {
      throw new JournalRefused("format", "malformed restore notice");
    }
    return Number(text);
  };
  let root: Uint8Array;
  try {
    root = fromBase64(field(4, "root"));
  } catch {
    throw new JournalRefused("format", "malformed restore notice");
  }
  if (root.length !== 32) throw new JournalRefused("format", "malformed restore notice");
  if (origin !== name) throw new JournalRefused("origin", "restore notice of another journal");
  return {
    origin,
    backup_ms: num(field(2, "backup")),
    size: num(field(3, "size")),
    root,
    restored_ms: num(field(5, "restored")),
  };
}

export function leafHash(entry: Uint8Array): Uint8Array {
  return sha256(concat(new Uint8Array([0]), entry));
}

function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concat(new Uint8Array([1]), left, right));
}

/** RFC 9162 §2.1.3.2: whether `proof` takes leaf `index` of a tree of `size` to `root`.
 *  Indexes stay below 2^53, so plain numbers do; halving is by division. */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[], root: Uint8Array): boolean {
  if (index >= size || leaf.length !== 32 || root.length !== 32) return false;
  let f = index;
  let s = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== 32 || s === 0) return false;
    if (f % 2 === 1 || f === s) {
      r = nodeHash(p, r);
      while (f % 2 === 0 && f !== 0) {
        f = Math.floor(f / 2);
        s = Math.floor(s / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    f = Math.floor(f / 2);
    s = Math.floor(s / 2);
  }
  return s === 0 && same(r, root);
}

/** RFC 9162 §2.1.4.2: whether `proof` shows the tree of `size1` leaves (root1) is a
 *  prefix of the tree of `size2` leaves (root2): nothing verified before was changed
 *  or removed (`src/journal/merkle.rs`, `verify_consistency`). */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: Uint8Array[],
): boolean {
  if (size1 === 0 || size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && same(root1, root2);
  if (proof.length === 0 || proof.some((p) => p.length !== 32)) return false;
  const path = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : [...proof];
  let f = size1 - 1;
  let s = size2 - 1;
  while (f % 2 === 1) {
    f = Math.floor(f / 2);
    s = Math.floor(s / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (s === 0) return false;
    if (f % 2 === 1 || f === s) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (f % 2 === 0 && f !== 0) {
        f = Math.floor(f / 2);
        s = Math.floor(s / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    f = Math.floor(f / 2);
    s = Math.floor(s / 2);
  }
  return s === 0 && same(fr, root1) && same(sr, root2);
}

function u64(bytes: Uint8Array, at: number): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigUint64(0);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new JournalRefused("leaf", "number out of range");
  return Number(v);
}

/** Parses exactly one leaf (`src/journal/leaf.rs`). */
export function decodeLeaf(bytes: Uint8Array): Leaf {
  if (bytes.length !== LEAF_BYTES || !same(bytes.slice(0, LABEL.length), LABEL)) {
    throw new JournalRefused("leaf", "not a journal leaf");
  }
  let at = LABEL.length;
  const take = (n: number) => {
    const out = bytes.slice(at, at + n);
    at += n;
    return out;
  };
  const time = new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigInt64(0);
  at += 8;
  const subject = take(32);
  const seq = u64(bytes, at);
  at += 8;
  const prev = take(32);
  const kinds = take(3);
  const action = ACTIONS[kinds[0] ?? 0];
  const phase = PHASES[kinds[1] ?? 99];
  const actor_kind = ACTOR_KINDS[kinds[2] ?? 99];
  if (!action || !phase || !actor_kind) throw new JournalRefused("leaf", "unknown action");
  take(32 + 32); // actor, object: tags this view does not read
  const request = take(16);
  const commitment = take(32);
  return { time_ms: Number(time), subject, seq, prev, action, phase, actor_kind, request, commitment };
}

/**
 * Verifies her whole chain (from sequence 0) in one page set against a verified
 * checkpoint: every entry is hers, in order, linked, in the tree, its details hers.
 * `ageIdentity` opens the details (they are sealed to her with age).
 */
export async function verifyEntries(
  entries: ProvedEntry[],
  pageSize: number,
  cp: Checkpoint,
  ageIdentity: string,
): Promise<VerifiedEntry[]> {
  if (pageSize !== cp.size) throw new JournalRefused("size", "page for another tree size");
  const out: VerifiedEntry[] = [];
  let prev: Uint8Array = new Uint8Array(32);
  let subject: Uint8Array | null = null;
  const decrypter = new Decrypter();
  decrypter.addIdentity(ageIdentity);
  for (const [seq, e] of entries.entries()) {
    let bytes: Uint8Array;
    let proof: Uint8Array[];
    let sealed: Uint8Array;
    try {
      bytes = fromBase64(e.leaf);
      proof = e.proof.map(fromBase64);
      sealed = fromBase64(e.details);
    } catch {
      throw new JournalRefused("format", `entry ${seq} malformed`);
    }
    const leaf = decodeLeaf(bytes);
    if (subject && !same(subject, leaf.subject)) throw new JournalRefused("subject", `entry ${seq} of another vault`);
    subject = leaf.subject;
    if (leaf.seq !== seq || !same(leaf.prev, prev)) throw new JournalRefused("chain", `sequence broken at entry ${seq}`);
    const hash = leafHash(bytes);
    if (!Number.isSafeInteger(e.index) || !verifyInclusion(e.index, cp.size, hash, proof, cp.root)) {
      throw new JournalRefused("inclusion", `entry ${seq} is not in the tree`);
    }
    let opened: Uint8Array;
    try {
      opened = await decrypter.decrypt(sealed);
    } catch {
      throw new JournalRefused("details", `details of entry ${seq} do not open`);
    }
    if (opened.length < 16 || !same(sha256(opened), leaf.commitment)) {
      throw new JournalRefused("details", `details of entry ${seq} changed`);
    }
    let details: Record<string, unknown> = {};
    try {
      details = JSON.parse(fromUtf8(opened.slice(16))) as Record<string, unknown>;
    } catch {
      // Committed in a verified leaf: a shape this client does not know reads as empty.
      details = {};
    }
    prev = hash;
    out.push({ index: e.index, leaf, leafBytes: base64(bytes), proof: e.proof, details });
  }
  return out;
}
