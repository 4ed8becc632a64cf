// Exchange rates (USD per unit) that priced the amounts; administrators load a rates CSV.
import { html, useState } from "../lib.js";
import { t, formatCount } from "../i18n.js";
import { get, request, ApiError } from "../api.js";
import { Page, Loading, ErrorMessage, TableWrap, useAsync, Pager, Field, Notice } from "../components.js";
import { navigate, routeUrl } from "../router.js";
import { isAdmin } from "../session.js";

function Upload({ onLoaded }) {
  const [file, setFile] = useState(null);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(null);
    setResult(null);
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      setResult((await request("POST", "/exchange-rates", { body: form })).data);
      onLoaded();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="panel" aria-labelledby="rates-upload"><h2 id="rates-upload">${t("rates.upload")}</h2>
    <form class="editor narrow" onSubmit=${submit} data-keep-focus>
      <${Field} id="rates-file" label=${t("rates.file")} hint=${t("rates.fileHint")}>
        ${(props) => html`<input ...${props} type="file" accept=".csv,text/csv" onChange=${(e) => setFile(e.target.files[0] || null)} />`}
      <//>
      <div class="button-row"><button type="submit" class="primary" disabled=${busy || !file}>${t("rates.submit")}</button></div>
    </form>
    ${result ? html`<${Notice} kind="success"><p data-testid="rates-result">${t("rates.done", { created: formatCount(result.created), updated: formatCount(result.updated), unchanged: formatCount(result.unchanged) })}</p><//>` : null}
    ${error instanceof ApiError && error.errors.length ? html`<div class="notice notice-error" role="alert"><p class="notice-title">${t("import.refused")}</p><p>${error.problem.detail}</p>
      <ul>${error.errors.map((e) => html`<li>${e.row ? t("import.rowColumn", { row: e.row, column: e.column || "" }) + " " : ""}${e.message}</li>`)}</ul></div>` : html`<${ErrorMessage} error=${error} />`}
  </section>`;
}

export function ExchangeRates({ query, session }) {
  const page = query.get("page") || "1";
  const { data, error, loading, reload } = useAsync(async () => {
    const answer = await get("/exchange-rates", { page, page_size: 100 });
    return { rows: answer.data, total: answer.total, links: answer.links };
  }, [page]);
  const links = {};
  if (data) for (const [rel, url] of Object.entries(data.links)) {
    const n = new URL(url, location.origin).searchParams.get("page");
    links[rel] = routeUrl("/exchange-rates", { page: n === "1" ? "" : n });
  }
  return html`<${Page} title=${t("rates.title")}>
    <p>${t("rates.intro")}</p>
    ${isAdmin(session) ? html`<${Upload} onLoaded=${reload} />` : null}
    ${loading && !data ? html`<${Loading} />` : null}<${ErrorMessage} error=${error} />
    ${data ? html`<p role="status">${t("rates.count", { count: formatCount(data.total) })}</p>
      <${TableWrap} label=${t("rates.title")}><table class="figures" data-table="rates">
        <thead><tr><th scope="col">${t("rates.id")}</th><th scope="col">${t("line.currency")}</th><th scope="col">${t("rates.date")}</th><th scope="col" class="num">${t("rates.usdPerUnit")}</th><th scope="col">${t("project.source")}</th></tr></thead>
        <tbody>${data.rows.map((r) => html`<tr><td>${r.id}</td><td>${r.currency}</td><td>${r.date}</td><td class="num">${r.usd_per_unit}</td><td>${r.source}</td></tr>`)}</tbody>
      </table><//>
      <${Pager} label=${t("pager.label")} links=${links} onGo=${(url) => navigate(url)} />` : null}
  <//>`;
}
