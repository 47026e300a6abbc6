// The API, same origin: JSON in and out, errors as the server's stable code and
// sentence (in the page's language). The session is an HttpOnly cookie the page's
// scripts never see; every request says it comes from the web client and carries
// the CSRF header that changes need.

import { lang } from "./i18n";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Which session the page speaks for: the browser's own, or (« Session
 *  accompagnée ») the citizen's beside the mediator's, in its own cookie. */
let slot: "accompanied" | null = null;

export function setSlot(next: "accompanied" | null): void {
  slot = next;
}

/** Headers every request of the page carries. */
export function base(): Record<string, string> {
  return {
    "Accept-Language": lang(),
    "X-Coffre-Client": "web",
    "X-Coffre-CSRF": "1",
    ...(slot ? { "X-Coffre-Slot": slot } : {}),
  };
}

/** For a request that is not authenticated by the session cookie: its own bearer
 *  (the operator's token), and no cookie sent at all. */
export interface Bearer {
  bearer: string;
}

/** The server's refusal as an error: its stable code and its sentence. */
async function refusal(response: Response): Promise<ApiError> {
  const detail = await response.json().catch(() => null);
  return new ApiError(
    response.status,
    detail?.error?.code ?? "protocol_error",
    detail?.error?.message ?? `HTTP ${response.status}`,
  );
}

export async function call<T>(method: string, path: string, body?: unknown, auth?: Bearer): Promise<T> {
  const headers = base();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth) headers["Authorization"] = `Bearer ${auth.bearer}`;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: auth ? "omit" : "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "server_unreachable", "");
  }
  if (!response.ok) throw await refusal(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A GET of JSON the server tags (`ETag`): `null` when `known`, the tag of the copy
 *  the page holds, is still current (304), else the body and its tag. */
export async function callTagged<T>(
  path: string,
  known: string | null,
): Promise<{ tag: string | null; body: T } | null> {
  const headers = base();
  if (known) headers["If-None-Match"] = known;
  let response: Response;
  try {
    response = await fetch(path, { headers, credentials: "same-origin", cache: "no-store" });
  } catch {
    throw new ApiError(0, "server_unreachable", "");
  }
  if (response.status === 304 && known) return null;
  if (!response.ok) throw await refusal(response);
  return { tag: response.headers.get("ETag"), body: (await response.json()) as T };
}

/** Whether this browser can send a request body as a stream (Chromium, over HTTP/2). */
export const streamsRequests = (() => {
  let duplexAccessed = false;
  try {
    const hasContentType = new Request("https://example.invalid", {
      body: new ReadableStream(),
      method: "POST",
      // @ts-expect-error `duplex` is not in every DOM typing yet
      get duplex() {
        duplexAccessed = true;
        return "half";
      },
    }).headers.has("Content-Type");
    return duplexAccessed && !hasContentType;
  } catch {
    return false;
  }
})();

