// The operator's pages: the operator token typed once, held in this module's memory
// only (never in any storage, forgotten by « Quitter » and the idle logout), sent as a
// Bearer header (not ambient like a cookie, so no cross-site request can use it).

import { ApiError, call } from "./api";

let token: string | null = null;

export function signedIn(): boolean {
  return token !== null;
}

export function forget(): void {
  token = null;
}

function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
  if (!token) return Promise.reject(new ApiError(401, "admin_token_required", ""));
  return call<T>(method, path, body, { bearer: token });
}

export interface Status {
  citizens: number;
  mediators: number;
  documents: number;
  stored_bytes: number;
  active_grants: number;
  version: string;
  registration: string;
}

export interface MediatorSummary {
  user: string;
  name: string;
  structure: string;
  state: "pending" | "active" | "disabled";
  created_ms: number;
}

/** Checks the token against the server (its status answers only to it) and keeps it. */
export async function signIn(typed: string): Promise<Status> {
  token = typed.trim();
  try {
    return await status();
  } catch (e) {
    token = null;
    throw e;
  }
}

export function status(): Promise<Status> {
  return admin<Status>("GET", "/v1/admin/status");
}

export function mediators(): Promise<MediatorSummary[]> {
  return admin<MediatorSummary[]>("GET", "/v1/admin/mediators");
}

/** Enrols a mediator: her one-time activation code, to hand over in a letter. */
export function enrol(user: string, name: string, structure: string): Promise<{ code: string; expires_ms: number }> {
  return admin("POST", "/v1/admin/mediators", { user, name, structure });
}

export function disable(user: string): Promise<void> {
  return admin("POST", `/v1/admin/mediators/${encodeURIComponent(user)}/disable`);
}
