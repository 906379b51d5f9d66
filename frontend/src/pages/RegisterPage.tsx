import { Link, Navigate, useNavigate } from "react-router-dom";
import { useAuth } from "../hooks/useAuth";
import { AuthForm } from "../components/Auth/AuthForm";

export function RegisterPage() {
  const { token, register } = useAuth();
  const navigate = useNavigate();
  if (token) return <Navigate to="/sites" replace />;
  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="auth-brand">
          <span className="brand-mark" aria-hidden="true" /> Site Layouts
        </div>
        <h1>Create an account</h1>
        <AuthForm
          mode="register"
          onSubmit={async (email, password) => {
            await register(email, password);
            navigate("/sites", { replace: true });
          }}
        />
        <p className="auth-switch">
          Already registered? <Link to="/login">Log in</Link>
        </p>
      </div>
    </main>
  );
}
