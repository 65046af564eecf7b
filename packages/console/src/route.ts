import { useEffect, useState } from "preact/hooks";

export type Route = { view: "runs" } | { view: "dead-letters" } | { view: "run"; runId: string } | { view: "start" } | { view: "metrics" };

export function parseRoute(hash: string): Route {
  const [, view, id] = hash.replace(/^#/, "").split("/");
  if (view === "runs" && id) return { view: "run", runId: decodeURIComponent(id) };
  if (view === "dead-letters" || view === "start" || view === "metrics") return { view };
  return { view: "runs" };
}

export const href = (route: Route) => (route.view === "run" ? `#/runs/${encodeURIComponent(route.runId)}` : `#/${route.view}`);
export const go = (route: Route) => (location.hash = href(route));

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/** Single-key shortcuts, ignored while typing in a field. */
export function useKeys(keys: Record<string, (event: KeyboardEvent) => void>, deps: unknown[] = []) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      if (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName) && event.key !== "Escape") return;
      const handler = keys[event.key];
      if (handler) {
        event.preventDefault();
        handler(event);
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, deps);
}
