// The journal verifier (`src/crypto/journal.ts`) against a real coffred's journal,
// run by the Rust test `tests/it/web_parity.rs`: reads the checkpoint, the verifier
// key, her page of entries and her age identity (argv[2]), verifies them, and writes
// what it verified plus, for each tampered copy the Rust side made, the reason it was
// refused (argv[3]). A tampered copy that verifies is written as "accepted".

import { readFileSync, writeFileSync } from "node:fs";
import { fromBase64 } from "../src/crypto/bytes";
import { base64 } from "../src/crypto/bytes";
import {
  JournalRefused,
  verifyCheckpoint,
  verifyConsistency,
  verifyEntries,
  verifyRestoreNotice,
  type JournalPage,
} from "../src/crypto/journal";

interface Case {
  name: string;
  vkey: string;
  checkpoint: string;
  page: JournalPage;
}

interface Input {
  identity: string;
  valid: Case;
  tampered: Case[];
  consistency: { size1: number; size2: number; root1: string; root2: string; proof: string[]; bent: string[] };
  notice: { note: string; vkey: string; checkpoint: string; other_vkey: string };
}

const input = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Input;

async function verify(c: Case) {
  const cp = verifyCheckpoint(c.checkpoint, c.vkey);
  return verifyEntries(c.page.entries, c.page.size, cp, input.identity);
}

const entries = (await verify(input.valid)).map((e) => ({
  index: e.index,
  seq: e.leaf.seq,
  time_ms: e.leaf.time_ms,
  action: e.leaf.action,
  phase: e.leaf.phase,
  actor_kind: e.leaf.actor_kind,
  details: e.details,
}));
const refused: Record<string, string> = {};
for (const c of input.tampered) {
  try {
    await verify(c);
    refused[c.name] = "accepted";
  } catch (e) {
    refused[c.name] = e instanceof JournalRefused ? e.reason : `crashed: ${String(e)}`;
  }
}
const c = input.consistency;
const [r1, r2] = [fromBase64(c.root1), fromBase64(c.root2)];
const consistency = {
  valid: verifyConsistency(c.size1, c.size2, r1, r2, c.proof.map(fromBase64)),
  bent: verifyConsistency(c.size1, c.size2, r1, r2, c.bent.map(fromBase64)),
  swapped: verifyConsistency(c.size1, c.size2, r2, r1, c.proof.map(fromBase64)),
  shrunk: verifyConsistency(c.size2, c.size1, r2, r1, c.proof.map(fromBase64)),
};
// A restore notice: read as Rust signed it; neither it nor a checkpoint passes for
// the other; another key's signature is refused.
const reason = (f: () => unknown): string => {
  try {
    f();
    return "accepted";
  } catch (e) {
    return e instanceof JournalRefused ? e.reason : `crashed: ${String(e)}`;
  }
};
const n = input.notice;
const read = verifyRestoreNotice(n.note, n.vkey);
const notice = {
  read: { ...read, root: base64(read.root) },
  checkpoint_as_notice: reason(() => verifyRestoreNotice(n.checkpoint, n.vkey)),
  notice_as_checkpoint: reason(() => verifyCheckpoint(n.note, n.vkey)),
  other_key: reason(() => verifyRestoreNotice(n.note, n.other_vkey)),
};
writeFileSync(process.argv[3]!, JSON.stringify({ entries, refused, consistency, notice }, null, 2));
