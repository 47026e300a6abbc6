// An account's identity: an age X25519 identity and an Ed25519 signing key, carried
// as a "bundle" (an age identity file with the signing seed in a comment line), the
// very text `src/crypto/identity.rs` writes.

import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { ed25519 } from "@noble/curves/ed25519.js";
import { base64, concat, fromBase64, utf8 } from "./bytes";

const BUNDLE_HEADER = "# coffre identity v1";
const SIGNING_PREFIX = "# coffre-ed25519-seed: ";
const BINDING_LABEL = utf8("coffre/key-binding/v1\0");

export interface Identity {
  /** `AGE-SECRET-KEY-1…` */
  age: string;
  /** The Ed25519 seed (32 bytes). */
  signingSeed: Uint8Array;
}

/** The public keys as the server and other clients see them (`api::PublicKeys`). */
export interface PublicKeys {
  age_recipient: string;
  signing_key: Uint8Array;
  binding: Uint8Array;
}

export async function generate(): Promise<Identity> {
  return {
    age: await generateX25519Identity(),
    signingSeed: ed25519.utils.randomSecretKey(),
  };
}

export function toBundle(id: Identity): string {
  return `${BUNDLE_HEADER}\n${SIGNING_PREFIX}${base64(id.signingSeed)}\n${id.age}\n`;
}

export function fromBundle(text: string): Identity {
  let age: string | undefined;
  let seed: Uint8Array | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith(SIGNING_PREFIX)) {
      seed = fromBase64(line.slice(SIGNING_PREFIX.length));
      if (seed.length !== 32) throw new Error("signing seed length");
    } else if (line.startsWith("AGE-SECRET-KEY-1")) {
      age = line;
    }
  }
  if (!age || !seed) throw new Error("identity bundle");
  return { age, signingSeed: seed };
}

export function bindingMessage(ageRecipient: string): Uint8Array {
  return concat(BINDING_LABEL, utf8(ageRecipient));
}

export function sign(id: Identity, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, id.signingSeed);
}

export function verify(signingKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return signature.length === 64 && ed25519.verify(signature, message, signingKey);
  } catch {
    return false;
  }
}

export async function publicKeys(id: Identity): Promise<PublicKeys> {
  const age_recipient = await identityToRecipient(id.age);
  return {
    age_recipient,
    signing_key: ed25519.getPublicKey(id.signingSeed),
    binding: sign(id, bindingMessage(age_recipient)),
  };
}

/** Whether the keys vouch for each other (the signing key signed the recipient). */
export function bindingValid(keys: PublicKeys): boolean {
  return verify(keys.signing_key, bindingMessage(keys.age_recipient), keys.binding);
}
