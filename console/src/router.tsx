import { AnchorHTMLAttributes, MouseEvent, ReactNode, useEffect, useState } from "react";

/** The console lives under /console; the server answers index.html for every path below it. */
export const BASE = "/console";
const CHANGE = "registry-console-navigate";

/** The path below /console: "/", "/province/21", … */
function currentRoute(): string {
  const path = window.location.pathname;
  const rest = path.startsWith(BASE) ? path.slice(BASE.length) : path;
  return rest === "" ? "/" : rest;
}

export function navigate(route: string): void {
  window.history.pushState(null, "", BASE + (route === "/" ? "" : route));
  window.dispatchEvent(new Event(CHANGE));
  window.scrollTo(0, 0);
}

export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    window.addEventListener("popstate", update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return route;
}

/** A real link (keyboard, middle-click, copy address all work) that navigates inside the page. */
export function Link({ to, children, ...rest }: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={BASE + (to === "/" ? "" : to)} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}

export type Route =
  | { page: "home" }
  | { page: "drill"; province: string | null; carrier: string | null }
  | { page: "missing" };

export function parseRoute(route: string): Route {
  const parts = route.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: "home" };
  if (parts[0] === "province" && parts.length === 2) return { page: "drill", province: parts[1], carrier: null };
  if (parts[0] === "province" && parts.length === 4 && parts[2] === "carrier") return { page: "drill", province: parts[1], carrier: parts[3] };
  if (parts[0] === "carrier" && parts.length === 2) return { page: "drill", province: null, carrier: parts[1] };
  return { page: "missing" };
}

export const drillRoute = (province: string | null, carrier: string | null): string =>
  (province ? `/province/${encodeURIComponent(province)}` : "") + (carrier ? `/carrier/${encodeURIComponent(carrier)}` : "");
