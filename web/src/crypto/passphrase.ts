// From a passphrase to the auth key and the KEK, and the KEK envelope of an identity:
// byte for byte what `src/crypto/passphrase.rs` does.
//
// root = Argon2id(passphrase, salt, params); auth key = HKDF-SHA256(root,
// "coffre/auth/v1"); KEK = HKDF-SHA256(root, "coffre/identity-wrap/v1"); the identity
// bundle sealed under the KEK with XChaCha20-Poly1305, AAD = label, 0, u32 length and
// user name, then m, t, p as u32 (all big-endian).

import { argon2id } from "hash-wasm";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { concat, fromUtf8, u32be, utf8, wipe } from "./bytes";

export interface KdfParams {
  m_kib: number;
  t: number;
  p: number;
}

export interface WrappedIdentity {
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

const AUTH_INFO = utf8("coffre/auth/v1");
const KEK_INFO = utf8("coffre/identity-wrap/v1");
const WRAP_AAD_LABEL = utf8("coffre/identity-wrap/v1");
const SESSION_AAD_LABEL = utf8("coffre/session-wrap/v1");

/** Argon2id of the passphrase: the root key (32 bytes), never stored. */
export async function deriveRoot(
  passphrase: string,
  salt: Uint8Array,
  kdf: KdfParams,
): Promise<Uint8Array> {
  return argon2id({
    password: passphrase,
    salt,
    parallelism: kdf.p,
    iterations: kdf.t,
    memorySize: kdf.m_kib,
    hashLength: 32,
    outputType: "binary",
  });
}

export function authKey(root: Uint8Array): Uint8Array {
  return hkdf(sha256, root, undefined, AUTH_INFO, 32);
}

export function kek(root: Uint8Array): Uint8Array {
  return hkdf(sha256, root, undefined, KEK_INFO, 32);
}

export function wrapAad(user: string, kdf: KdfParams): Uint8Array {
  const name = utf8(user);
  return concat(
    WRAP_AAD_LABEL,
    new Uint8Array([0]),
    u32be(name.length),
    name,
    u32be(kdf.m_kib),
    u32be(kdf.t),
    u32be(kdf.p),
  );
}

export function sessionAad(user: string): Uint8Array {
  return concat(SESSION_AAD_LABEL, new Uint8Array([0]), utf8(user));
}

/** Seals an identity bundle (text) under `key`. */
export function seal(key: Uint8Array, bundle: string, aad: Uint8Array): WrappedIdentity {
  const nonce = crypto.getRandomValues(new Uint8Array(24));
  const plain = utf8(bundle);
  const ciphertext = xchacha20poly1305(key, nonce, aad).encrypt(plain);
  wipe(plain);
  return { nonce, ciphertext };
}

/** Opens an identity envelope; throws `WrongPassphrase` on any mismatch. */
export function open(key: Uint8Array, wrapped: WrappedIdentity, aad: Uint8Array): string {
  if (wrapped.nonce.length !== 24) throw new WrongPassphrase();
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(key, wrapped.nonce, aad).decrypt(wrapped.ciphertext);
  } catch {
    throw new WrongPassphrase();
  }
  try {
    return fromUtf8(plain);
  } finally {
    wipe(plain);
  }
}

export class WrongPassphrase extends Error {
  constructor() {
    super("wrong_passphrase");
  }
}
