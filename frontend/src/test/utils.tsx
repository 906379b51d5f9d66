import type { ReactElement, ReactNode } from "react";
import { render } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router-dom";
import { vi } from "vitest";
import { AuthProvider } from "../hooks/useAuth";

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export interface RecordedCall {
  method: string;
  path: string;
  url: string;
  headers: Headers;
  /** The request body as sent (string, FormData, URLSearchParams…), or null. */
  body: unknown;
}

type Handler = (call: RecordedCall) => Response | Promise<Response>;

/**
 * Replaces global fetch with `handler`; returns the recorded calls. Works for both fetch styles
 * the app uses: `fetch(url, init)` and `fetch(Request)` (openapi-fetch).
 */
export function mockFetch(handler: Handler) {
  const calls: RecordedCall[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    let call: RecordedCall;
    if (input instanceof Request) {
      const ct = input.headers.get("Content-Type") ?? "";
      let body: unknown = null;
      if (input.body) {
        const clone = input.clone();
        body = ct.includes("multipart/form-data")
          ? await clone.formData()
          : ct.includes("x-www-form-urlencoded")
            ? new URLSearchParams(await clone.text())
            : await clone.text();
      }
      const u = new URL(input.url);
      call = { method: input.method.toUpperCase(), path: u.pathname + u.search, url: input.url, headers: input.headers, body };
    } else {
      const url = input instanceof URL ? input.toString() : input;
      const u = new URL(url, "http://localhost");
      call = {
        method: (init?.method ?? "GET").toUpperCase(),
        path: u.pathname + u.search,
        url,
        headers: new Headers(init?.headers),
        body: init?.body ?? null,
      };
    }
    calls.push(call);
    return handler(call);
  });
  vi.stubGlobal("fetch", fn);
  return { calls, fn };
}

/** The JSON body of a recorded call. */
export const jsonBody = (call: RecordedCall): unknown => JSON.parse(String(call.body));

export function newQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } } });
}

export function Providers({ children, client, route = "/" }: { children: ReactNode; client?: QueryClient; route?: string }) {
  const qc = client ?? newQueryClient();
  return (
    <QueryClientProvider client={qc}>
      <MemoryRouter initialEntries={[route]}>
        <AuthProvider>{children}</AuthProvider>
      </MemoryRouter>
    </QueryClientProvider>
  );
}

export function renderWithProviders(ui: ReactElement, opts: { route?: string; client?: QueryClient } = {}) {
  const client = opts.client ?? newQueryClient();
  return { client, ...render(<Providers client={client} route={opts.route}>{ui}</Providers>) };
}

export const USER = { id: "u1", email: "ada@example.com", is_admin: false, created_at: "2026-01-01T00:00:00Z" };
export const ADMIN = { ...USER, is_admin: true };
