import { useState, type FormEvent } from "react";
import { Button } from "../ui/Button";
import { Alert } from "../ui/Alert";

/** The site's name as the page heading, with an inline rename form. */
export function SiteTitle({ name, busy, error, onRename }: {
  name: string;
  busy?: boolean;
  error?: string | null;
  onRename: (name: string) => Promise<unknown>;
}) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(name);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const v = value.trim();
    if (!v) {
      setProblem("Enter a name.");
      return;
    }
    setProblem(null);
    try {
      await onRename(v);
      setEditing(false);
    } catch {
      /* the error prop shows the API's message */
    }
  };

  if (!editing) {
    return (
      <div className="site-title-row">
        <h1 className="site-title">{name}</h1>
        <Button
          size="sm"
          variant="ghost"
          onClick={() => {
            setValue(name);
            setEditing(true);
          }}
        >
          Rename
        </Button>
      </div>
    );
  }
  return (
    <form className="rename-form" onSubmit={submit} aria-label="Rename site">
      <h1 className="visually-hidden">{name}</h1>
      <label htmlFor="site-name" className="visually-hidden">
        Site name
      </label>
      <input id="site-name" value={value} maxLength={255} onChange={(e) => setValue(e.target.value)} autoFocus />
      <Button type="submit" size="sm" variant="primary" busy={busy}>
        Save name
      </Button>
      <Button size="sm" variant="ghost" onClick={() => setEditing(false)}>
        Cancel
      </Button>
      {(problem || error) && <Alert title="Could not rename">{problem ?? error}</Alert>}
    </form>
  );
}
