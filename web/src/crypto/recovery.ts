// The recovery key and its printable kit, as `src/crypto/recovery.rs` makes them:
// an age X25519 identity; its auth key = HKDF-SHA256(its secret string,
// "coffre/recovery-auth/v1"); the kit is the very text the CLI writes, so a kit made
// here recovers from the CLI and the reverse.

import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from "age-encryption";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { fromUtf8, utf8 } from "./bytes";

const AUTH_INFO = utf8("coffre/recovery-auth/v1");
const USER_LABEL = "Identifiant : ";
const SERVER_LABEL = "Serveur : ";
const JOURNAL_LABEL = "Clé du journal : ";

export interface KitInfo {
  user: string;
  server: string;
  journal: string;
}

export interface RecoveryKey {
  /** `AGE-SECRET-KEY-1…` */
  secret: string;
}

export async function generateRecovery(): Promise<RecoveryKey> {
  return { secret: await generateX25519Identity() };
}

export function recipient(key: RecoveryKey): Promise<string> {
  return identityToRecipient(key.secret);
}

export function recoveryAuthKey(key: RecoveryKey): Uint8Array {
  return hkdf(sha256, utf8(key.secret), undefined, AUTH_INFO, 32);
}

/** The identity bundle sealed to the recovery key (the server keeps it). */
export async function sealBundle(key: RecoveryKey, bundle: string): Promise<Uint8Array> {
  const e = new Encrypter();
  e.addRecipient(await recipient(key));
  return e.encrypt(utf8(bundle));
}

export async function openBundle(key: RecoveryKey, envelope: Uint8Array): Promise<string> {
  const d = new Decrypter();
  d.addIdentity(key.secret);
  return fromUtf8(await d.decrypt(envelope));
}

export function toKit(key: RecoveryKey, info: KitInfo, created: string): string {
  return (
    "KIT DE RÉCUPÉRATION — coffre\n" +
    "\n" +
    `${USER_LABEL}${info.user}\n` +
    `${SERVER_LABEL}${info.server}\n` +
    `${JOURNAL_LABEL}${info.journal}\n` +
    `Créé le : ${created}\n` +
    "\n" +
    "Ce papier permet de retrouver l'accès à votre coffre si vous oubliez\n" +
    "votre phrase de passe. Gardez-le en lieu sûr, chez vous, comme un double\n" +
    "de clé. Ne le donnez à personne : qui l'a peut ouvrir votre coffre.\n" +
    "Si vous l'utilisez, un nouveau kit remplace celui-ci.\n" +
    "\n" +
    "Clé de récupération :\n" +
    `${key.secret}\n`
  );
}

/** Reads a kit as typed, pasted or scanned (spaces and case in the key forgiven). */
export function fromKit(text: string): { key: RecoveryKey; info: KitInfo } {
  const info: KitInfo = { user: "", server: "", journal: "" };
  let secret: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith(USER_LABEL)) info.user = line.slice(USER_LABEL.length).trim();
    else if (line.startsWith(SERVER_LABEL)) info.server = line.slice(SERVER_LABEL.length).trim();
    else if (line.startsWith(JOURNAL_LABEL)) info.journal = line.slice(JOURNAL_LABEL.length).trim();
    else if (line.toUpperCase().startsWith("AGE-SECRET-KEY-1")) {
      secret = line.replace(/\s+/g, "").toUpperCase();
    }
  }
  if (!secret) throw new Error("recovery kit");
  return { key: { secret }, info };
}
