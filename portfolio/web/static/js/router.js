// History-API routing: every view has its own URL (filters, sort and page in the query string), so a view
// can be bookmarked, shared and reloaded. Links are plain <a href>; a click on one inside the app is handled
// here, except downloads and the API's own URLs.
import { t } from "./i18n.js";

const listeners = new Set();
let dirtyForms = 0;

export function currentLocation() {
  return { path: location.pathname, params: new URLSearchParams(location.search) };
}

export function onNavigate(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify() {
  listeners.forEach((listener) => listener(currentLocation()));
}

// A form with unsaved changes registers itself: leaving asks first (in the app and on unload).
export function setDirty(isDirty) {
  dirtyForms = Math.max(0, dirtyForms + (isDirty ? 1 : -1));
}

export function hasUnsavedChanges() {
  return dirtyForms > 0;
}

export function confirmLeave() {
  return dirtyForms === 0 || window.confirm(t("form.leaveUnsaved"));
}

export function navigate(url, { replace = false, force = false } = {}) {
  if (!force && !confirmLeave()) return false;
  if (force) dirtyForms = 0;
  const target = new URL(url, location.origin);
  const next = target.pathname + target.search + target.hash;
  // Another page starts at the top, whether it is pushed or replaces this one (a saved form, the sign-in); the same
  // page with other parameters (a filter chosen) stays where the person is.
  const newPage = target.pathname !== location.pathname;
  if (replace) history.replaceState(null, "", next);
  else if (next !== location.pathname + location.search + location.hash) history.pushState(null, "", next);
  notify();
  if (!replace || newPage) window.scrollTo(0, 0);
  return true;
}

export function routeUrl(path, params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") search.set(name, value);
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

export function startRouter() {
  window.addEventListener("popstate", () => notify());
  window.addEventListener("beforeunload", (event) => {
    if (dirtyForms > 0) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = event.target.closest("a[href]");
    if (!anchor || anchor.target || anchor.hasAttribute("download") || anchor.getAttribute("href").startsWith("#")) return;
    const url = new URL(anchor.href, location.origin);
    if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.pathname.startsWith("/assets/")) return;
    event.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
}

// Match "/projects/:code/edit" against a path: {code: ...} or null.
export function match(pattern, path) {
  const names = [];
  const source = pattern.replace(/:(\w+)/g, (whole, name) => {
    names.push(name);
    return "([^/]+)";
  });
  const found = new RegExp(`^${source}/?$`).exec(path);
  if (!found) return null;
  return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1])]));
}
