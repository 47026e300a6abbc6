// Format parity with the Rust client, run by the Rust test `tests/it/web_parity.rs`:
// reads vectors the Rust code made (argv[2]), checks that this module derives, opens,
// verifies and decrypts them to the same bytes, then writes vectors of its own
// (argv[3]) for the Rust side to open and verify. Exits non-zero on any mismatch.

import { readFileSync, writeFileSync } from "node:fs";
import { Decrypter, Encrypter } from "age-encryption";
import { FluentBundle, FluentResource } from "@fluent/bundle";
import { base64, fromBase64, fromUtf8, utf8 } from "../src/crypto/bytes";
import * as id from "../src/crypto/identity";
import { authKey, deriveRoot, kek, open, seal, wrapAad } from "../src/crypto/passphrase";
import { safetyCode } from "../src/crypto/safety";
import { grantCanonical, purposeAcceptable, type Grant } from "../src/crypto/grant";
import { sealCanonical } from "../src/crypto/seal";
import {
  fromKit,
  generateRecovery,
  openBundle,
  recipient,
  recoveryAuthKey,
  sealBundle,
  toKit,
} from "../src/crypto/recovery";

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
  kit: string;
  kit_info: { user: string; server: string; journal: string };
  kit_date: string;
  recovery_auth_key: string;
  grant: Grant;
  grant_canonical: string;
  grant_signature: string;
  recovery_envelope: string;
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
// A consent grant: the same bytes signed, the same signature (Ed25519 is deterministic).
const grantBytes = grantCanonical(v.grant);
same("grant canonical", base64(grantBytes), v.grant_canonical);
same("grant signature", base64(id.sign(theirs, grantBytes)), v.grant_signature);
if (!purposeAcceptable(v.grant.purpose) || purposeAcceptable("RSA\u202e") || purposeAcceptable("a\nb")) {
  failures.push("the purpose check disagrees with the server's plain_text");
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

// The recovery kit the CLI wrote: read here, its key derives the same auth key and
// opens the identity's recovery envelope.
const kit = fromKit(v.kit);
same("kit user", kit.info.user, v.kit_info.user);
same("kit server", kit.info.server, v.kit_info.server);
same("kit journal", kit.info.journal, v.kit_info.journal);
same("kit text", toKit(kit.key, kit.info, v.kit_date), v.kit);
same("recovery auth key", base64(recoveryAuthKey(kit.key)), v.recovery_auth_key);
const recovered = id.fromBundle(await openBundle(kit.key, fromBase64(v.recovery_envelope)));
same("recovered identity", (await id.publicKeys(recovered)).age_recipient, keys.age_recipient);
// Typed by hand: lower case, spaces in the key.
const typed = v.kit.replace(/AGE-SECRET-KEY-1(\S+)/, (_k, rest: string) =>
  `age-secret-key-1${rest.toLowerCase().replace(/(.{8})/g, "$1 ")}`,
);
same("typed kit", base64(recoveryAuthKey(fromKit(typed).key)), v.recovery_auth_key);

// The reverse: an identity made here, for the Rust side.
const ours = await id.generate();
const ourKeys = await id.publicKeys(ours);
const wrapped = seal(key, id.toBundle(ours), aad);
const ourRecovery = await generateRecovery();
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
  kit: toKit(ourRecovery, v.kit_info, v.kit_date),
  recovery_recipient: await recipient(ourRecovery),
  recovery_auth_key: base64(recoveryAuthKey(ourRecovery)),
  recovery_envelope: base64(await sealBundle(ourRecovery, id.toBundle(ours))),
};
writeFileSync(process.argv[3]!, JSON.stringify(out, null, 2));
// The page's catalogues (`locales/LANG/common.ftl`, shared with the server and the CLI,
// and `web.ftl`), as the page loads them: French first, English and Arabic complete
// (same messages, each file parsing, no id in both files, the same variables in each
// language, read from the references Fluent reports when formatting without them).
const catalogue = (lang: string) => {
  const bundle = new FluentBundle(lang);
  const ids: string[] = [];
  for (const file of ["common", "web"]) {
    const path = `../locales/${lang}/${file}.ftl`;
    const resource = new FluentResource(readFileSync(path, "utf8"));
    const errors = bundle.addResource(resource);
    if (errors.length > 0) failures.push(`${path}: ${errors.map(String).join("; ")}`);
    ids.push(...resource.body.map((m) => m.id));
  }
  const vars = new Map<string, string>();
  for (const id of ids) {
    const message = bundle.getMessage(id);
    if (!message?.value) continue;
    const errors: Error[] = [];
    bundle.formatPattern(message.value, {}, errors);
    const names = errors.map((e) => /\$([A-Za-z_-]+)/.exec(e.message)?.[1] ?? e.message);
    vars.set(id, [...new Set(names)].sort().join(","));
  }
  return vars;
};
const fr = catalogue("fr");
if (fr.get("error-user_exists") === undefined || fr.get("add-too-large") !== "max") {
  failures.push("the catalogue reader found none of the page's messages or variables");
}
for (const lang of ["en", "ar"]) {
  const other = catalogue(lang);
  for (const [id, vars] of fr) {
    if (!other.has(id)) failures.push(`${lang}: lacks ${id}`);
    else if (other.get(id) !== vars) failures.push(`${lang}: ${id} takes { ${other.get(id)} }, French { ${vars} }`);
  }
  for (const id of other.keys()) if (!fr.has(id)) failures.push(`${lang}: has ${id}, French does not`);
}

if (failures.length > 0) {
  console.error(failures.join("\n"));
  process.exit(1);
}
console.log("parity: every Rust vector matched");
