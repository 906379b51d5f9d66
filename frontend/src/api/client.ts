/**
 * The one place that talks HTTP: base URL, Bearer token, error shape and the 401 hook.
 *
 * Errors from the API are always `{"detail": "<human message>"}`; `ApiError.message` is that
 * detail verbatim so the UI can show it as worded. FastAPI validation errors (422) carry a list
 * of `{loc, msg}` instead; they are joined into one readable line.
 */

import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

/** Build-time API origin; empty means same origin (the API serves the built app). */
export const API_URL: string = (import.meta.env.VITE_API_URL ?? "").replace(/\/+$/, "");

const TOKEN_KEY = "sitelayouts.token";

export const tokenStore = {
  get(): string | null {
    try {
      return localStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set(token: string | null): void {
    try {
      if (token) localStorage.setItem(TOKEN_KEY, token);
      else localStorage.removeItem(TOKEN_KEY);
    } catch {
      /* storage unavailable: the token lives only as long as the page */
    }
  },
};

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler | null = null;

/** The auth provider registers what happens on a 401 (clear the token, go to the login page). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | null): void {
  onUnauthorized = handler;
}

export function apiUrl(path: string): string {
  return `${API_URL}${path}`;
}

export function detailMessage(body: unknown, status: number, statusText: string): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail
        .map((d) => {
          if (d && typeof d === "object" && "msg" in d) {
            const loc = Array.isArray((d as { loc?: unknown[] }).loc)
              ? ((d as { loc: unknown[] }).loc.filter((p) => p !== "body").join("."))
              : "";
            return loc ? `${loc}: ${(d as { msg: string }).msg}` : String((d as { msg: string }).msg);
          }
          return String(d);
        })
        .join("; ");
    }
  }
  return `Request failed (${status}${statusText ? ` ${statusText}` : ""})`;
}

export interface RequestOptions {
  method?: string;
  /** JSON body */
  json?: unknown;
  /** Raw body (FormData, URLSearchParams) */
  body?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Skip the global 401 handler (the login form shows its own message). */
  skipAuthRedirect?: boolean;
}

async function send(path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
  const token = tokenStore.get();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body = opts.body;
  if (opts.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.json);
  }
  let res: Response;
  try {
    res = await fetch(apiUrl(path), { method: opts.method ?? "GET", headers, body, signal: opts.signal });
  } catch (err) {
    if ((err as Error)?.name === "AbortError") throw err;
    throw new ApiError(0, "Cannot reach the server. Check your connection and try again.");
  }
  if (!res.ok) {
    let parsed: unknown = null;
    try {
      parsed = await res.json();
    } catch {
      /* not JSON */
    }
    if (res.status === 401 && !opts.skipAuthRedirect) onUnauthorized?.();
    throw new ApiError(res.status, detailMessage(parsed, res.status, res.statusText));
  }
  return res;
}

/** JSON request; resolves to the parsed body (undefined for 204). */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Binary request (exports): resolves to the blob and the server's file name, if any. */
export async function requestBlob(path: string): Promise<{ blob: Blob; filename: string | null }> {
  const res = await send(path, { headers: { Accept: "*/*" } });
  const disposition = res.headers.get("Content-Disposition") ?? "";
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  return { blob: await res.blob(), filename: match ? decodeURIComponent(match[1]) : null };
}

/**
 * Typed client generated from the OpenAPI schema (openapi-fetch). `fetch` is looked up per call
 * so tests can stub it; the middleware adds the Bearer token and handles 401.
 */
export const http = createClient<paths>({
  baseUrl: API_URL || (typeof window !== "undefined" ? window.location.origin : ""),
  fetch: (req: Request) => globalThis.fetch(req),
});

const authMiddleware: Middleware = {
  onRequest({ request }) {
    const token = tokenStore.get();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.endsWith("/api/auth/token")) onUnauthorized?.();
    return response;
  },
};
http.use(authMiddleware);

/** Turns an openapi-fetch result into data, or throws ApiError with the API's detail. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (err) {
    if ((err as Error)?.name === "AbortError") throw err;
    throw new ApiError(0, "Cannot reach the server. Check your connection and try again.");
  }
  const { data, error, response } = result;
  if (!response.ok || error !== undefined) {
    throw new ApiError(response.status, detailMessage(error, response.status, response.statusText));
  }
  return (response.status === 204 ? undefined : data) as T;
}
