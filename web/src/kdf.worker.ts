// Argon2id off the main thread: the page stays responsive (and can say what it is
// doing) during the few seconds the key derivation takes. Also seals an export's
// files with her passphrase (age's scrypt recipient), which costs as much.

import { Encrypter } from "age-encryption";
import { deriveRoot, type KdfParams } from "./crypto/passphrase";

/** scrypt's cost for an export's passphrase-sealed files: 2^16 (64 MiB, like the
 *  account's Argon2id, so a phone can do it); the age CLI opens any factor up to 2^22. */
export const EXPORT_SCRYPT_LOG_N = 16;

export type KdfJob =
  | { kind: "derive"; passphrase: string; salt: Uint8Array; kdf: KdfParams }
  | { kind: "seal"; passphrase: string; items: Uint8Array[] };

const post = (message: unknown, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(message, transfer);

self.onmessage = async (event: MessageEvent<KdfJob>) => {
  try {
    const job = event.data;
    if (job.kind === "derive") {
      const root = await deriveRoot(job.passphrase, job.salt, job.kdf);
      post({ root }, [root.buffer]);
    } else {
      const sealed: Uint8Array[] = [];
      for (const item of job.items) {
        const e = new Encrypter();
        e.setPassphrase(job.passphrase);
        e.setScryptWorkFactor(EXPORT_SCRYPT_LOG_N);
        sealed.push(await e.encrypt(item));
        item.fill(0);
      }
      post({ sealed });
    }
  } catch (e) {
    post({ error: String(e) });
  }
};
