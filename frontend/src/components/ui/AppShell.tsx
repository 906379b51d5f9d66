import type { ReactNode } from "react";
import { Link, NavLink } from "react-router-dom";
import { useAuth } from "../../hooks/useAuth";
import { useConfig } from "../../hooks/useConfig";
import { Button } from "./Button";

export function AppShell({ children }: { children: ReactNode }) {
  const { user, logout } = useAuth();
  const config = useConfig();
  return (
    <div className="app">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/sites" className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Site Layouts
        </Link>
        <nav aria-label="Main" className="topnav">
          <NavLink to="/sites">Sites</NavLink>
          {user?.is_admin && <NavLink to="/ops">Ops</NavLink>}
        </nav>
        <div className="topbar-right">
          {config.data && (
            <span className="topbar-meta">
              {config.data.async_enabled ? "Async mode" : "Sync mode"} · v{config.data.version}
            </span>
          )}
          {user && <span className="topbar-user">{user.email}</span>}
          <Button size="sm" variant="ghost" className="btn-on-dark" onClick={logout}>
            Log out
          </Button>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
