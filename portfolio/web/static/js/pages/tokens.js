// API tokens for scripts (administrators): list, create (the token is shown once), revoke; each token's history.
import { html, useState } from "../lib.js";
import { t } from "../i18n.js";
import { get, request, ApiError } from "../api.js";
import { Page, Loading, ErrorMessage, TableWrap, useAsync, Field, useConfirm, errorsAt, ErrorSummary, NotAllowed } from "../components.js";
import { dateTime } from "../format.js";
import { isAdmin } from "../session.js";
import { HistoryPanel } from "../history.js";

const ROLES = ["viewer", "editor", "finance", "integrator", "admin"];

export function Tokens({ session }) {
  const { data, error, loading, reload } = useAsync(async () => (await get("/tokens")).data, []);
  const [name, setName] = useState("");
  const [role, setRole] = useState("integrator");
  const [created, setCreated] = useState(null);
  const [failure, setFailure] = useState(null);
  const [shown, setShown] = useState(null);
  const [dialog, ask] = useConfirm();
  if (!isAdmin(session)) return html`<${NotAllowed} title=${t("tokens.title")} session=${session} message=${t("tokens.notAllowed")} />`;
  const errors = failure instanceof ApiError && failure.status === 422 ? failure.errors : [];
  const create = async (event) => {
    event.preventDefault();
    setFailure(null);
    setCreated(null);
    try {
      const answer = await request("POST", "/tokens", { body: { name: name.trim(), role } });
      setCreated(answer.data);
      setName("");
      reload();
    } catch (caught) {
      setFailure(caught);
    }
  };
  const revoke = async (token) => {
    if (!(await ask(t("tokens.confirmRevoke", { name: token.name }), t("tokens.revoke")))) return;
    try {
      await request("DELETE", `/tokens/${encodeURIComponent(token.name)}`);
      reload();
    } catch (caught) {
      setFailure(caught);
    }
  };
  return html`<${Page} title=${t("tokens.title")}>
    ${dialog}
    <p>${t("tokens.intro")}</p>
    <section class="panel" aria-labelledby="token-new"><h2 id="token-new">${t("tokens.create")}</h2>
      <form class="editor narrow" onSubmit=${create} data-keep-focus>
        <${ErrorSummary} errors=${errors} fieldFor=${(p) => `token-${(p || "").slice(1)}`} />
        ${errors.length ? null : html`<${ErrorMessage} error=${failure} />`}
        <${Field} id="token-name" label=${t("tokens.name")} messages=${errorsAt(errors, "/name")} required>
          ${(props) => html`<input ...${props} value=${name} onInput=${(e) => setName(e.target.value)} />`}
        <//>
        <${Field} id="token-role" label=${t("tokens.role")} messages=${errorsAt(errors, "/role")}>
          ${(props) => html`<select ...${props} value=${role} onChange=${(e) => setRole(e.target.value)}>
            ${ROLES.map((r) => html`<option value=${r} selected=${r === role}>${t(`roleName.${r}`)}</option>`)}</select>`}
        <//>
        <div class="button-row"><button type="submit" class="primary">${t("tokens.createButton")}</button></div>
      </form>
      ${created ? html`<div class="notice notice-success" role="status" data-testid="new-token">
        <p class="notice-title">${t("tokens.createdTitle", { name: created.name })}</p>
        <p>${t("tokens.shownOnce")}</p>
        <p><label for="new-token-value">${t("tokens.value")}</label> <input id="new-token-value" class="token-value" readonly value=${created.token}
          onFocus=${(e) => e.target.select()} /></p>
      </div>` : null}
    </section>
    <section class="panel" aria-labelledby="token-list"><h2 id="token-list">${t("tokens.list")}</h2>
      ${loading && !data ? html`<${Loading} />` : null}<${ErrorMessage} error=${error} />
      ${data ? html`<${TableWrap} label=${t("tokens.list")}><table class="figures" data-table="tokens">
        <thead><tr><th scope="col">${t("tokens.name")}</th><th scope="col">${t("tokens.role")}</th><th scope="col">${t("tokens.prefix")}</th>
          <th scope="col">${t("tokens.created")}</th><th scope="col">${t("tokens.state")}</th><th scope="col">${t("list.actions")}</th></tr></thead>
        <tbody>${data.map((tok) => html`<tr data-name=${tok.name}><td>${tok.name}</td><td>${t(`roleName.${tok.role}`)}</td><td><code>${tok.prefix || ""}</code></td>
          <td>${dateTime(tok.created_at)}</td><td>${tok.revoked_at ? t("tokens.revokedAt", { at: dateTime(tok.revoked_at) }) : t("tokens.active")}</td>
          <td><button type="button" class="link-button" onClick=${() => setShown(tok.name)} aria-label=${t("tokens.historyNamed", { name: tok.name })}>${t("history.show")}</button>
            ${tok.revoked_at ? null : html` <button type="button" class="link-button danger-text" onClick=${() => revoke(tok)} aria-label=${t("tokens.revokeNamed", { name: tok.name })}>${t("tokens.revoke")}</button>`}</td></tr>`)}</tbody>
      </table><//>` : null}
    </section>
    ${shown ? html`<${HistoryPanel} path=${`/tokens/${encodeURIComponent(shown)}`} title=${t("tokens.history", { name: shown })}
      version=${data} onClose=${() => setShown(null)} />` : null}
  <//>`;
}
