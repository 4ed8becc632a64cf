// Small building blocks every page uses.
import { html, useEffect, useRef, useState, useCallback } from "./lib.js";
import { t, tn } from "./i18n.js";
import { ApiError, NetworkError } from "./api.js";
import { routeUrl } from "./router.js";

// A page: it names the document, and after a navigation inside the app its heading takes the focus (so a
// screen reader announces the new page and Tab continues from there). The first page of a visit leaves the
// focus where the browser puts it, so the first Tab reaches "Skip to main content".
let navigated = false;

export function Page({ title, actions, children, wide }) {
  const heading = useRef(null);
  useEffect(() => {
    document.title = `${title} — ${t("app.name")}`;
  }, [title]);
  useEffect(() => {
    if (!navigated) {
      navigated = true;
      return;
    }
    if (heading.current && !document.activeElement?.closest?.("main form, main [data-keep-focus]")) heading.current.focus();
  }, []);
  return html`<div class=${wide ? "page page-wide" : "page"}>
    <div class="page-head">
      <h1 tabindex="-1" ref=${heading}>${title}</h1>
      ${actions ? html`<div class="page-actions">${actions}</div>` : null}
    </div>
    ${children}
  </div>`;
}

export function Loading({ label }) {
  return html`<p class="loading" role="status">${label || t("state.loading")}</p>`;
}

// A problem+json answer (or a network failure) in words.
export function ErrorMessage({ error, title }) {
  if (!error) return null;
  let heading = title || t("error.title");
  let detail = error.message;
  let errors = [];
  if (error instanceof NetworkError) detail = t("error.network");
  else if (error instanceof ApiError) {
    const byStatus = `error.status.${error.status}`;
    if (!title && t(byStatus) !== byStatus) heading = t(byStatus);
    detail = error.problem.detail || error.message;
    errors = error.errors;
  }
  return html`<div class="notice notice-error" role="alert">
    <p class="notice-title">${heading}</p>
    ${detail ? html`<p>${detail}</p>` : null}
    ${error instanceof ApiError && error.status === 401
      ? html`<p><a href="/sign-in" target="_blank" rel="noopener">${t("error.signInNewTab")}</a></p>`
      : null}
    ${errors.length
      ? html`<ul>${errors.map((e) => html`<li>${e.row ? t("import.rowColumn", { row: e.row, column: e.column || "" }) + " " : ""}${e.pointer ? html`<code>${e.pointer}</code> ` : null}${e.message}</li>`)}</ul>`
      : null}
  </div>`;
}

export function Notice({ kind = "info", children }) {
  return html`<div class=${`notice notice-${kind}`} role=${kind === "error" ? "alert" : "status"}>${children}</div>`;
}

// A page the person may not use: signed out (on a server with sign-in for people, where reads may be open to all),
// the way to sign in and come back here; signed in, why not.
export function NotAllowed({ title, session, message }) {
  const signedOut = !session.user && session.sessions;
  const signIn = routeUrl("/sign-in", { next: location.pathname + location.search });
  return html`<${Page} title=${title}><${Notice} kind=${signedOut ? "info" : "error"}>${signedOut
    ? html`${t("user.signInFirst")} <a href=${signIn} data-testid="sign-in-first">${t("user.signIn")}</a>`
    : message}<//><//>`;
}

// A table that scrolls sideways on a narrow screen: the scrolling region is focusable and named, so a
// keyboard can scroll it too.
export function TableWrap({ label, children }) {
  return html`<div class="table-wrap" role="region" aria-label=${label} tabindex="0">${children}</div>`;
}

// Load something when the inputs change; {data, error, loading, reload}.
export function useAsync(load, inputs) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true, error: null }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...inputs, version]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { ...state, reload };
}

