import { useRef, useState, type FormEvent } from "react";
import { windResourceKindLabel, windResourceSummary, type WindResourcePublic } from "../../api/hybrid";
import { useDeleteWind, useUploadWind, useWindResource } from "../../hooks/useWindResource";
import { formatNumber } from "../../lib/format";
import { Alert } from "../ui/Alert";
import { Button } from "../ui/Button";
import { Spinner } from "../ui/Spinner";
import { WindRose } from "../Design/WindRose";

const ACCEPT = ".csv,.tab,.txt,text/csv,text/plain";

/** What the API stored: kind, measurement height, mean speed, and its warnings. */
export function WindResourceSummary({ resource }: { resource: WindResourcePublic }) {
  const s = windResourceSummary(resource);
  return (
    <div data-testid="wind-resource">
      <dl className="design-dl small">
        {resource.filename ? (
          <>
            <dt>File</dt>
            <dd>{resource.filename}</dd>
          </>
        ) : null}
        <dt>Kind</dt>
        <dd>{windResourceKindLabel(s.kind)}</dd>
        <dt>Measurement height</dt>
        <dd>{s.height_m != null ? `${formatNumber(s.height_m, 1)} m` : "—"}</dd>
        <dt>Mean speed</dt>
        <dd>{s.mean_speed_m_s != null ? `${formatNumber(s.mean_speed_m_s, 2)} m/s at that height` : "—"}</dd>
      </dl>
      {(s.kind === "weibull" || s.kind === "tab" || resource.hourly_synthesised) && !(resource.warnings ?? []).some((w) => /synthesi[sz]ed/i.test(w)) ? (
        <p className="field-hint">Storage dispatch needs hours: they are synthesised from this table (the results say so).</p>
      ) : null}
      {(resource.rose ?? []).length > 0 && <WindRose rose={resource.rose!} heightM={s.height_m} />}
      {(resource.warnings ?? []).length > 0 && (
        <Alert tone="warning" title="Wind resource warnings">
          <ul className="plain">
            {(resource.warnings ?? []).map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </Alert>
      )}
    </div>
  );
}

/**
 * The site's wind resource: upload (Weibull table CSV, .tab histogram or hourly time-series CSV;
 * multipart field `file`), what was stored, and removal. API errors are shown as worded.
 */
export function WindResourcePanel({ siteId }: { siteId: string }) {
  const resource = useWindResource(siteId);
  const upload = useUploadWind(siteId);
  const remove = useDeleteWind(siteId);
  const inputRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    remove.reset();
    upload.mutate(file, {
      onSuccess: () => {
        setFile(null);
        if (inputRef.current) inputRef.current.value = "";
      },
    });
  };

  return (
    <div className="wind-resource">
      {resource.isPending ? (
        <Spinner size="sm" label="Loading the wind resource" />
      ) : resource.isError ? (
        <Alert title="Could not load the wind resource">{resource.error.message}</Alert>
      ) : resource.data ? (
        <>
          <WindResourceSummary resource={resource.data} />
          <Button size="sm" variant="ghost" className="text-danger" busy={remove.isPending} onClick={() => remove.mutate()}>
            Remove wind resource
          </Button>
        </>
      ) : (
        <p className="empty small" data-testid="no-wind-resource">
          No wind resource: wind profiles place turbines but compute no wind energy until one is uploaded.
        </p>
      )}
      <form className="upload" onSubmit={submit} aria-label="Upload a wind resource">
        <label htmlFor={`wind-file-${siteId}`} className="small">
          Wind resource file (Weibull CSV, .tab or hourly CSV)
        </label>
        <input
          ref={inputRef}
          id={`wind-file-${siteId}`}
          type="file"
          accept={ACCEPT}
          onChange={(e) => {
            upload.reset();
            setFile(e.target.files?.[0] ?? null);
          }}
        />
        <Button type="submit" size="sm" variant="primary" disabled={!file} busy={upload.isPending}>
          {resource.data ? "Replace wind resource" : "Upload wind resource"}
        </Button>
      </form>
      {upload.isError && <Alert title="Wind upload failed">{upload.error.message}</Alert>}
      {upload.isSuccess && <Alert tone="success">Wind resource stored. Layouts generated from now on use it; earlier ones do not.</Alert>}
      {remove.isError && <Alert title="Could not remove the wind resource">{remove.error.message}</Alert>}
    </div>
  );
}
