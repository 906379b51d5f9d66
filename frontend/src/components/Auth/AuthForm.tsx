import { useState, type FormEvent } from "react";
import { Field } from "../ui/Field";
import { Button } from "../ui/Button";
import { Alert } from "../ui/Alert";

export function AuthForm({ mode, onSubmit, notice }: {
  mode: "login" | "register";
  onSubmit: (email: string, password: string) => Promise<void>;
  notice?: string | null;
}) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (mode === "register" && password !== confirm) {
      setError("The passwords do not match.");
      return;
    }
    setBusy(true);
    try {
      await onSubmit(email.trim(), password);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="form" noValidate={false}>
      {notice && !error && <Alert tone="info">{notice}</Alert>}
      {error && <Alert>{error}</Alert>}
      <Field label="Email">
        {({ id }) => (
          <input id={id} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        )}
      </Field>
      <Field label="Password" hint={mode === "register" ? "At least 8 characters." : undefined}>
        {({ id, describedBy }) => (
          <input
            id={id}
            type="password"
            autoComplete={mode === "login" ? "current-password" : "new-password"}
            required
            minLength={mode === "register" ? 8 : undefined}
            aria-describedby={describedBy}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        )}
      </Field>
      {mode === "register" && (
        <Field label="Confirm password">
          {({ id }) => (
            <input id={id} type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
          )}
        </Field>
      )}
      <Button type="submit" variant="primary" busy={busy} className="btn-block">
        {mode === "login" ? "Log in" : "Create account"}
      </Button>
    </form>
  );
}
