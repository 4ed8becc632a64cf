// Bulk import from a spreadsheet (CSV or XLSX, the first sheet with the CSV's columns), all or nothing:
// a refused file shows every error at its row and cell.
import { html, useState, useRef, useEffect } from "../lib.js";
import { t, formatCount } from "../i18n.js";
import { request, ApiError } from "../api.js";
import { Page, ErrorMessage, TableWrap, Notice, Field, NotAllowed } from "../components.js";
import { can } from "../session.js";

// Each import, and the export in its own layout: an exported file opens back in the importer unchanged.
const KINDS = {
  projects: { path: (mode) => `/projects/bulk?mode=${mode}`, modes: ["create", "upsert"], export: "/api/v1/projects/bulk/export" },
  "budget-lines": { path: () => "/budget-lines/bulk", modes: [], export: "/api/v1/budget-lines/bulk/export" },
  transactions: { path: () => "/transactions/bulk", modes: [], export: "/api/v1/transactions/bulk/export" },
};

// Errors as a grid: one line per row of the file, one column per column named in an error.
function ErrorGrid({ errors }) {
  const located = errors.filter((e) => e.row);
  const other = errors.filter((e) => !e.row);
  const rows = [...new Set(located.map((e) => e.row))].sort((a, b) => a - b);
  const columns = [...new Set(located.map((e) => e.column || ""))];
  // A workbook's errors also name the column's letter (B), as the spreadsheet shows it.
  const letters = Object.fromEntries(located.filter((e) => e.column_letter).map((e) => [e.column || "", e.column_letter]));
  return html`
    ${rows.length ? html`<${TableWrap} label=${t("import.errorsTable")}>
      <table class="figures error-grid" data-table="import-errors">
        <caption>${t("import.errorsCaption", { count: formatCount(errors.length) })}</caption>
        <thead><tr><th scope="col">${t("import.row")}</th>${columns.map((c) => html`<th scope="col">${c || t("import.wholeRow")}${letters[c] ? ` (${letters[c]})` : ""}</th>`)}</tr></thead>
        <tbody>${rows.map((row) => html`<tr data-row=${row}>
          <th scope="row">${row}</th>
          ${columns.map((c) => {
            const here = located.filter((e) => e.row === row && (e.column || "") === c);
            return html`<td class=${here.length ? "cell-error" : ""} data-column=${c}>${here.map((e) => html`<p>${e.message}</p>`)}</td>`;
          })}
        </tr>`)}</tbody>
      </table>
    <//>` : null}
    ${other.length ? html`<ul>${other.map((e) => html`<li>${e.pointer ? html`<code>${e.pointer}</code> ` : null}${e.message}</li>`)}</ul>` : null}`;
}

export function ImportPage({ session }) {
  const [kind, setKind] = useState("projects");
  const [mode, setMode] = useState("create");
  const [file, setFile] = useState(null);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const outcome = useRef(null);
  useEffect(() => {
    if ((result || error) && outcome.current) outcome.current.focus();
  }, [result, error]);
  if (!can("bulk", session)) return html`<${NotAllowed} title=${t("import.title")} session=${session} message=${t("import.notAllowed")} />`;
  const submit = async (event) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setResult(null);
    setError(null);
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      setResult((await request("POST", KINDS[kind].path(mode), { body: form })).data);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const spec = KINDS[kind];
  return html`<${Page} title=${t("import.title")}>
    <p>${t("import.intro")}</p>
    <form class="editor narrow" onSubmit=${submit} data-keep-focus>
      <${Field} id="import-kind" label=${t("import.kind")}>
        ${(props) => html`<select ...${props} value=${kind} onChange=${(e) => { setKind(e.target.value); setResult(null); setError(null); }}>
          ${Object.keys(KINDS).map((k) => html`<option value=${k} selected=${k === kind}>${t(`import.kind.${k}`)}</option>`)}</select>`}
      <//>
      ${spec.modes.length ? html`<fieldset class="field"><legend>${t("import.mode")}</legend>
        ${spec.modes.map((m) => html`<div class="check"><input type="radio" name="mode" id=${`mode-${m}`} value=${m} checked=${mode === m} onChange=${() => setMode(m)} />
          <label for=${`mode-${m}`}>${t(`import.mode.${m}`)}</label></div>`)}
      </fieldset>` : null}
      <${Field} id="import-file" label=${t("import.file")} hint=${t(`import.hint.${kind}`)}>
        ${(props) => html`<input ...${props} type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          onChange=${(e) => setFile(e.target.files[0] || null)} />`}
      <//>
      <div class="button-row"><button type="submit" class="primary" disabled=${busy || !file}>${t("import.submit")}</button></div>
      <p class="downloads">${t("import.export")}
        <a href=${`${spec.export}.csv`} download>${t("import.exportCsv")}</a>
        <a href=${`${spec.export}.xlsx`} download>${t("import.exportXlsx")}</a></p>
    </form>
    <div ref=${outcome} tabindex="-1" class="import-outcome" data-keep-focus>
      ${result ? html`<${Notice} kind="success"><p data-testid="import-result">${t("import.done", {
        created: formatCount(result.created), updated: formatCount(result.updated), unchanged: formatCount(result.unchanged) })}</p><//>` : null}
      ${error instanceof ApiError && error.errors.length
        ? html`<div class="notice notice-error" role="alert"><p class="notice-title">${t("import.refused")}</p><p>${error.problem.detail}</p></div><${ErrorGrid} errors=${error.errors} />`
        : html`<${ErrorMessage} error=${error} />`}
    </div>
  <//>`;
}
