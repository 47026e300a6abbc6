// How hard a passphrase is to guess, roughly, for the meter; and a passphrase of
// words made here (6 words of the French BIP-39 list: 66 bits).

import { wordlist } from "@scure/bip39/wordlists/french.js";

/** The shortest passphrase accepted (as the CLI: `MIN_PASSPHRASE_CHARS`). */
export const MIN_CHARS = 10;
/** Below this estimate a passphrase is refused as too easy to guess. */
export const MIN_BITS = 45;

const COMMON = [
  "motdepasse",
  "azertyuiop",
  "qwertyuiop",
  "1234567890",
  "0123456789",
  "password123",
  "jetaime1234",
  "soleil1234",
  "bonjour1234",
  "coffrefort",
];

/** A rough estimate in bits: words count as words, characters by their classes. */
export function estimateBits(pass: string): number {
  const p = pass.trim();
  if (p.length === 0) return 0;
  const lower = p.toLowerCase().replace(/\s+/g, "");
  if (COMMON.some((c) => lower.includes(c))) return 10;
  if (/^(.)\1+$/.test(lower) || /^(0123456789|123456789|abcdefghij)/.test(lower)) return 5;
  const words = p.split(/[\s-]+/).filter((w) => w.length >= 3);
  const wordBits = words.length >= 4 ? words.length * 11 : 0;
  let pool = 0;
  if (/[a-z]/.test(p)) pool += 26;
  if (/[A-Z]/.test(p)) pool += 26;
  if (/[0-9]/.test(p)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(p)) pool += 20;
  const distinct = new Set(p).size;
  // Repeated characters add little: count length at most three times the distinct ones.
  const effective = Math.min(p.length, distinct * 3);
  const charBits = Math.round(effective * Math.log2(Math.max(pool, 2)) * 0.6);
  return Math.max(wordBits, charBits);
}

export type Strength = "weak" | "fair" | "strong";

export function strength(pass: string): Strength {
  const bits = estimateBits(pass);
  if (pass.length < MIN_CHARS || bits < MIN_BITS) return "weak";
  return bits < 65 ? "fair" : "strong";
}

/** Six random words (2048 = 2^11: eleven bits of a random value pick one, uniformly). */
export function generatePassphrase(words = 6): string {
  const picks = crypto.getRandomValues(new Uint16Array(words));
  return Array.from(picks, (n) => wordlist[n & 2047]!).join(" ");
}
