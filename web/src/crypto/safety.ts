// Safety codes: 28 digits (7 groups of 4) of SHA-512 over the account's name and
// public keys, as `src/crypto/safety.rs` computes them.

import { sha512 } from "@noble/hashes/sha2.js";
import { u32be, utf8 } from "./bytes";
import type { PublicKeys } from "./identity";

const CODE_LABEL = utf8("coffre/safety-code/v2");
export const CODE_DIGITS = 28;

export function safetyCode(user: string, keys: PublicKeys): string {
  const h = sha512.create();
  for (const part of [CODE_LABEL, utf8(user), utf8(keys.age_recipient), keys.signing_key]) {
    h.update(u32be(part.length));
    h.update(part);
  }
  const digest = h.digest();
  const groups: string[] = [];
  for (let g = 0; g < CODE_DIGITS / 4; g++) {
    // 5 bytes (40 bits) per group: exact in a double.
    let n = 0;
    for (const b of digest.subarray(5 * g, 5 * g + 5)) n = n * 256 + b;
    groups.push(String(n % 10000).padStart(4, "0"));
  }
  return groups.join(" ");
}

/** A typed code against the expected one: spaces and dashes ignored, every digit there. */
export function codeMatches(expected: string, typed: string): boolean {
  const clean = (s: string) => s.replace(/[^0-9]/g, "");
  const t = clean(typed);
  return t.length === CODE_DIGITS && t === clean(expected);
}
