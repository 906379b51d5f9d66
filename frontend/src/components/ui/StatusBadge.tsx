import { humanize } from "../../lib/format";

export function StatusBadge({ status }: { status: string | null | undefined }) {
  if (!status) return <span className="badge badge-none">No layout</span>;
  return <span className={`badge badge-${status}`}>{humanize(status)}</span>;
}
