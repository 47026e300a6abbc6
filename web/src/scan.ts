// Reads a QR code with the device's camera, in the page: the camera's frames are drawn
// into a canvas and decoded here (the browser's own BarcodeDetector where it has one,
// as on Android; jsQR, loaded only now, elsewhere). Nothing leaves the device; the
// camera stops as soon as a code is accepted, or when the screen changes.

type Detect = (canvas: HTMLCanvasElement, ctx: CanvasRenderingContext2D) => Promise<string | null>;

interface NativeDetector {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>;
}

async function detector(): Promise<Detect> {
  const Native = (globalThis as unknown as {
    BarcodeDetector?: { new (o: { formats: string[] }): NativeDetector; getSupportedFormats(): Promise<string[]> };
  }).BarcodeDetector;
  const formats: string[] = Native ? await Native.getSupportedFormats().catch(() => []) : [];
  if (Native && formats.includes("qr_code")) {
    const native = new Native({ formats: ["qr_code"] });
    return async (canvas) => (await native.detect(canvas))[0]?.rawValue ?? null;
  }
  const { default: jsQR } = await import("jsqr");
  const utf8 = new TextDecoder("utf-8", { fatal: false });
  return async (canvas, ctx) => {
    const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const code = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    return code ? utf8.decode(Uint8Array.from(code.binaryData)) : null;
  };
}

/** The camera cannot be used here (none, refused, or not a secure context). */
export class NoCamera extends Error {}

/**
 * Shows the back camera in `video` and calls `accept` with each QR code read until it
 * returns true. Resolves with a function that stops the camera.
 */
export async function startScan(video: HTMLVideoElement, accept: (text: string) => boolean): Promise<() => void> {
  if (!navigator.mediaDevices?.getUserMedia) throw new NoCamera();
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch {
    throw new NoCamera();
  }
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  await video.play().catch(() => undefined);
  const detect = await detector();
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  if (!ctx) {
    stop();
    throw new NoCamera();
  }
  const tick = async () => {
    if (stopped || !video.isConnected) return stop();
    if (video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      ctx.drawImage(video, 0, 0);
      const text = await detect(canvas, ctx).catch(() => null);
      if (text && accept(text)) return stop();
    }
    setTimeout(() => void tick(), 250);
  };
  void tick();
  return stop;
}
