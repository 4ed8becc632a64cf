// The app's shell: header, navigation, the page of the current URL, and the sign-in state.
import { html, render, useEffect, useState } from "./lib.js";
import { loadCatalogue, t } from "./i18n.js";
import { onUnauthorized } from "./api.js";
import { currentLocation, match, navigate, onNavigate, startRouter, routeUrl, hasUnsavedChanges } from "./router.js";
import { checkSession, signOut, useSession, can, isAdmin, forgetSession, sessionState } from "./session.js";
import { ROUTES } from "./routes.js";

function NavLink({ href, current, children }) {
  const active = href === "/" ? current === "/" : current === href || current.startsWith(`${href}/`);
  return html`<li><a href=${href} aria-current=${active ? "page" : undefined}>${children}</a></li>`;
}

function Header({ path }) {
  const session = useSession();
  const user = session.user;
  const out = async () => {
    if (!(await signOutConfirmed())) return;
    navigate("/sign-in", { force: true });
  };
  return html`<header class="top">
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById("main").focus(); }}>${t("nav.skip")}</a>
    <div class="top-inner">
      <a class="brand" href="/">${t("app.name")}</a>
      <nav aria-label=${t("nav.label")}>
        <ul>
          <${NavLink} href="/" current=${path}>${t("nav.dashboard")}<//>
          <${NavLink} href="/projects" current=${path}>${t("nav.projects")}<//>
          ${can("bulk", session) ? html`<${NavLink} href="/import" current=${path}>${t("nav.import")}<//>` : null}
          <${NavLink} href="/rcps" current=${path}>${t("nav.rcps")}<//>
          <${NavLink} href="/organisations" current=${path}>${t("nav.organisations")}<//>
          <${NavLink} href="/vocabularies" current=${path}>${t("nav.vocabularies")}<//>
          <${NavLink} href="/exchange-rates" current=${path}>${t("nav.rates")}<//>
          ${isAdmin(session) ? html`<${NavLink} href="/admin/users" current=${path}>${t("nav.users")}<//>` : null}
          ${isAdmin(session) ? html`<${NavLink} href="/admin/tokens" current=${path}>${t("nav.tokens")}<//>` : null}
        </ul>
      </nav>
      <div class="user">
        ${user
          ? html`<span class="user-name">${t("user.signedInAs", { name: user.name || user.username, role: t(`roleName.${user.role}`) })}</span>
              <button type="button" class="link-button" onClick=${out}>${t("user.signOut")}</button>`
          : session.sessions
            ? html`<a href=${routeUrl("/sign-in", { next: path === "/sign-in" ? undefined : location.pathname + location.search })}>${t("user.signIn")}</a>`
            : null}
      </div>
    </div>
  </header>`;
}

async function signOutConfirmed() {
  try {
    await signOut();
  } catch (error) {
    // Signed out locally whatever the server said: the cookie is the server's to end.
  }
  return true;
}

function App() {
  const [where, setWhere] = useState(currentLocation());
  const session = useSession();
  useEffect(() => onNavigate(setWhere), []);
  useEffect(() => onUnauthorized(() => {
    // Not signed in, or the session ended (expired, signed out elsewhere): to the sign-in page, and back
    // here after it. A form with unsaved changes stays where it is (it shows the error; nothing is lost).
    if (sessionState().user) forgetSession();
    if (location.pathname !== "/sign-in" && !hasUnsavedChanges() && sessionState().sessions) {
      navigate(routeUrl("/sign-in", { next: location.pathname + location.search }), { replace: true });
    }
  }), []);
  let page = null;
  for (const route of ROUTES) {
    const params = match(route.path, where.path);
    if (params) {
      page = html`<${route.page} key=${where.path} ...${params} query=${where.params} session=${session} />`;
      break;
    }
  }
  if (!page) page = html`<div class="page"><h1 tabindex="-1">${t("error.notFound")}</h1></div>`;
  return html`<${Header} path=${where.path} />
    <main id="main" tabindex="-1">${page}</main>
    <footer class="foot"><p>${t("app.footer")} <a href="/api/v1/docs">${t("app.apiDocs")}</a></p></footer>`;
}

async function start() {
  // The strings and the session are independent: fetched together.
  await Promise.all([loadCatalogue(), checkSession()]);
  startRouter();
  const root = document.getElementById("app");
  root.textContent = "";
  render(html`<${App} />`, root);
}

start();
