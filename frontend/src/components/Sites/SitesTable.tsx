import { Link } from "react-router-dom";
import type { SiteSummary } from "../../api/types";
import { formatArea, formatDateTime, formatPower } from "../../lib/format";
import { StatusBadge } from "../ui/StatusBadge";
import { Button } from "../ui/Button";

export function SitesTable({ sites, onDelete }: { sites: SiteSummary[]; onDelete: (site: SiteSummary) => void }) {
  return (
    <table className="table">
      <caption className="visually-hidden">Your sites</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col" className="num">Area</th>
          <th scope="col">Latest layout</th>
          <th scope="col" className="num">Capacity</th>
          <th scope="col">Uploaded</th>
          <th scope="col"><span className="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {sites.map((s) => (
          <tr key={s.id}>
            <th scope="row">
              <Link to={`/sites/${s.id}`}>{s.name}</Link>
            </th>
            <td className="num">{formatArea(s.area_ha)}</td>
            <td>
              <StatusBadge status={s.latest_layout?.status} />
            </td>
            <td className="num">{formatPower(s.latest_layout?.total_capacity_kw)}</td>
            <td>{formatDateTime(s.created_at)}</td>
            <td className="actions">
              <Button size="sm" variant="ghost" className="text-danger" onClick={() => onDelete(s)} aria-label={`Delete ${s.name}`}>
                Delete
              </Button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
