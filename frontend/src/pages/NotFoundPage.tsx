import { Link } from "react-router-dom";

export function NotFoundPage() {
  return (
    <main className="auth-page">
      <div className="auth-card">
        <h1>Page not found</h1>
        <p>
          <Link to="/sites">Go to your sites</Link>
        </p>
      </div>
    </main>
  );
}
