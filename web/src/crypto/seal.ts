// What an owner's key signs about a document at upload (`api::DocumentSeal`).

import { utf8 } from "./bytes";

export interface DocumentSeal {
  origin: string;
  id: string;
  owner: string;
  size: number;
  payload_sha256: string;
  meta_sha256: string;
  envelope_sha256: string;
}

export function sealCanonical(s: DocumentSeal): Uint8Array {
  return utf8(
    `coffre-document-v1\norigin:${s.origin}\nid:${s.id}\nowner:${s.owner}\nsize:${s.size}\n` +
      `payload:${s.payload_sha256}\nmeta:${s.meta_sha256}\nenvelope:${s.envelope_sha256}\n`,
  );
}
