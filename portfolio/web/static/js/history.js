// The history of changes, as the API's audit events give it (newest first): a project's on its page, an
// account's and a token's on the admin pages (GET /users/{username}/history, /tokens/{name}/history).
import { html } from "./lib.js";
import { t } from "./i18n.js";
import { getAll } from "./api.js";
import { Loading, ErrorMessage, TableWrap, useAsync } from "./components.js";
import { dateTime } from "./format.js";

function show(value) {
  if (value === null || value === undefined) return t("value.none");
  if (Array.isArray(value)) return value.length ? value.map((v) => (typeof v === "object" ? Object.values(v).filter((x) => x !== null).join(":") : v)).join("; ") : t("value.none");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

// An event that changed something shows its fields before and after; a creation or a deletion lists them.
export function History({ events }) {
  if (!events.length) return html`<p>${t("history.empty")}</p>`;
  const sorted = [...events].sort((a, b) => b.id - a.id);
  return html`<ol class="history" data-table="history">${sorted.map((e) => html`<li data-id=${e.id}>
    <p><strong>${dateTime(e.at)}</strong> — ${t("history.by", { actor: e.actor })}: ${t(`history.action.${e.action}`, { entity: t(`history.entity.${e.entity}`), id: e.entity_id })}</p>
    ${e.before && e.after && (e.changed || []).length ? html`<${TableWrap} label=${t("history.changes")}><table class="figures changes">
      <thead><tr><th scope="col">${t("history.field")}</th><th scope="col">${t("history.before")}</th><th scope="col">${t("history.after")}</th></tr></thead>
      <tbody>${(e.changed || []).map((field) => html`<tr><th scope="row">${field}</th><td>${show(e.before && e.before[field])}</td><td>${show(e.after && e.after[field])}</td></tr>`)}</tbody>
    </table><//>` : html`<p class="hint">${t("history.fields", { fields: (e.changed || []).join(", ") })}</p>`}
  </li>`)}</ol>`;
}

// One account's or token's history (admins), under the list it was opened from; `version` reloads it.
export function HistoryPanel({ path, title, version, onClose }) {
  const { data, error, loading } = useAsync(() => getAll(`${path}/history`), [path, version]);
  return html`<section class="panel" aria-labelledby="history-title" data-testid="admin-history">
    <h2 id="history-title">${title}</h2>
    ${loading && !data ? html`<${Loading} />` : null}<${ErrorMessage} error=${error} />
    ${data ? html`<${History} events=${data} />` : null}
    <div class="button-row"><button type="button" onClick=${onClose}>${t("history.close")}</button></div>
  </section>`;
}
