import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { lazy, Suspense, type ReactNode } from "react";
import { lastUserStore, useAuth } from "./hooks/useAuth";
import { AppShell } from "./components/ui/AppShell";
import { LoginPage } from "./pages/LoginPage";
import { RegisterPage } from "./pages/RegisterPage";
import { SitesPage } from "./pages/SitesPage";
import { Spinner } from "./components/ui/Spinner";

// The map page carries Leaflet and Geoman; the ops page is for admins only: load both on demand.
const SiteDetailPage = lazy(() => import("./pages/SiteDetailPage").then((m) => ({ default: m.SiteDetailPage })));
const StudyPage = lazy(() => import("./pages/StudyPage").then((m) => ({ default: m.StudyPage })));
const OpsPage = lazy(() => import("./pages/OpsPage").then((m) => ({ default: m.OpsPage })));
import { NotFoundPage } from "./pages/NotFoundPage";

function RequireAuth({ children }: { children: ReactNode }) {
  const { token, loggedOut } = useAuth();
  const location = useLocation();
  if (!token) {
    // After a deliberate logout the next login starts at its own sites; after an expired session it
    // returns to this page, but only for the same user (LoginPage checks `forUser`).
    if (loggedOut) return <Navigate to="/login" replace />;
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search, forUser: lastUserStore.get() }} />;
  }
  return (
    <AppShell>
      <Suspense fallback={<div className="page-center"><Spinner size="lg" label="Loading page" /></div>}>{children}</Suspense>
    </AppShell>
  );
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/register" element={<RegisterPage />} />
      <Route path="/" element={<Navigate to="/sites" replace />} />
      <Route path="/sites" element={<RequireAuth><SitesPage /></RequireAuth>} />
      <Route path="/sites/:siteId" element={<RequireAuth><SiteDetailPage /></RequireAuth>} />
      <Route path="/sites/:siteId/studies/:studyId" element={<RequireAuth><StudyPage /></RequireAuth>} />
      <Route path="/ops" element={<RequireAuth><OpsPage /></RequireAuth>} />
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}
