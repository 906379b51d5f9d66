import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/endpoints";
import { setUnauthorizedHandler, tokenStore } from "../api/client";
import type { User } from "../api/types";
import { keys } from "./queryKeys";

interface AuthContextValue {
  token: string | null;
  user: User | undefined;
  isLoadingUser: boolean;
  /** Logs in and answers the user the token belongs to. */
  login: (email: string, password: string) => Promise<User>;
  register: (email: string, password: string) => Promise<void>;
  logout: () => void;
  /** Set when the session ended because the API answered 401. */
  sessionExpired: boolean;
  /** Set when the user logged out: the next login starts at the sites list, not the last page. */
  loggedOut: boolean;
}

/** The id of the user last signed in here, so a page left by one user is never reopened for another. */
export const lastUserStore = {
  key: "sitelayouts.lastUserId",
  get(): string | null {
    try {
      return localStorage.getItem(this.key);
    } catch {
      return null;
    }
  },
  set(id: string): void {
    try {
      localStorage.setItem(this.key, id);
    } catch {
      // storage unavailable (private mode): the next login starts at the sites list
    }
  },
};

const AuthContext = createContext<AuthContextValue | null>(null);

/**
 * Holds the Bearer token (localStorage) and the current user. A 401 from any request clears
 * the token; the router then shows the login page.
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [token, setToken] = useState<string | null>(() => tokenStore.get());
  const [sessionExpired, setSessionExpired] = useState(false);
  const [loggedOut, setLoggedOut] = useState(false);

  const clear = useCallback(() => {
    tokenStore.set(null);
    setToken(null);
    queryClient.clear();
  }, [queryClient]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      if (tokenStore.get()) setSessionExpired(true);
      clear();
    });
    return () => setUnauthorizedHandler(null);
  }, [clear]);

  const me = useQuery({ queryKey: keys.me, queryFn: api.auth.me, enabled: !!token, staleTime: 5 * 60_000 });
  useEffect(() => {
    if (me.data?.id) lastUserStore.set(me.data.id);
  }, [me.data?.id]);

  const login = useCallback(
    async (email: string, password: string) => {
      const res = await api.auth.login(email, password);
      // Nothing cached for the previous user (their sites, layouts, studies) survives a login.
      queryClient.clear();
      tokenStore.set(res.access_token);
      setSessionExpired(false);
      setLoggedOut(false);
      const user = await queryClient.fetchQuery({ queryKey: keys.me, queryFn: api.auth.me });
      lastUserStore.set(user.id);
      setToken(res.access_token);
      return user;
    },
    [queryClient],
  );

  const register = useCallback(
    async (email: string, password: string) => {
      await api.auth.register(email, password);
      await login(email, password);
    },
    [login],
  );

  const logout = useCallback(() => {
    setSessionExpired(false);
    setLoggedOut(true);
    clear();
  }, [clear]);

  const value = useMemo<AuthContextValue>(
    () => ({ token, user: me.data, isLoadingUser: me.isLoading, login, register, logout, sessionExpired, loggedOut }),
    [token, me.data, me.isLoading, login, register, logout, sessionExpired, loggedOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error("useAuth must be used inside <AuthProvider>");
  return ctx;
}
