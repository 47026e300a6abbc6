// A consent grant, the record her key signs (`src/api/consent.rs`, `Grant::canonical`):
// one `name:value` line per field in a fixed order, the purpose as hex of its UTF-8.
// Checked byte for byte against the Rust encoding (`tests/it/web_parity.rs`).

import { hex, utf8 } from "./bytes";

export interface Grant {
  origin: string;
  id: string;
  citizen: string;
  mediator: string;
  recipient: string;
  documents: string[];
  digests: string[];
  purpose: string;
  not_before_ms: number;
  expires_ms: number;
  created_ms: number;
  nonce: string;
}

/** Longest purpose, in characters (`MAX_PURPOSE_CHARS`). */
export const MAX_PURPOSE_CHARS = 200;

export function grantCanonical(g: Grant): Uint8Array {
  return utf8(
    "coffre-grant-v2\n" +
      `origin:${g.origin}\n` +
      `id:${g.id}\n` +
      `citizen:${g.citizen}\n` +
      `mediator:${g.mediator}\n` +
      `recipient:${g.recipient}\n` +
      `documents:${g.documents.join(",")}\n` +
      `digests:${g.digests.join(",")}\n` +
      `purpose:${hex(utf8(g.purpose))}\n` +
      `not_before:${g.not_before_ms}\n` +
      `expires:${g.expires_ms}\n` +
      `created:${g.created_ms}\n` +
      `nonce:${g.nonce}\n`,
  );
}

/** Whether a purpose is plain text the grant can carry (`api::plain_text`): no control
 *  character, no invisible or bidirectional mark, not too long (the server refuses
 *  anything else). */
export function purposeAcceptable(purpose: string): boolean {
  return (
    [...purpose].length <= MAX_PURPOSE_CHARS &&
    !/[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/.test(purpose)
  );
}
