// Create or edit a budget line or a transaction of a project (If-Match on edits, like the project form).
import { html, useEffect, useState } from "../lib.js";
import { t } from "../i18n.js";
import { get, request } from "../api.js";
import { Page, Loading, ErrorMessage, Field, ErrorSummary, errorsAt, Notice, NotAllowed } from "../components.js";
import { useEditor, ConflictPanel, changedFields } from "../editor.js";
import * as vocabulary from "../vocabulary.js";
import { navigate } from "../router.js";
import { can } from "../session.js";

const enc = encodeURIComponent;

// name, kind (text | date | decimal | select | organisation | organisation-select | textarea), required, options.
// A budget line's donor is chosen from the organisations (a co-funded project records each donor's line for the
// same period); a transaction's provider and receiver are typed, with the organisations offered.
const LINE_FIELDS = [
  ["period_start", "date", true], ["period_end", "date", true], ["amount", "decimal", true], ["currency", "currency", true],
  ["fx_rate", "decimal"], ["fx_value_date", "date"], ["donor", "organisation-select"],
  ["type", "select", false, vocabulary.BUDGET_TYPES, "budgetType"], ["status", "select", false, vocabulary.BUDGET_STATUSES, "budgetStatus"],
];
const TRANSACTION_FIELDS = [
  ["reference", "text", true], ["type", "select", true, vocabulary.TRANSACTION_TYPES, "transactionType"], ["date", "date", true],
  ["amount", "decimal", true], ["currency", "currency", true], ["fx_rate", "decimal"], ["fx_value_date", "date"],
  ["provider", "organisation"], ["receiver", "organisation"], ["description", "textarea"],
];
const NULLABLE = new Set(["fx_rate", "fx_value_date", "donor", "provider", "receiver", "description"]);

function valuesFrom(fields, record) {
  const values = {};
  for (const [name] of fields) values[name] = record && record[name] !== null && record[name] !== undefined ? String(record[name]) : "";
  return values;
}

function RecordForm({ code, id, session, kind }) {
  const fields = kind === "line" ? LINE_FIELDS : TRANSACTION_FIELDS;
  const collection = kind === "line" ? "budget-lines" : "transactions";
  const editing = Boolean(id);
  const path = editing ? `/projects/${enc(code)}/${collection}/${enc(id)}` : null;
  const [organisations, setOrganisations] = useState([]);
  useEffect(() => { vocabulary.organisations().then(setOrganisations, () => setOrganisations([])); }, []);
  const defaults = kind === "line" ? { currency: "USD", type: "original", status: "indicative" } : { currency: "USD", type: "expenditure" };
  const fromApi = (record) => valuesFrom(fields, record);
  const editor = useEditor({
    inputs: [code, id],
    path,
    fromApi,
    load: async () => {
      if (!editing) return { values: { ...valuesFrom(fields, null), ...defaults }, etag: null };
      const answer = await get(path);
      return { values: fromApi(answer.data), etag: answer.etag };
    },
    save: async (values, base, etag) => {
      if (editing) {
        const body = {};
        for (const name of changedFields(base, values)) body[name] = values[name] === "" && NULLABLE.has(name) ? null : values[name].trim();
        if (!Object.keys(body).length) return { unchanged: true };
        return request("PATCH", path, { body, etag });
      }
      const body = {};
      for (const [name, value] of Object.entries(values)) if (value.trim() !== "") body[name] = value.trim();
      return request("POST", `/projects/${enc(code)}/${collection}`, { body });
    },
  });
  const labels = Object.fromEntries(fields.map(([name]) => [name, t(`${kind === "line" ? "line" : "transaction"}.field.${name}`)]));
  const title = editing
    ? t(kind === "line" ? "form.editLine" : "form.editTransaction", { code, id })
    : t(kind === "line" ? "form.newLine" : "form.newTransaction", { code });
  const back = `/projects/${enc(code)}#${collection}`;
  const submit = async (event) => {
    const answer = await editor.submit(event);
    if (answer) navigate(back, { force: true, replace: true });  // Back: not the saved form
  };
  if (!can(editing ? "edit" : "create", session)) return html`<${NotAllowed} title=${title} session=${session} message=${t("form.notAllowed")} />`;
  if (editor.loading) return html`<${Page} title=${title}><${Loading} /><//>`;
  if (editor.loadError) return html`<${Page} title=${title}><${ErrorMessage} error=${editor.loadError} /><//>`;
  const { values, setValue, errors } = editor;
  const control = ([name, type, required, options, prefix]) => html`<${Field} id=${name} label=${labels[name]} required=${required}
      messages=${errorsAt(errors, `/${name}`)} hint=${t(`recordHint.${name}`) === `recordHint.${name}` ? undefined : t(`recordHint.${name}`)}>
    ${(props) => {
      const onInput = (e) => setValue(name, e.target.value);
      if (type === "select") return html`<select ...${props} value=${values[name]} onChange=${onInput}>
        ${options.map((o) => html`<option value=${o} selected=${o === values[name]}>${t(`${prefix}.${o}`)}</option>`)}</select>`;
      if (type === "organisation-select") {
        const known = organisations.some((o) => o.code === values[name]);
        return html`<select ...${props} value=${values[name]} onChange=${onInput}>
          <option value="" selected=${values[name] === ""}>${t("line.noDonor")}</option>
          ${values[name] && !known ? html`<option value=${values[name]} selected>${values[name]}</option>` : null}
          ${organisations.map((o) => html`<option value=${o.code} selected=${o.code === values[name]}>${o.name} (${o.code})</option>`)}
        </select>`;
      }
      if (type === "textarea") return html`<textarea ...${props} rows="3" value=${values[name]} onInput=${onInput}></textarea>`;
      return html`<input ...${props} type=${type === "date" ? "date" : "text"} value=${values[name]} onInput=${onInput}
        inputmode=${type === "decimal" ? "decimal" : undefined} list=${type === "organisation" ? "record-organisations" : undefined}
        autocapitalize=${type === "currency" ? "characters" : undefined} maxlength=${type === "currency" ? 3 : undefined} />`;
    }}
  <//>`;
  return html`<${Page} title=${title}>
    <p><a href=${`/projects/${enc(code)}`}>${t("form.backToProject", { code })}</a></p>
    <form class="editor" onSubmit=${submit} novalidate data-keep-focus>
      <${ErrorSummary} errors=${errors} summaryRef=${editor.summary} fieldFor=${(p) => (p || "").split("/")[1]} />
      ${editor.failure ? html`<div ref=${editor.summary} tabindex="-1"><${ErrorMessage} error=${editor.failure} /></div>` : null}
      <${ConflictPanel} editor=${editor} labels=${labels} />
      ${editor.notice ? html`<${Notice}>${editor.notice}<//>` : null}
      <div class="two">${fields.map(control)}</div>
      <datalist id="record-organisations">${organisations.map((o) => html`<option value=${o.code}>${o.name}</option>`)}</datalist>
      <div class="button-row sticky-actions">
        <button type="submit" class="primary" disabled=${editor.busy || Boolean(editor.conflict)}>${editing ? t("form.save") : t("form.create")}</button>
        <a class="button" href=${back}>${t("action.cancel")}</a>
        ${editor.dirty ? html`<span class="unsaved" role="status">${t("form.unsaved")}</span>` : null}
      </div>
    </form>
  <//>`;
}

export const BudgetLineForm = (props) => html`<${RecordForm} ...${props} kind="line" />`;
export const TransactionForm = (props) => html`<${RecordForm} ...${props} kind="transaction" />`;
