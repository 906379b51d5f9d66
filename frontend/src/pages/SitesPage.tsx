import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { useAddDemoSite, useDeleteSite, useSites } from "../hooks/useSites";
import type { SiteSummary } from "../api/types";
import { SiteUpload } from "../components/Sites/SiteUpload";
import { SitesTable } from "../components/Sites/SitesTable";
import { ConfirmDialog } from "../components/ui/ConfirmDialog";
import { Alert } from "../components/ui/Alert";
import { Spinner } from "../components/ui/Spinner";
import { Button } from "../components/ui/Button";

/** "Try the demo site": a ready parcel (with a wetland exclusion and an entrance) to explore at once. */
function DemoSiteButton() {
  const demo = useAddDemoSite();
  const navigate = useNavigate();
  return (
    <div className="demo-site">
      <Button onClick={() => demo.mutate(undefined, { onSuccess: (site) => navigate(`/sites/${site.id}`) })} busy={demo.isPending}>
        Try the demo site
      </Button>
      <p className="field-hint">A 60 ha parcel in Tennessee with a wetland to avoid and real terrain.</p>
      {demo.isError && <Alert title="Could not add the demo site">{demo.error.message}</Alert>}
    </div>
  );
}

export function SitesPage() {
  const sites = useSites();
  const del = useDeleteSite();
  const [pendingDelete, setPendingDelete] = useState<SiteSummary | null>(null);

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Sites</h1>
          <p className="muted">Upload a land parcel to generate a preliminary layout.</p>
        </div>
      </div>
      <div className="sites-grid">
        <section className="card" aria-labelledby="upload-h">
          <h2 id="upload-h" className="card-title">Upload a parcel</h2>
          <SiteUpload />
          <h3 className="sub-title">No parcel at hand?</h3>
          <DemoSiteButton />
        </section>
        <section className="card" aria-labelledby="sites-h">
          <h2 id="sites-h" className="card-title">
            Your sites {sites.data && <span className="count">{sites.data.count}</span>}
          </h2>
          {sites.isPending && <Spinner label="Loading sites" />}
          {sites.isError && <Alert>{sites.error.message}</Alert>}
          {del.isError && <Alert title="Delete failed">{del.error.message}</Alert>}
          {sites.data && sites.data.data.length === 0 && (
            <p className="empty">No sites yet. Upload a KML or KMZ file to get started.</p>
          )}
          {sites.data && sites.data.data.length > 0 && <SitesTable sites={sites.data.data} onDelete={setPendingDelete} />}
        </section>
      </div>
      <ConfirmDialog
        open={!!pendingDelete}
        title="Delete site?"
        confirmLabel="Delete site"
        busy={del.isPending}
        onCancel={() => setPendingDelete(null)}
        onConfirm={() =>
          pendingDelete && del.mutate(pendingDelete.id, { onSettled: () => setPendingDelete(null) })
        }
      >
        <p>
          “{pendingDelete?.name}” and all of its layouts will be deleted. This cannot be undone.
        </p>
      </ConfirmDialog>
    </div>
  );
}
