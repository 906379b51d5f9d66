import { Link, Navigate, useLocation, useNavigate } from "react-router-dom";
import { useAuth } from "../hooks/useAuth";
import { useConfig } from "../hooks/useConfig";
import { AuthForm } from "../components/Auth/AuthForm";

export function LoginPage() {
  const { token, login, sessionExpired } = useAuth();
  const config = useConfig();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? "/sites";
  if (token) return <Navigate to={from} replace />;
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
            await login(email, password);
            navigate(from, { replace: true });
          }}
        />
        <p className="auth-switch">
          No account yet? <Link to="/register">Create one</Link>
        </p>
      </div>
    </main>
  );
}
