// The only way the app talks to the server: the public JSON API under /api/v1, with fetch. Cookie sessions
// send the CSRF token on every write; errors arrive as RFC 9457 problem+json and are thrown as ApiError.
export const API = "/api/v1";
let csrfToken = null;
const unauthorizedListeners = new Set();

export function setCsrfToken(token) {
  csrfToken = token || null;
}

export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.errors = (problem && problem.errors) || [];
  }
}

export class NetworkError extends Error {}

// A query string from an object: empty values are left out (the API refuses empty parameters).
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    search.append(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

// RFC 8288 Link header -> {rel: url}
export function parseLinks(header) {
  const links = {};
  if (!header) return links;
  for (const part of header.split(/,\s*(?=<)/)) {
    const match = part.match(/<([^>]*)>\s*;\s*rel="?([^";]+)"?/);
    if (match) links[match[2]] = match[1];
  }
  return links;
}

// No Idempotency-Key: the API keeps keys per token, and refuses them on a person's session (a double submit is
// prevented by the form, which disables its button while it waits).
export async function request(method, path, { body, etag, headers = {}, signal, retried = false } = {}) {
  const allHeaders = { Accept: "application/json", ...headers };
  let payload = body;
  if (body !== undefined && !(body instanceof FormData) && typeof body !== "string") {
    allHeaders["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (method !== "GET" && method !== "HEAD" && csrfToken) allHeaders["X-CSRF-Token"] = csrfToken;
  if (etag) allHeaders["If-Match"] = etag;
  let response;
  try {
    response = await fetch(API + path, { method, headers: allHeaders, body: payload, credentials: "same-origin", signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new NetworkError(error.message);
  }
  const type = response.headers.get("Content-Type") || "";
  let data = null;
  if (response.status !== 204 && (type.includes("json"))) data = await response.json();
  if (response.status === 403 && !retried && csrfToken !== null && data && (data.errors || []).some((e) => e.pointer === "/X-CSRF-Token")) {
    // The session was renewed (signed in again in another tab): its new token, and the write once more.
    const fresh = await fetch(`${API}/session`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (fresh.ok) {
      csrfToken = (await fresh.json()).csrf_token;
      return request(method, path, { body, etag, headers, signal, retried: true });
    }
  }
  if (!response.ok) {
    if (response.status === 401) unauthorizedListeners.forEach((listener) => listener());
    throw new ApiError(response.status, data);
  }
  return {
    status: response.status,
    data,
    etag: response.headers.get("ETag"),
    links: parseLinks(response.headers.get("Link")),
    total: response.headers.get("X-Total-Count"),
    headers: response.headers,
  };
}

export const get = (path, params, options) => request("GET", path + query(params), options);

// Every page of a paginated list (page_size 200, the API's maximum).
export async function getAll(path, params = {}) {
  const items = [];
  for (let page = 1; ; page += 1) {
    const answer = await get(path, { ...params, page, page_size: 200 });
    items.push(...answer.data);
    const total = Number(answer.total);
    if (!answer.data.length || items.length >= total || !answer.links.next) return items;
  }
}

// The cursor named in one of the API's Link URLs.
export function cursorOf(url) {
  if (!url) return null;
  return new URL(url, location.origin).searchParams.get("cursor");
}
