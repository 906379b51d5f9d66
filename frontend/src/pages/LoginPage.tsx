import { Link, Navigate, useLocation, useNavigate } from "react-router-dom";
import { useAuth } from "../hooks/useAuth";
import { useConfig } from "../hooks/useConfig";
import { AuthForm } from "../components/Auth/AuthForm";

export function LoginPage() {
  const { token, user, login, sessionExpired } = useAuth();
  const config = useConfig();
  const navigate = useNavigate();
  const location = useLocation();
  const state = location.state as { from?: string; forUser?: string | null } | null;
  // The page the session ended on, only for the user it belonged to: another user's site would
  // only answer "not found".
  const target = (id: string | undefined) => (state?.from && state.forUser && state.forUser === id ? state.from : "/sites");
  if (token) return <Navigate to={target(user?.id)} replace />;
  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="auth-brand">
          <span className="brand-mark" aria-hidden="true" /> Site Layouts
        </div>
        <h1>Log in</h1>
        {config.data?.auth_mode === "oidc" && (
          <p className="muted">This server uses single sign-on; local accounts may be disabled.</p>
        )}
        <AuthForm
          mode="login"
          notice={sessionExpired ? "Your session has ended. Please log in again." : null}
          onSubmit={async (email, password) => {
            const me = await login(email, password);
            navigate(target(me.id), { replace: true });
          }}
        />
        <p className="auth-switch">
          No account yet? <Link to="/register">Create one</Link>
        </p>
      </div>
    </main>
  );
}
