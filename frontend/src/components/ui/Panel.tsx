import { useId, type ReactNode } from "react";

/** A titled section of the side panel. */
export function Panel({ title, actions, children, className }: {
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  const id = useId();
  return (
    <section className={`panel${className ? ` ${className}` : ""}`} aria-labelledby={id}>
      <header className="panel-header">
        <h2 id={id} className="panel-title">
          {title}
        </h2>
        {actions}
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}
