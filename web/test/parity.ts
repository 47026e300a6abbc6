// Format parity with the Rust client, run by the Rust test `tests/it/web_parity.rs`:
// reads vectors the Rust code made (argv[2]), checks that this module derives, opens,
// verifies and decrypts them to the same bytes, then writes vectors of its own
// (argv[3]) for the Rust side to open and verify. Exits non-zero on any mismatch.

import { readFileSync, writeFileSync } from "node:fs";
import { Decrypter, Encrypter } from "age-encryption";
import { base64, fromBase64, fromUtf8, utf8 } from "../src/crypto/bytes";
import * as id from "../src/crypto/identity";
import { authKey, deriveRoot, kek, open, seal, wrapAad } from "../src/crypto/passphrase";
import { safetyCode } from "../src/crypto/safety";
import { sealCanonical } from "../src/crypto/seal";

interface Vectors {
  user: string;
  passphrase: string;
  salt: string;
  kdf: { m_kib: number; t: number; p: number };
  auth_key: string;
  wrapped: { nonce: string; ciphertext: string };
  public_keys: { age_recipient: string; signing_key: string; binding: string };
  safety_code: string;
  seal: Parameters<typeof sealCanonical>[0];
  seal_signature: string;
  age_file: string;
  age_plain: string;
}

const failures: string[] = [];
function same(what: string, ours: string, theirs: string): void {
  if (ours !== theirs) failures.push(`${what}: ${ours} != ${theirs}`);
}

const v: Vectors = JSON.parse(readFileSync(process.argv[2]!, "utf8"));
const root = await deriveRoot(v.passphrase, fromBase64(v.salt), v.kdf);
same("auth key", base64(authKey(root)), v.auth_key);
const key = kek(root);
const aad = wrapAad(v.user, v.kdf);
const theirs = id.fromBundle(
  open(key, { nonce: fromBase64(v.wrapped.nonce), ciphertext: fromBase64(v.wrapped.ciphertext) }, aad),
);
const keys = await id.publicKeys(theirs);
same("age recipient", keys.age_recipient, v.public_keys.age_recipient);
same("signing key", base64(keys.signing_key), v.public_keys.signing_key);
same("binding", base64(keys.binding), v.public_keys.binding);
same("safety code", safetyCode(v.user, keys), v.safety_code);
const canonical = sealCanonical(v.seal);
same("seal signature", base64(id.sign(theirs, canonical)), v.seal_signature);
if (!id.verify(keys.signing_key, canonical, fromBase64(v.seal_signature))) {
  failures.push("the Rust seal signature does not verify");
}
const d = new Decrypter();
d.addIdentity(theirs.age);
same("age file", fromUtf8(await d.decrypt(fromBase64(v.age_file))), v.age_plain);
// A wrong passphrase must not open the envelope.
try {
  open(kek(await deriveRoot(v.passphrase + "!", fromBase64(v.salt), v.kdf)), {
    nonce: fromBase64(v.wrapped.nonce),
    ciphertext: fromBase64(v.wrapped.ciphertext),
  }, aad);
  failures.push("a wrong passphrase opened the envelope");
} catch {
  // expected
}

// The reverse: an identity made here, for the Rust side.
const ours = await id.generate();
const ourKeys = await id.publicKeys(ours);
const wrapped = seal(key, id.toBundle(ours), aad);
const e = new Encrypter();
e.addRecipient(keys.age_recipient);
const out = {
  wrapped: { nonce: base64(wrapped.nonce), ciphertext: base64(wrapped.ciphertext) },
  public_keys: {
    age_recipient: ourKeys.age_recipient,
    signing_key: base64(ourKeys.signing_key),
    binding: base64(ourKeys.binding),
  },
  safety_code: safetyCode(v.user, ourKeys),
  seal_signature: base64(id.sign(ours, canonical)),
  age_file: base64(await e.encrypt(utf8(v.age_plain))),
};
writeFileSync(process.argv[3]!, JSON.stringify(out, null, 2));
if (failures.length > 0) {
  console.error(failures.join("\n"));
  process.exit(1);
}
console.log("parity: every Rust vector matched");
