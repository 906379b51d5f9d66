import { useState } from "react";
import { api } from "../../api/endpoints";
import { EXPORT_FORMATS, type ExportFormat } from "../../api/types";
import { saveBlob } from "../../lib/download";
import { Button } from "../ui/Button";
import { Alert } from "../ui/Alert";

/** One button per export format; each fetches with the Bearer token and saves the blob. */
export function ExportButtons({ layoutId, baseName }: { layoutId: string; baseName: string }) {
  const [busy, setBusy] = useState<ExportFormat | null>(null);
  const [error, setError] = useState<string | null>(null);

  const download = async (format: ExportFormat) => {
    setBusy(format);
    setError(null);
    try {
      const { blob, filename } = await api.layouts.exportFile(layoutId, format);
      saveBlob(blob, filename ?? `${baseName}.${format}`);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div>
      <div className="export-buttons" role="group" aria-label="Download layout">
        {EXPORT_FORMATS.map(({ format, label }) => (
          <Button key={format} size="sm" onClick={() => download(format)} busy={busy === format} disabled={busy !== null && busy !== format}>
            <span aria-hidden="true">⬇</span> {label}
          </Button>
        ))}
      </div>
      {error && <Alert title="Download failed">{error}</Alert>}
    </div>
  );
}
