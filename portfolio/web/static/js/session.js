// Who is signed in (GET/POST/DELETE /api/v1/session) and what they may do. The server decides every
// permission; the app only hides the controls a person could not use.
import { request, setCsrfToken, ApiError } from "./api.js";
import { useEffect, useState } from "./lib.js";

let state = { user: null, checked: false, sessions: true };
const listeners = new Set();

function set(next) {
  state = { ...state, ...next };
  listeners.forEach((listener) => listener(state));
}

export function sessionState() {
  return state;
}

export function useSession() {
  const [value, setValue] = useState(state);
  useEffect(() => {
    listeners.add(setValue);
    return () => listeners.delete(setValue);
  }, []);
  return value;
}

function accept(data) {
  setCsrfToken(data.csrf_token);
  set({ user: data.user, checked: true, expiresAt: data.expires_at });
}

export async function checkSession() {
  try {
    accept((await request("GET", "/session")).data);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // 401: nobody signed in. 404/405: a server without sign-in for people (tokens only).
    setCsrfToken(null);
    set({ user: null, checked: true, sessions: error.status === 401 });
  }
  return state;
}

export async function signIn(username, password) {
  accept((await request("POST", "/session", { body: { username, password } })).data);
  return state.user;
}

export async function signOut() {
  try {
    await request("DELETE", "/session");
  } finally {
    setCsrfToken(null);
    set({ user: null });
  }
}

export function forgetSession() {
  setCsrfToken(null);
  set({ user: null });
}

// can("edit"), can("aggregate"), ...: the signed-in person's role allows it.
export function can(permission, current = state) {
  return Boolean(current.user && (current.user.permissions || []).includes(permission));
}

export function isAdmin(current = state) {
  return Boolean(current.user && current.user.role === "admin");
}
