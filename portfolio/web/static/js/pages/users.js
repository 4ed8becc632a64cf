// People's accounts (administrators): list, create, change role or name, disable or enable, set a password.
// The same as `flask users ...` on the server, through /api/v1/users; each account's history (who changed it).
import { html, useState } from "../lib.js";
import { t } from "../i18n.js";
import { get, request, ApiError } from "../api.js";
import { Page, Loading, ErrorMessage, TableWrap, useAsync, Field, Notice, useConfirm, errorsAt, ErrorSummary, NotAllowed } from "../components.js";
import { dateTime } from "../format.js";
import { isAdmin } from "../session.js";
import { HistoryPanel } from "../history.js";

const ROLES = ["viewer", "editor", "finance", "integrator", "admin"];

function NewUser({ onCreated }) {
  const empty = { username: "", name: "", role: "editor", password: "" };
  const [values, setValues] = useState(empty);
  const [failure, setFailure] = useState(null);
  const [done, setDone] = useState(null);
  const errors = failure instanceof ApiError && failure.status === 422 ? failure.errors : [];
  const set = (name) => (e) => setValues((v) => ({ ...v, [name]: e.target.value }));
  const submit = async (event) => {
    event.preventDefault();
    setFailure(null);
    setDone(null);
    try {
      const body = { ...values, username: values.username.trim(), name: values.name.trim() || null };
      const answer = await request("POST", "/users", { body });
      setDone(answer.data.username);
      setValues(empty);
      onCreated();
    } catch (caught) {
      setFailure(caught);
    }
  };
  const field = (name, label, props = {}) => html`<${Field} id=${`user-${name}`} label=${label} messages=${errorsAt(errors, `/${name}`)} required=${props.required} hint=${props.hint}>
    ${(p) => html`<input ...${p} type=${props.type || "text"} autocomplete=${props.autocomplete} value=${values[name]} onInput=${set(name)} />`}
  <//>`;
  return html`<section class="panel" aria-labelledby="user-new"><h2 id="user-new">${t("users.create")}</h2>
    <form class="editor narrow" onSubmit=${submit} data-keep-focus>
      <${ErrorSummary} errors=${errors} fieldFor=${(p) => `user-${(p || "").slice(1)}`} />
      ${errors.length ? null : html`<${ErrorMessage} error=${failure} />`}
      ${field("username", t("users.username"), { required: true, autocomplete: "off" })}
      ${field("name", t("users.name"))}
      <${Field} id="user-role" label=${t("users.role")} messages=${errorsAt(errors, "/role")}>
        ${(p) => html`<select ...${p} value=${values.role} onChange=${set("role")}>
          ${ROLES.map((r) => html`<option value=${r} selected=${r === values.role}>${t(`roleName.${r}`)}</option>`)}</select>`}
      <//>
      ${field("password", t("users.password"), { required: true, type: "password", autocomplete: "new-password", hint: t("users.passwordHint") })}
      <div class="button-row"><button type="submit" class="primary">${t("users.createButton")}</button></div>
    </form>
    ${done ? html`<${Notice} kind="success"><p>${t("users.created", { username: done })}</p><//>` : null}
  </section>`;
}

export function Users({ session }) {
  const { data, error, loading, reload } = useAsync(async () => (await get("/users")).data, []);
  const [failure, setFailure] = useState(null);
  const [shown, setShown] = useState(null);
  const [dialog, ask] = useConfirm();
  if (!isAdmin(session)) return html`<${NotAllowed} title=${t("users.title")} session=${session} message=${t("users.notAllowed")} />`;
  const change = async (user, body, question) => {
    if (question && !(await ask(question, t("action.confirm")))) return;
    setFailure(null);
    try {
      await request("PATCH", `/users/${encodeURIComponent(user.username)}`, { body });
      reload();
    } catch (caught) {
      setFailure(caught);
    }
  };
  return html`<${Page} title=${t("users.title")}>
    ${dialog}
    <p>${t("users.intro")}</p>
    <${NewUser} onCreated=${reload} />
    <section class="panel" aria-labelledby="user-list"><h2 id="user-list">${t("users.list")}</h2>
      <${ErrorMessage} error=${failure} />
      ${loading && !data ? html`<${Loading} />` : null}<${ErrorMessage} error=${error} />
      ${data ? html`<${TableWrap} label=${t("users.list")}><table class="figures" data-table="users">
        <thead><tr><th scope="col">${t("users.username")}</th><th scope="col">${t("users.name")}</th><th scope="col">${t("users.role")}</th>
          <th scope="col">${t("users.lastSignIn")}</th><th scope="col">${t("tokens.state")}</th><th scope="col">${t("list.actions")}</th></tr></thead>
        <tbody>${data.map((u) => html`<tr data-username=${u.username}>
          <td>${u.username}</td><td>${u.name || t("value.none")}</td>
          <td><label class="visually-hidden" for=${`role-${u.username}`}>${t("users.roleOf", { username: u.username })}</label>
            <select id=${`role-${u.username}`} value=${u.role} disabled=${u.username === session.user.username}
              onChange=${(e) => change(u, { role: e.target.value }, t("users.confirmRole", { username: u.username, role: t(`roleName.${e.target.value}`) }))}>
              ${ROLES.map((r) => html`<option value=${r} selected=${r === u.role}>${t(`roleName.${r}`)}</option>`)}</select></td>
          <td>${dateTime(u.last_sign_in_at)}</td>
          <td>${u.disabled_at ? t("users.disabledAt", { at: dateTime(u.disabled_at) }) : t("tokens.active")}</td>
          <td><button type="button" class="link-button" aria-label=${t("users.historyNamed", { username: u.username })}
              onClick=${() => setShown(u.username)}>${t("history.show")}</button>${" "}
            ${u.username === session.user.username ? t("users.you") : u.disabled_at
            ? html`<button type="button" class="link-button" onClick=${() => change(u, { disabled: false })}>${t("users.enable")}</button>`
            : html`<button type="button" class="link-button danger-text" aria-label=${t("users.disableNamed", { username: u.username })}
                onClick=${() => change(u, { disabled: true }, t("users.confirmDisable", { username: u.username }))}>${t("users.disable")}</button>`}</td>
        </tr>`)}</tbody>
      </table><//><p class="hint">${t("users.passwordNote")}</p>` : null}
    </section>
    ${shown ? html`<${HistoryPanel} path=${`/users/${encodeURIComponent(shown)}`} title=${t("users.history", { username: shown })}
      version=${data} onClose=${() => setShown(null)} />` : null}
  <//>`;
}
