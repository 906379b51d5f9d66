import { useRef, useState, type DragEvent, type FormEvent } from "react";
import { useUploadSite } from "../../hooks/useSites";
import type { Site } from "../../api/types";
import { Button } from "../ui/Button";
import { Field } from "../ui/Field";
import { Alert } from "../ui/Alert";

const ACCEPT = ".kml,.kmz,application/vnd.google-earth.kml+xml,application/vnd.google-earth.kmz";

/** Upload a KML/KMZ parcel by file picker or drag-and-drop. API errors are shown as worded. */
export function SiteUpload({ onUploaded }: { onUploaded?: (site: Site) => void }) {
  const upload = useUploadSite();
  const inputRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [dragging, setDragging] = useState(false);
  const [success, setSuccess] = useState<string | null>(null);

  const pick = (f: File | undefined | null) => {
    upload.reset();
    setSuccess(null);
    setFile(f ?? null);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    pick(e.dataTransfer.files?.[0]);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    upload.mutate(
      { file, name: name.trim() || undefined },
      {
        onSuccess: (site) => {
          setSuccess(`Uploaded “${site.name}” (${site.area_ha.toFixed(2)} ha).`);
          setFile(null);
          setName("");
          if (inputRef.current) inputRef.current.value = "";
          onUploaded?.(site);
        },
      },
    );
  };

  return (
    <form className="upload" onSubmit={submit} aria-label="Upload a site">
      <div
        className={`dropzone${dragging ? " dropzone-active" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <svg className="dropzone-icon" viewBox="0 0 24 24" aria-hidden="true" width="28" height="28">
          <path d="M12 16V4m0 0l-4 4m4-4l4 4M4 16v3a1 1 0 001 1h14a1 1 0 001-1v-3" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <p className="dropzone-text">
          Drag a KML or KMZ file here, or{" "}
          <label htmlFor="site-file" className="link-like">
            choose a file
          </label>
        </p>
        <input
          ref={inputRef}
          id="site-file"
          type="file"
          accept={ACCEPT}
          className="visually-hidden-focusable"
          onChange={(e) => pick(e.target.files?.[0])}
        />
        {file && (
          <p className="dropzone-file">
            Selected: <strong>{file.name}</strong> ({(file.size / 1024).toFixed(1)} KB)
          </p>
        )}
      </div>
      <div className="upload-row">
        <Field label="Site name (optional)" className="grow">
          {({ id }) => (
            <input id={id} type="text" value={name} onChange={(e) => setName(e.target.value)} placeholder="Taken from the file if empty" />
          )}
        </Field>
        <Button type="submit" variant="primary" disabled={!file} busy={upload.isPending}>
          Upload site
        </Button>
      </div>
      {upload.isError && <Alert title="Upload failed">{upload.error.message}</Alert>}
      {success && <Alert tone="success">{success}</Alert>}
    </form>
  );
}
