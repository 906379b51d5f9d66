import { useState } from "react";
import { useAuth } from "../hooks/useAuth";
import { useOpsSummary, useRedrive } from "../hooks/useOps";
import { OpsDashboard } from "../components/Ops/OpsDashboard";
import { Alert } from "../components/ui/Alert";
import { Spinner } from "../components/ui/Spinner";

export function OpsPage() {
  const { user, isLoadingUser } = useAuth();
  if (isLoadingUser) return <div className="page-center"><Spinner label="Loading" /></div>;
  if (!user?.is_admin) {
    return (
      <div className="page">
        <h1>Operations</h1>
        <Alert title="Admins only">You need an administrator account to see this page.</Alert>
      </div>
    );
  }
  return <OpsContent />;
}

function OpsContent() {
  const summary = useOpsSummary();
  const redrive = useRedrive();
  const [result, setResult] = useState<string | null>(null);
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Operations</h1>
          <p className="muted">Job queue health. Refreshes every 10 seconds.</p>
        </div>
      </div>
      {summary.isPending && <Spinner label="Loading summary" />}
      {summary.isError && <Alert>{summary.error.message}</Alert>}
      {summary.data && (
        <OpsDashboard
          summary={summary.data}
          redriving={redrive.isPending}
          redriveError={redrive.error?.message ?? null}
          redriveResult={result}
          onRedrive={(body) => {
            setResult(null);
            redrive.mutate(body, {
              onSuccess: (r) => {
                const n = r?.redriven_layout_ids?.length ?? 0;
                setResult(`${n} message${n === 1 ? "" : "s"} sent back to the queue.`);
              },
            });
          }}
        />
      )}
    </div>
  );
}
