import { useEffect, useState } from "react";

/** The current time, updated every `tickMs` while `active` (for elapsed-time displays only). */
export function useNow(active: boolean, tickMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = window.setInterval(() => setNow(Date.now()), tickMs);
    return () => window.clearInterval(t);
  }, [active, tickMs]);
  return now;
}
