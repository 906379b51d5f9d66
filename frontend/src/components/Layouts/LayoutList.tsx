import type { Layout } from "../../api/types";
import { formatDateTime, formatPower, humanize } from "../../lib/format";
import { StatusBadge } from "../ui/StatusBadge";
import { variantLabel } from "../../lib/variant";

/** The site's layouts: pick one to show on the map, tick several to compare. */
export function LayoutList({ layouts, selectedId, compareIds, onSelect, onToggleCompare }: {
  layouts: Layout[];
  selectedId: string | null;
  compareIds: string[];
  onSelect: (id: string) => void;
  onToggleCompare: (id: string) => void;
}) {
  if (layouts.length === 0) return <p className="empty small">No layouts yet.</p>;
  return (
    <ul className="layout-list" aria-label="Layouts">
      {layouts.map((l, i) => {
        const selected = l.id === selectedId;
        const n = layouts.length - i;
        return (
          <li key={l.id} className={`layout-item${selected ? " selected" : ""}`}>
            <button
              type="button"
              className="layout-select"
              aria-pressed={selected}
              onClick={() => onSelect(l.id)}
              disabled={l.status !== "completed"}
              title={l.status !== "completed" ? "Only completed layouts can be shown on the map" : undefined}
            >
              <span className="layout-name">
                Layout {n} <StatusBadge status={l.status} />
                {l.stale && (
                  <span className="badge badge-stale" title="Made before the site's zones, entry or interconnection point changed">
                    Stale
                  </span>
                )}
              </span>
              {l.variant && Object.keys(l.variant).length > 0 && (
                <span className="layout-meta layout-variant" data-testid="layout-variant">
                  {variantLabel(l.variant)}
                </span>
              )}
              <span className="layout-meta">
                {formatPower(l.metrics?.total_capacity_kw ?? l.params.target_capacity_kw)} · {humanize(l.params.profile)} ·{" "}
                {humanize(l.params.strategy)}
              </span>
              <span className="layout-meta">{formatDateTime(l.created_at)}</span>
            </button>
            {l.status === "completed" && (
              <label className="compare-toggle">
                <input type="checkbox" checked={compareIds.includes(l.id)} onChange={() => onToggleCompare(l.id)} />
                <span>Compare</span>
                <span className="visually-hidden"> layout {n}</span>
              </label>
            )}
          </li>
        );
      })}
    </ul>
  );
}
