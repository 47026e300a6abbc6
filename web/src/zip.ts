// One ZIP file from an export's files, stored as they are (age files do not compress),
// written by fflate as a stream of parts: a Blob of a paper's ciphertext is read chunk
// by chunk, never joined in one buffer. Loaded only when she exports.

import { Zip, ZipPassThrough } from "fflate";

export async function zipFiles(folder: string, files: { name: string; data: Uint8Array | Blob }[]): Promise<Blob> {
  const parts: Uint8Array[] = [];
  let failure: Error | null = null;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const zip = new Zip((err, chunk, final) => {
    if (err) failure = err;
    else parts.push(chunk);
    if (err || final) finished();
  });
  for (const file of files) {
    const entry = new ZipPassThrough(`${folder}/${file.name}`);
    zip.add(entry);
    if (file.data instanceof Uint8Array) {
      entry.push(file.data, true);
      continue;
    }
    const reader = file.data.stream().getReader();
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      entry.push(value);
    }
    entry.push(new Uint8Array(0), true);
  }
  zip.end();
  await done;
  if (failure) throw failure;
  return new Blob(parts as BlobPart[], { type: "application/zip" });
}
