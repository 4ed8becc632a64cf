// Regional Consultative Processes: members, observers and linked projects.
import { html, useState } from "../lib.js";
import { t, tn } from "../i18n.js";
import { get } from "../api.js";
import { Page, Loading, ErrorMessage, TableWrap, useAsync, Facts, Pager } from "../components.js";
import { text, money } from "../format.js";
import { routeUrl, navigate } from "../router.js";

const enc = encodeURIComponent;

export function RcpList() {
  const { data, error, loading } = useAsync(async () => (await get("/rcps")).data, []);
  return html`<${Page} title=${t("rcps.title")}>
    ${loading ? html`<${Loading} />` : null}<${ErrorMessage} error=${error} />
    ${data ? html`<${TableWrap} label=${t("rcps.title")}><table class="figures">
      <thead><tr><th scope="col">${t("rcps.shortName")}</th><th scope="col">${t("rcps.name")}</th><th scope="col">${t("rcps.kind")}</th><th scope="col" class="num">${t("rcps.members")}</th></tr></thead>
      <tbody>${data.map((r) => html`<tr><td><a href=${`/rcps/${enc(r.code)}`}>${r.short_name}</a></td><td>${r.name}</td><td>${t(`rcps.kind.${r.kind}`)}</td><td class="num">${r.member_count}</td></tr>`)}</tbody>
    </table><//>` : null}
  <//>`;
}

// Projects linked to something (an RCP, an organisation): a page of the project list, with its own pager.
export function LinkedProjects({ filters, label }) {
  const [cursor, setCursor] = useState("first");
  const { data, error, loading } = useAsync(async () => {
    const answer = await get("/projects", { ...filters, sort: "code", cursor, page_size: 25 });
    return { rows: answer.data, total: answer.total, links: answer.links };
  }, [JSON.stringify(filters), cursor]);
  if (loading && !data) return html`<${Loading} />`;
  if (error) return html`<${ErrorMessage} error=${error} />`;
  const links = {};
  for (const rel of ["first", "prev", "next", "last"]) if (data.links[rel]) links[rel] = data.links[rel];
  return html`<p role="status">${tn("list.total", data.total)} <a href=${routeUrl("/projects", filters)}>${t("rcps.openInList")}</a></p>
    <${TableWrap} label=${label}><table class="figures">
      <thead><tr><th scope="col">${t("project.code")}</th><th scope="col">${t("project.title")}</th><th scope="col">${t("project.region")}</th><th scope="col" class="num">${t("project.budget")}</th></tr></thead>
      <tbody>${data.rows.map((p) => html`<tr><td><a href=${`/projects/${enc(p.code)}`}>${p.code}</a></td><td>${p.title}</td><td>${p.region.name}</td><td class="num">${money(p.budget.total_usd)}</td></tr>`)}</tbody>
    </table><//>
    <${Pager} label=${t("pager.labelOf", { what: label })} links=${links} onGo=${(url) => setCursor(new URL(url, location.origin).searchParams.get("cursor"))} />`;
}

export function RcpPage({ code, query }) {
  const link = query.get("rcp_link") || "any";
  const { data, error, loading } = useAsync(async () => (await get(`/rcps/${enc(code)}`)).data, [code]);
  if (loading) return html`<${Page} title=${code}><${Loading} /><//>`;
  if (error) return html`<${Page} title=${code}><${ErrorMessage} error=${error} /><//>`;
  const byRole = (role) => data.members.filter((m) => m.role === role);
  const roles = [...new Set(data.members.map((m) => m.role))];
  return html`<${Page} title=${`${data.short_name}: ${data.name}`}>
    <section class="panel" aria-labelledby="rcp-about"><h2 id="rcp-about">${t("rcps.about")}</h2>
      <${Facts} items=${[
        [t("rcps.kind"), t(`rcps.kind.${data.kind}`)], [t("rcps.startYear"), text(data.start_year)], [t("rcps.chair"), text(data.chair)],
        [t("rcps.secretariat"), text(data.secretariat)], [t("rcps.grouping"), text(data.region_grouping)],
        [t("rcps.statedTotal"), text(data.stated_total)], [t("rcps.mainAreas"), text(data.main_areas)],
        [t("rcps.currentPriorities"), text(data.current_priorities)], [t("rcps.observersPartners"), text(data.observers_partners)],
        [t("rcps.notes"), text(data.notes)], [t("project.source"), text(data.source)]]} />
    </section>
    <section class="panel" aria-labelledby="rcp-members"><h2 id="rcp-members">${t("rcps.membership")}</h2>
      ${roles.map((role) => html`<h3>${tn(`rcps.role.${role}`, byRole(role).length)}</h3>
        <ul class="inline-list" data-role=${role}>${byRole(role).map((m) => html`<li>${m.country_name} (${m.country})${m.in_stated_total ? "" : html` <span class="muted">${t("rcps.notInTotal")}</span>`}</li>`)}</ul>`)}
    </section>
    <section class="panel" aria-labelledby="rcp-projects"><h2 id="rcp-projects">${t("rcps.projects")}</h2>
      <div class="field inline"><label for="rcp-link">${t("filter.rcp_link")}</label>
        <select id="rcp-link" value=${link} onChange=${(e) => navigate(routeUrl(`/rcps/${enc(code)}`, { rcp_link: e.target.value === "any" ? "" : e.target.value }), { replace: true })}>
          ${["any", "stated", "derived"].map((l) => html`<option value=${l} selected=${l === link}>${t(`rcpLink.${l}`)}</option>`)}</select></div>
      <${LinkedProjects} filters=${{ rcp: code, rcp_link: link === "any" ? "" : link }} label=${t("rcps.projects")} />
    </section>
  <//>`;
}
