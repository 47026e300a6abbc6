// Argon2id off the main thread: the page stays responsive (and can say what it is
// doing) during the few seconds the key derivation takes.

import { deriveRoot, type KdfParams } from "./crypto/passphrase";

interface Job {
  passphrase: string;
  salt: Uint8Array;
  kdf: KdfParams;
}

self.onmessage = async (event: MessageEvent<Job>) => {
  try {
    const { passphrase, salt, kdf } = event.data;
    const root = await deriveRoot(passphrase, salt, kdf);
    (self as unknown as Worker).postMessage({ root }, [root.buffer]);
  } catch (e) {
    (self as unknown as Worker).postMessage({ error: String(e) });
  }
};
