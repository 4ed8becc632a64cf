// Sign in with a username and password (POST /api/v1/session); the server sets an HttpOnly cookie.
import { html, useState, useRef, useEffect } from "../lib.js";
import { t } from "../i18n.js";
import { ApiError } from "../api.js";
import { Page, Field, ErrorMessage, Notice } from "../components.js";
import { signIn, useSession } from "../session.js";
import { navigate } from "../router.js";

function safeNext(next) {
  // Only a path of this app: never another site (an open redirect).
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/api/") ? next : "/";
}

export function SignIn({ query }) {
  const session = useSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const alert = useRef(null);
  const next = safeNext(query.get("next"));
  useEffect(() => {
    if (error && alert.current) alert.current.focus();
  }, [error]);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(username.trim(), password);
      navigate(next, { replace: true, force: true });
    } catch (caught) {
      setPassword("");
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  let message = null;
  if (error instanceof ApiError && error.status === 401) message = t("signIn.refused");
  else if (error instanceof ApiError && error.status === 429) message = t("signIn.limited", { detail: error.problem.detail || "" });
  return html`<${Page} title=${t("signIn.title")}>
    ${session.user ? html`<${Notice}>${t("signIn.already", { name: session.user.name || session.user.username })} <a href="/">${t("nav.dashboard")}</a><//>` : null}
    ${!session.sessions ? html`<${Notice} kind="error">${t("signIn.unavailable")}<//>` : null}
    <form class="narrow" onSubmit=${submit} data-keep-focus>
      <div ref=${alert} tabindex="-1">
        ${message ? html`<div class="notice notice-error" role="alert" data-testid="signin-error"><p>${message}</p></div>` : html`<${ErrorMessage} error=${error} />`}
      </div>
      <${Field} id="username" label=${t("signIn.username")} required>
        ${(props) => html`<input ...${props} autocomplete="username" required value=${username} onInput=${(e) => setUsername(e.target.value)} />`}
      <//>
      <${Field} id="password" label=${t("signIn.password")} required>
        ${(props) => html`<input ...${props} type="password" autocomplete="current-password" required value=${password} onInput=${(e) => setPassword(e.target.value)} />`}
      <//>
      <div class="button-row"><button type="submit" class="primary" disabled=${busy}>${t("signIn.submit")}</button></div>
      <p class="hint">${t("signIn.firstTime")}</p>
    </form>
  <//>`;
}
