// A paper's bytes, off the main thread: encrypted with age while they stream up, or
// fetched and decrypted, each side hashed and counted as it passes (the page then
// checks and signs). Only the document key (made for this one paper) comes here;
// the citizen's own identity never leaves the page.

import { Decrypter, Encrypter } from "age-encryption";
import { createSHA256 } from "hash-wasm";

export type Job =
  | { kind: "encrypt"; file: Blob; recipient: string; headers: Record<string, string>; streams: boolean }
  | {
      kind: "decrypt";
      path: string;
      key: string;
      mime: string;
      headers: Record<string, string>;
      /** What comes back: the decrypted paper, or (for an export) the age file as
       *  stored, still checked by decrypting it here. */
      keep: "plain" | "cipher";
    };

export interface Fault {
  status: number;
  code: string;
  message: string;
}

const post = (message: unknown) => (self as unknown as Worker).postMessage(message);

function counting(onChunk: (chunk: Uint8Array) => void): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      onChunk(chunk);
      controller.enqueue(chunk);
    },
  });
}

async function fault(response: Response): Promise<Fault> {
  const detail = await response.json().catch(() => null);
  return {
    status: response.status,
    code: detail?.error?.code ?? "protocol_error",
    message: detail?.error?.message ?? `HTTP ${response.status}`,
  };
}

async function encrypt(job: Extract<Job, { kind: "encrypt" }>): Promise<void> {
  // SHA-256 in WebAssembly (hash-wasm): several times the speed of one in JS, and
  // each paper is hashed twice (as read, as sent).
  const plainHash = await createSHA256();
  let plainBytes = 0;
  let told = 0;
  const plain = job.file.stream().pipeThrough(
    counting((chunk) => {
      plainHash.update(chunk);
      plainBytes += chunk.length;
      if (plainBytes - told >= 512 * 1024 || plainBytes === job.file.size) {
        told = plainBytes;
        post({ progress: plainBytes, total: job.file.size });
      }
    }),
  );
  const e = new Encrypter();
  e.addRecipient(job.recipient);
  const cipherHash = await createSHA256();
  let sent = 0;
  const body = (await e.encrypt(plain)).pipeThrough(
    counting((chunk) => {
      cipherHash.update(chunk);
      sent += chunk.length;
    }),
  );
  let response: Response;
  try {
    response = await fetch("/v1/uploads", {
      method: "POST",
      headers: { ...job.headers, "Content-Type": "application/octet-stream" },
      body: job.streams ? body : await new Response(body).blob(),
      credentials: "same-origin",
      cache: "no-store",
      ...(job.streams ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch {
    post({ fault: { status: 0, code: "server_unreachable", message: "" } });
    return;
  }
  if (!response.ok) {
    post({ fault: await fault(response) });
    return;
  }
  post({
    uploaded: await response.json(),
    payloadSha256: cipherHash.digest("hex"),
    sent,
    plainSha256: plainHash.digest("hex"),
    plainBytes,
  });
}

async function decrypt(job: Extract<Job, { kind: "decrypt" }>): Promise<void> {
  let response: Response;
  try {
    response = await fetch(job.path, { headers: job.headers, credentials: "same-origin", cache: "no-store" });
  } catch {
    post({ fault: { status: 0, code: "server_unreachable", message: "" } });
    return;
  }
  if (!response.ok || !response.body) {
    post({ fault: await fault(response) });
    return;
  }
  const cipherHash = await createSHA256();
  let cipherBytes = 0;
  const cipherParts: Uint8Array[] = [];
  const stream = response.body.pipeThrough(
    counting((chunk) => {
      cipherHash.update(chunk);
      cipherBytes += chunk.length;
      if (job.keep === "cipher") cipherParts.push(chunk);
    }),
  );
  const d = new Decrypter();
  d.addIdentity(job.key);
  const plainHash = await createSHA256();
  const parts: Uint8Array[] = [];
  let plainBytes = 0;
  const reader = (await d.decrypt(stream)).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    plainHash.update(value);
    plainBytes += value.length;
    if (job.keep === "plain") parts.push(value);
    else value.fill(0);
  }
  const blob =
    job.keep === "plain"
      ? new Blob(parts as BlobPart[], { type: job.mime })
      : new Blob(cipherParts as BlobPart[], { type: "application/octet-stream" });
  post({
    blob,
    cipherSha256: cipherHash.digest("hex"),
    cipherBytes,
    plainSha256: plainHash.digest("hex"),
    plainBytes,
  });
}

self.onmessage = (event: MessageEvent<Job>) => {
  const job = event.data;
  const run = job.kind === "encrypt" ? encrypt(job) : decrypt(job);
  run.catch((e) => post({ fault: { status: 0, code: "decryption_failed", message: String(e) } }));
};