// A modal confirmation on the native <dialog> (focus kept inside, Escape cancels).
export function useConfirm() {
  const [pending, setPending] = useState(null);
  const dialog = useRef(null);
  useEffect(() => {
    if (pending && dialog.current && !dialog.current.open) dialog.current.showModal();
  }, [pending]);
  const ask = useCallback((message, confirmLabel) => new Promise((resolve) => setPending({ message, confirmLabel, resolve })), []);
  const close = (answer) => {
    if (dialog.current && dialog.current.open) dialog.current.close();
    if (pending) pending.resolve(answer);
    setPending(null);
  };
  const element = pending
    ? html`<dialog ref=${dialog} class="confirm" aria-labelledby="confirm-text" onCancel=${(e) => { e.preventDefault(); close(false); }}>
        <p id="confirm-text">${pending.message}</p>
        <div class="button-row">
          <button type="button" class="danger" onClick=${() => close(true)}>${pending.confirmLabel || t("action.confirm")}</button>
          <button type="button" onClick=${() => close(false)} autofocus>${t("action.cancel")}</button>
        </div>
      </dialog>`
    : null;
  return [element, ask];
}

// Field errors from a problem's JSON pointers.
export function errorsAt(errors, pointer) {
  return (errors || []).filter((e) => e.pointer === pointer).map((e) => e.message);
}

export function errorsUnder(errors, prefix) {
  return (errors || []).filter((e) => e.pointer === prefix || (e.pointer || "").startsWith(prefix + "/"));
}

export function FieldError({ id, messages }) {
  if (!messages || !messages.length) return null;
  return html`<p class="field-error" id=${id}>${messages.map((m) => html`<span>${m}</span> `)}</p>`;
}

// A labelled control with its hint and its errors; the control is given its id, aria-invalid and
// aria-describedby through control(props).
export function Field({ id, label, hint, messages, children, required }) {
  const described = [hint ? `${id}-hint` : null, messages && messages.length ? `${id}-error` : null].filter(Boolean).join(" ");
  const props = { id, "aria-invalid": messages && messages.length ? "true" : undefined, "aria-describedby": described || undefined };
  return html`<div class=${`field${messages && messages.length ? " field-invalid" : ""}`}>
    <label for=${id}>${label}${required ? html` <span class="required">${t("form.required")}</span>` : null}</label>
    ${hint ? html`<p class="hint" id=${`${id}-hint`}>${hint}</p>` : null}
    <${FieldError} id=${`${id}-error`} messages=${messages} />
    ${children(props)}
  </div>`;
}

// Every error of a refused form at once, each a link to its field.
export function ErrorSummary({ errors, fieldFor, summaryRef }) {
  if (!errors || !errors.length) return null;
  return html`<div class="notice notice-error error-summary" role="alert" tabindex="-1" ref=${summaryRef} data-keep-focus>
    <p class="notice-title">${tn("form.errorsTitle", errors.length)}</p>
    <ul>
      ${errors.map((e) => {
        const target = fieldFor ? fieldFor(e.pointer) : null;
        return html`<li>${target ? html`<a href=${`#${target}`} onClick=${(event) => { event.preventDefault(); document.getElementById(target)?.focus(); }}>${e.message}</a>` : e.message}${e.pointer ? html` <code>${e.pointer}</code>` : null}</li>`;
      })}
    </ul>
  </div>`;
}

// First and Last only lead somewhere when there is a page before or after this one (the API sends both links on
// every page: on the only page they are this page).
export function Pager({ label, links, onGo }) {
  const leads = (rel) => links[rel] && (rel === "first" ? links.prev : rel === "last" ? links.next : true);
  const button = (rel, text) =>
    leads(rel)
      ? html`<a class="button" href=${links[rel]} rel=${rel === "next" || rel === "prev" ? rel : undefined} onClick=${(e) => { if (onGo) { e.preventDefault(); onGo(links[rel]); } }}>${text}</a>`
      : html`<span class="button" aria-disabled="true">${text}</span>`;
  return html`<nav class="pager" aria-label=${label}>
    ${button("first", t("pager.first"))} ${button("prev", t("pager.prev"))} ${button("next", t("pager.next"))} ${button("last", t("pager.last"))}
  </nav>`;
}

export function Badge({ kind, children }) {
  return html`<span class=${`badge badge-${kind || "plain"}`}>${children}</span>`;
}

// Definition list of label/value pairs.
export function Facts({ items }) {
  return html`<dl class="facts">${items.filter(Boolean).map(([label, value]) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`)}</dl>`;
}
