import type { ReactNode } from "react";

/**
 * A message box. Errors use role="alert" (assertive) so screen readers announce them at once;
 * info and success use role="status" (polite).
 */
export function Alert({ tone = "error", title, children, action }: {
  tone?: "error" | "warning" | "info" | "success";
  title?: string;
  children: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className={`alert alert-${tone}`} role={tone === "error" ? "alert" : "status"}>
      <div className="alert-body">
        {title && <strong className="alert-title">{title}</strong>}
        <div>{children}</div>
      </div>
      {action && <div className="alert-action">{action}</div>}
    </div>
  );
}

/** An always-present live region, so messages that appear later are still announced. */
export function LiveRegion({ message, assertive = false }: { message: string | null | undefined; assertive?: boolean }) {
  return (
    <div className="visually-hidden" aria-live={assertive ? "assertive" : "polite"} aria-atomic="true">
      {message ?? ""}
    </div>
  );
}
