import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { jsonResponse, mockFetch, renderWithProviders, USER } from "../test/utils";
import { tokenStore } from "../api/client";
import { SITE_SUMMARY } from "../test/fixtures";

const CONFIG = { async_enabled: true, auth_mode: "local", version: "1.2.3" };
const REGISTERED = { message: "registration received: if this email was free, its account now exists" };

describe("accounts", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("logs in with a form-encoded request, stores the token and sends it as Bearer", async () => {
    const { calls } = mockFetch(({ path }) => {
      if (path === "/api/config") return jsonResponse(CONFIG);
      if (path === "/api/auth/token") return jsonResponse({ access_token: "tok-1", token_type: "bearer" });
      if (path === "/api/auth/me") return jsonResponse(USER);
      if (path === "/api/sites") return jsonResponse({ data: [SITE_SUMMARY], count: 1 });
      return jsonResponse({ detail: "Not found" }, 404);
    });
    const user = userEvent.setup();
    renderWithProviders(<App />, { route: "/login" });

    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "correct horse");
    await user.click(screen.getByRole("button", { name: "Log in" }));

    expect(await screen.findByRole("heading", { name: "Sites" })).toBeInTheDocument();
    const login = calls.find((c) => c.path === "/api/auth/token")!;
    expect(login.method).toBe("POST");
    expect(login.headers.get("Content-Type")).toContain("application/x-www-form-urlencoded");
    const form = login.body as URLSearchParams;
    expect(form.get("username")).toBe("ada@example.com");
    expect(form.get("password")).toBe("correct horse");
    expect(tokenStore.get()).toBe("tok-1");
    await waitFor(() => expect(calls.find((c) => c.path === "/api/sites")).toBeDefined());
    expect(calls.find((c) => c.path === "/api/sites")!.headers.get("Authorization")).toBe("Bearer tok-1");
    expect(await screen.findByText("ada@example.com")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "West Texas parcel" })).toBeInTheDocument();
  });

  it("shows the API's message for bad credentials and stays on the login page", async () => {
    mockFetch(({ path }) =>
      path === "/api/auth/token" ? jsonResponse({ detail: "Incorrect email or password" }, 401) : jsonResponse(CONFIG),
    );
    const user = userEvent.setup();
    renderWithProviders(<App />, { route: "/login" });
    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "wrong");
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Incorrect email or password");
    expect(screen.getByRole("heading", { name: "Log in" })).toBeInTheDocument();
    expect(tokenStore.get()).toBeNull();
  });

  it("registers, then logs in", async () => {
    const { calls } = mockFetch(({ path }) => {
      if (path === "/api/auth/register") return jsonResponse(REGISTERED, 202);
      if (path === "/api/auth/token") return jsonResponse({ access_token: "tok-2", token_type: "bearer" });
      if (path === "/api/auth/me") return jsonResponse(USER);
      if (path === "/api/sites") return jsonResponse({ data: [], count: 0 });
      return jsonResponse(CONFIG);
    });
    const user = userEvent.setup();
    renderWithProviders(<App />, { route: "/register" });
    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "longpassword");
    await user.type(screen.getByLabelText("Confirm password"), "longpassword");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByText(/No sites yet/)).toBeInTheDocument();
    const reg = calls.find((c) => c.path === "/api/auth/register")!;
    expect(JSON.parse(String(reg.body))).toEqual({ email: "ada@example.com", password: "longpassword" });
    expect(tokenStore.get()).toBe("tok-2");
  });

  it("a taken email gets the same answer; the login then fails as worded", async () => {
    // The API does not say whether an account exists (docs/security.md): only the login can fail.
    mockFetch(({ path }) => {
      if (path === "/api/auth/register") return jsonResponse(REGISTERED, 202);
      if (path === "/api/auth/token") return jsonResponse({ detail: "incorrect email or password" }, 401);
      return jsonResponse(CONFIG);
    });
    const user = userEvent.setup();
    renderWithProviders(<App />, { route: "/register" });
    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "longpassword");
    await user.type(screen.getByLabelText("Confirm password"), "longpassword");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/incorrect email or password/i);
    expect(tokenStore.get()).toBeNull();
  });

  it("a 401 from any request returns to the login page", async () => {
    tokenStore.set("expired");
    mockFetch(({ path }) => (path === "/api/config" ? jsonResponse(CONFIG) : jsonResponse({ detail: "Could not validate credentials" }, 401)));
    renderWithProviders(<App />, { route: "/sites" });
    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
    expect(screen.getByText("Your session has ended. Please log in again.")).toBeInTheDocument();
    expect(tokenStore.get()).toBeNull();
  });

  it("an anonymous visitor is sent to the login page", () => {
    mockFetch(() => jsonResponse(CONFIG));
    renderWithProviders(<App />, { route: "/sites/s1" });
    expect(screen.getByRole("heading", { name: "Log in" })).toBeInTheDocument();
  });

  it("log out clears the token", async () => {
    tokenStore.set("tok");
    mockFetch(({ path }) => {
      if (path === "/api/auth/me") return jsonResponse(USER);
      if (path === "/api/sites") return jsonResponse({ data: [], count: 0 });
      return jsonResponse(CONFIG);
    });
    const user = userEvent.setup();
    renderWithProviders(<App />, { route: "/sites" });
    await user.click(await screen.findByRole("button", { name: "Log out" }));
    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
    expect(tokenStore.get()).toBeNull();
  });

  it("after one user logs out on a site page, the next user starts at their own sites", async () => {
    tokenStore.set("tok-ada");
    const BOB = { ...USER, id: "u2", email: "bob@example.com" };
    let who = USER;
    const { calls } = mockFetch(({ path, headers }) => {
      if (path === "/api/auth/token") {
        who = BOB;
        return jsonResponse({ access_token: "tok-bob", token_type: "bearer" });
      }
      if (path === "/api/auth/me") return jsonResponse(headers.get("Authorization") === "Bearer tok-bob" ? BOB : who);
      if (path === "/api/sites") return jsonResponse({ data: [], count: 0 });
      if (path.startsWith("/api/sites/s1")) return jsonResponse({ detail: "site s1 not found" }, 404);
      return jsonResponse(CONFIG);
    });
    const user = userEvent.setup();
    renderWithProviders(<App />, { route: "/sites/s1" });
    await user.click(await screen.findByRole("button", { name: "Log out" }));
    await user.type(await screen.findByLabelText("Email"), "bob@example.com");
    await user.type(screen.getByLabelText("Password"), "longpassword");
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByText(/No sites yet/)).toBeInTheDocument();
    expect(screen.queryByText(/Could not load the site/)).toBeNull();
    expect(calls.filter((c) => c.path === "/api/sites/s1" && c.headers.get("Authorization") === "Bearer tok-bob")).toHaveLength(0);
  });

  it("after an expired session the same user returns to the page they were on", async () => {
    localStorage.setItem("sitelayouts.lastUserId", USER.id);
    mockFetch(({ path }) => {
      if (path === "/api/auth/token") return jsonResponse({ access_token: "tok-new", token_type: "bearer" });
      if (path === "/api/auth/me") return jsonResponse(USER);
      if (path === "/api/sites") return jsonResponse({ data: [], count: 0 });
      if (path === "/api/ops/summary") return jsonResponse({ detail: "admins only" }, 403);
      return jsonResponse(CONFIG);
    });
    const user = userEvent.setup();
    renderWithProviders(<App />, { route: "/ops" });
    await user.type(await screen.findByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "longpassword");
    await user.click(screen.getByRole("button", { name: "Log in" }));
    await waitFor(() => expect(screen.queryByRole("heading", { name: "Log in" })).toBeNull());
    expect(screen.queryByText(/No sites yet/)).toBeNull();
  });
});
