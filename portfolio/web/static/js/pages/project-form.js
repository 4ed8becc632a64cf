// Create or edit a project (POST /projects, PATCH /projects/{code} with If-Match).
import { html, useEffect, useState } from "../lib.js";
import { t } from "../i18n.js";
import { get, request } from "../api.js";
import { Page, Loading, ErrorMessage, Field, FieldError, ErrorSummary, errorsAt, Notice, NotAllowed } from "../components.js";
import { useEditor, ConflictPanel, changedFields } from "../editor.js";
import * as vocabulary from "../vocabulary.js";
import { navigate } from "../router.js";
import { can } from "../session.js";

const enc = encodeURIComponent;
const SCALARS = ["title", "acronym", "description", "region", "status", "start_date", "end_date"];
const EMPTY = {
  code: "", title: "", acronym: "", description: "", region: "", status: "pipeline", start_date: "", end_date: "",
  post_emergency: false, activity_scope: "", dac_sector: "", countries: [], priorities: [], activity_types: [], rcps: [], participating_organisations: [],
};

export function projectValues(p) {
  return {
    code: p.code, title: p.title, acronym: p.acronym || "", description: p.description || "", region: p.region.code,
    status: p.status, start_date: p.start_date || "", end_date: p.end_date || "", post_emergency: p.post_emergency,
    activity_scope: p.activity_scope || "", dac_sector: p.dac_sector || "",
    countries: p.countries.map((c) => c.code),
    priorities: p.priorities.map((x) => ({ code: x.code, share: x.share })),
    activity_types: p.activity_types.map((a) => a.code),
    rcps: p.rcps.filter((r) => r.link === "stated").map((r) => r.code),
    participating_organisations: p.participating_organisations.map((o) => ({ organisation: o.organisation, role: o.role, share: o.share })),
  };
}

// Form values -> the API's body: empty optional texts are null, shares left blank are left out (equal split).
function bodyField(name, value) {
  if (["acronym", "description", "start_date", "end_date", "activity_scope", "dac_sector"].includes(name)) return value === "" ? null : value;
  if (name === "priorities") {
    const anyShare = value.some((p) => p.share !== "" && p.share !== null && p.share !== undefined);
    return value.map((p) => (anyShare ? { code: p.code, share: p.share } : { code: p.code }));
  }
  if (name === "participating_organisations") {
    return value.map((o) => {
      const item = { organisation: o.organisation.trim(), role: o.role };
      if (o.share !== "" && o.share !== null && o.share !== undefined) item.share = o.share;
      return item;
    });
  }
  return value;
}

export const LABELS = () => ({
  code: t("project.code"), title: t("project.title"), acronym: t("project.acronym"), description: t("project.description"),
  region: t("project.region"), status: t("project.status"), start_date: t("project.start"), end_date: t("project.end"),
  post_emergency: t("project.postEmergency"), activity_scope: t("project.activityScope"), dac_sector: t("project.dacSector"), countries: t("project.countries"), priorities: t("project.priorities"),
  activity_types: t("project.activityTypes"), rcps: t("project.rcpsStated"), participating_organisations: t("project.organisations"),
});

function showValue(value) {
  if (value === null || value === undefined || value === "") return t("value.none");
  if (typeof value === "boolean") return value ? t("filter.yes") : t("filter.no");
  if (Array.isArray(value)) {
    if (!value.length) return t("value.none");
    return value.map((v) => (typeof v === "object" ? [v.code || v.organisation, v.role, v.share].filter(Boolean).join(" ") : v)).join("; ");
  }
  return String(value);
}

// A pointer from the API (/priorities/1/share) -> the id of the control it names.
function controlFor(pointer, values, bodyOrder) {
  const parts = (pointer || "").split("/").slice(1);
  const [name, index, sub] = parts;
  if (name === "priorities") {
    const code = index !== undefined ? (bodyOrder.priorities[Number(index)] || {}).code : null;
    if (code && sub === "share") return `priority-share-${code}`;
    if (code) return `priority-${code}`;
    return values.priorities.length ? `priority-share-${values.priorities[0].code}` : "priority-cooperation";
  }
  if (name === "participating_organisations") {
    if (index !== undefined) return `org-${index}-${sub || "organisation"}`;
    return "org-add";
  }
  if (name === "countries") return "countries-input";
  if (name === "activity_types") return "activity-types";
  if (name === "rcps") return "rcps-list";
  return name;
}

function Priorities({ lists, values, setValue, errors }) {
  const chosen = values.priorities;
  const whole = errorsAt(errors, "/priorities");
  const toggle = (code, on) => {
    const order = lists.priorities.map((p) => p.code);
    const next = on ? [...chosen, { code, share: "" }] : chosen.filter((p) => p.code !== code);
    next.sort((a, b) => order.indexOf(a.code) - order.indexOf(b.code));
    setValue("priorities", next);
  };
  const setShare = (code, share) => setValue("priorities", chosen.map((p) => (p.code === code ? { ...p, share } : p)));
  return html`<fieldset class=${`field${whole.length ? " field-invalid" : ""}`} id="priorities" aria-describedby="priorities-hint${whole.length ? " priorities-error" : ""}">
    <legend>${t("project.priorities")} <span class="required">${t("form.required")}</span></legend>
    <p class="hint" id="priorities-hint">${t("form.sharesHint")}</p>
    <${FieldError} id="priorities-error" messages=${whole} />
    <div class="share-rows">
      ${lists.priorities.map((p) => {
        const index = chosen.findIndex((c) => c.code === p.code);
        const item = index >= 0 ? chosen[index] : null;
        const own = index >= 0 ? errorsAt(errors, `/priorities/${index}/share`) : [];
        const codeErrors = index >= 0 ? errorsAt(errors, `/priorities/${index}/code`) : [];
        const invalid = own.length || whole.length;
        return html`<div class="share-row" data-priority=${p.code}>
          <input type="checkbox" id=${`priority-${p.code}`} checked=${Boolean(item)} onChange=${(e) => toggle(p.code, e.target.checked)} />
          <label for=${`priority-${p.code}`}>${p.name}</label>
          ${item ? html`<span class="share">
            <label for=${`priority-share-${p.code}`} class="visually-hidden">${t("form.shareOf", { name: p.name })}</label>
            <input id=${`priority-share-${p.code}`} class="share-input" inputmode="decimal" value=${item.share || ""}
              aria-invalid=${invalid ? "true" : undefined} aria-describedby=${[own.length ? `priority-share-${p.code}-error` : "", whole.length ? "priorities-error" : ""].filter(Boolean).join(" ") || undefined}
              onInput=${(e) => setShare(p.code, e.target.value)} /> %
          </span>` : null}
          <${FieldError} id=${`priority-share-${p.code}-error`} messages=${[...own, ...codeErrors]} />
        </div>`;
      })}
    </div>
  </fieldset>`;
}

function Countries({ lists, values, setValue, errors }) {
  const [entry, setEntry] = useState("");
  const chosen = values.countries;
  const add = () => {
    const text = entry.trim();
    if (!text) return;
    const found = lists.countries.find((c) => c.code.toLowerCase() === text.toLowerCase() || c.name.toLowerCase() === text.toLowerCase());
    const code = found ? found.code : text.toUpperCase();
    if (!chosen.includes(code)) setValue("countries", [...chosen, code]);
    setEntry("");
  };
  const itemErrors = (errors || []).filter((e) => (e.pointer || "").startsWith("/countries"));
  const name = (code) => (lists.countries.find((c) => c.code === code) || {}).name || code;
  return html`<fieldset class=${`field${itemErrors.length ? " field-invalid" : ""}`}>
    <legend>${t("project.countries")}</legend>
    <${FieldError} id="countries-error" messages=${itemErrors.map((e) => e.message)} />
    <ul class="chips" aria-label=${t("form.chosenCountries")}>
      ${chosen.map((code) => html`<li>${name(code)} (${code}) <button type="button" class="chip-remove" aria-label=${t("form.removeItem", { name: name(code) })}
        onClick=${() => setValue("countries", chosen.filter((c) => c !== code))}>×</button></li>`)}
    </ul>
    <div class="inline-add">
      <label for="countries-input">${t("form.addCountry")}</label>
      <input id="countries-input" list="country-options" value=${entry} aria-invalid=${itemErrors.length ? "true" : undefined}
        aria-describedby=${itemErrors.length ? "countries-error" : undefined}
        onInput=${(e) => setEntry(e.target.value)} onKeyDown=${(e) => { if (e.key === "Enter") { e.preventDefault(); add(); } }} />
      <button type="button" onClick=${add}>${t("form.add")}</button>
      <datalist id="country-options">${lists.countries.map((c) => html`<option value=${c.code}>${c.name}</option>`)}</datalist>
    </div>
  </fieldset>`;
}

function Checkboxes({ id, legend, items, chosen, onChange, errors, pointer }) {
  const messages = (errors || []).filter((e) => (e.pointer || "").startsWith(pointer)).map((e) => e.message);
  return html`<fieldset class=${`field${messages.length ? " field-invalid" : ""}`} id=${id} tabindex="-1">
    <legend>${legend}</legend>
    <${FieldError} id=${`${id}-error`} messages=${messages} />
    <div class="checks">${items.map(([code, label]) => html`<div class="check">
      <input type="checkbox" id=${`${id}-${code}`} checked=${chosen.includes(code)}
        onChange=${(e) => onChange(e.target.checked ? [...chosen, code] : chosen.filter((c) => c !== code))} />
      <label for=${`${id}-${code}`}>${label}</label></div>`)}</div>
  </fieldset>`;
}

function Organisations({ values, setValue, errors, organisations }) {
  const rows = values.participating_organisations;
  const set = (index, key, value) => setValue("participating_organisations", rows.map((r, i) => (i === index ? { ...r, [key]: value } : r)));
  const whole = errorsAt(errors, "/participating_organisations");
  return html`<fieldset class=${`field${whole.length ? " field-invalid" : ""}`}>
    <legend>${t("project.organisations")}</legend>
    <p class="hint">${t("form.orgSharesHint")}</p>
    <${FieldError} id="orgs-error" messages=${whole} />
    ${rows.map((row, index) => {
      const at = (key) => errorsAt(errors, `/participating_organisations/${index}/${key}`);
      const control = (key, label, input) => html`<div class=${`field${at(key).length ? " field-invalid" : ""}`}>
        <label for=${`org-${index}-${key}`}>${label}</label>
        <${FieldError} id=${`org-${index}-${key}-error`} messages=${at(key)} />
        ${input({ id: `org-${index}-${key}`, "aria-invalid": at(key).length ? "true" : undefined, "aria-describedby": at(key).length ? `org-${index}-${key}-error` : undefined })}
      </div>`;
      return html`<div class="org-row" data-index=${index}>
        ${control("organisation", t("form.orgCode", { n: index + 1 }), (props) => html`<input ...${props} list="organisation-options" value=${row.organisation} onInput=${(e) => set(index, "organisation", e.target.value)} />`)}
        ${control("role", t("form.orgRole", { n: index + 1 }), (props) => html`<select ...${props} value=${row.role} onChange=${(e) => set(index, "role", e.target.value)}>
          ${vocabulary.ORGANISATION_ROLES.map((r) => html`<option value=${r} selected=${r === row.role}>${t(`role.${r}`)}</option>`)}</select>`)}
        ${control("share", t("form.orgShare", { n: index + 1 }), (props) => html`<input ...${props} inputmode="decimal" class="share-input" value=${row.share || ""} onInput=${(e) => set(index, "share", e.target.value)} />`)}
        <button type="button" class="link-button danger-text" onClick=${() => setValue("participating_organisations", rows.filter((r, i) => i !== index))}
          aria-label=${t("form.removeOrg", { n: index + 1 })}>${t("form.remove")}</button>
      </div>`;
    })}
    <button type="button" id="org-add" onClick=${() => setValue("participating_organisations", [...rows, { organisation: "", role: "funding", share: "" }])}>${t("form.addOrg")}</button>
    <datalist id="organisation-options">${(organisations || []).map((o) => html`<option value=${o.code}>${o.name}</option>`)}</datalist>
  </fieldset>`;
}

export function ProjectForm({ code, session }) {
  const editing = Boolean(code);
  const [lists, setLists] = useState(null);
  const [organisations, setOrganisations] = useState([]);
  const [bodyOrder, setBodyOrder] = useState({ priorities: [] });
  useEffect(() => {
    vocabulary.all().then(setLists, () => setLists(null));
    vocabulary.organisations().then(setOrganisations, () => setOrganisations([]));
  }, []);
  const path = editing ? `/projects/${enc(code)}` : null;
  const editor = useEditor({
    inputs: [code],
    path,
    fromApi: projectValues,
    load: async () => {
      if (!editing) return { values: { ...EMPTY }, etag: null };
      const answer = await get(path);
      return { values: projectValues(answer.data), etag: answer.etag };
    },
    save: async (values, base, etag) => {
      if (editing) {
        const body = {};
        for (const name of changedFields(base, values)) if (name !== "code") body[name] = bodyField(name, values[name]);
        setBodyOrder({ priorities: body.priorities || values.priorities });
        if (!Object.keys(body).length) return { unchanged: true };
        return request("PATCH", path, { body, etag });
      }
      const body = { code: values.code.trim() };
      for (const [name, value] of Object.entries(values)) {
        if (name === "code") continue;
        const v = bodyField(name, value);
        if (v === null || v === "" || (Array.isArray(v) && !v.length && name !== "priorities")) continue;
        body[name] = v;
      }
      setBodyOrder({ priorities: values.priorities });
      return request("POST", "/projects", { body });
    },
  });
  const submit = async (event) => {
    const answer = await editor.submit(event);
    // The saved project replaces the form in the history: Back goes where the person came from, not to a form
    // already saved (a blank one, after a create).
    if (answer) navigate(`/projects/${enc(editing ? code : editor.values.code.trim())}`, { force: true, replace: true });
  };
  const title = editing ? t("form.editProject", { code }) : t("form.newProject");
  if (!can(editing ? "edit" : "create", session)) {
    return html`<${NotAllowed} title=${title} session=${session} message=${t("form.notAllowed")} />`;
  }
  if (editor.loading || !lists) return html`<${Page} title=${title}><${Loading} /><//>`;
  if (editor.loadError) return html`<${Page} title=${title}><${ErrorMessage} error=${editor.loadError} /><//>`;
  const { values, setValue, errors } = editor;
  const msgs = (name) => errorsAt(errors, `/${name}`);
  const input = (name, extra = {}) => html`<${Field} id=${name} label=${LABELS()[name]} messages=${msgs(name)} required=${extra.required} hint=${extra.hint}>
    ${(props) => extra.textarea
      ? html`<textarea ...${props} rows="4" value=${values[name]} onInput=${(e) => setValue(name, e.target.value)}></textarea>`
      : html`<input ...${props} type=${extra.type || "text"} value=${values[name]} onInput=${(e) => setValue(name, e.target.value)} />`}
  <//>`;
  // optional: the empty choice means "not stated" (null), never a guess.
  const select = (name, options, required, optional) => html`<${Field} id=${name} label=${LABELS()[name]} messages=${msgs(name)} required=${required}>
    ${(props) => html`<select ...${props} value=${values[name]} onChange=${(e) => setValue(name, e.target.value)}>
      ${required && !values[name] ? html`<option value="">${t("form.choose")}</option>` : null}
      ${optional ? html`<option value="" selected=${!values[name]}>${t("value.notStated")}</option>` : null}
      ${options.map(([v, label]) => html`<option value=${v} selected=${v === values[name]}>${label}</option>`)}</select>`}
  <//>`;
  return html`<${Page} title=${title}>
    <form class="editor" onSubmit=${submit} novalidate data-keep-focus>
      <${ErrorSummary} errors=${errors} summaryRef=${editor.summary} fieldFor=${(p) => controlFor(p, values, bodyOrder)} />
      ${editor.failure ? html`<div ref=${editor.summary} tabindex="-1"><${ErrorMessage} error=${editor.failure} /></div>` : null}
      <${ConflictPanel} editor=${editor} labels=${LABELS()} show=${showValue} />
      ${editor.notice ? html`<${Notice}>${editor.notice}<//>` : null}
      ${editing ? null : input("code", { required: true, hint: t("form.codeHint") })}
      ${input("title", { required: true })}
      <div class="two">
        ${input("acronym")}
        ${select("region", lists.regions.map((r) => [r.code, r.name]), true)}
      </div>
      ${input("description", { textarea: true })}
      <div class="three">
        ${select("status", vocabulary.PROJECT_STATUSES.map((s) => [s, t(`status.${s}`)]))}
        ${input("start_date", { type: "date" })}
        ${input("end_date", { type: "date" })}
      </div>
      <div class="check">
        <input type="checkbox" id="post_emergency" checked=${values.post_emergency} onChange=${(e) => setValue("post_emergency", e.target.checked)} />
        <label for="post_emergency">${LABELS().post_emergency}</label>
      </div>
      <div class="two">
        ${select("activity_scope", vocabulary.ACTIVITY_SCOPES.map((s) => [s, t(`scope.${s}`)]), false, true)}
        ${select("dac_sector", vocabulary.DAC_SECTORS.map((s) => [s, t(`dacSector.${s}`)]), false, true)}
      </div>
      <${Priorities} lists=${lists} values=${values} setValue=${setValue} errors=${errors} />
      <${Countries} lists=${lists} values=${values} setValue=${setValue} errors=${errors} />
      <${Checkboxes} id="activity-types" legend=${LABELS().activity_types} items=${lists.activityTypes.map((a) => [a.code, a.name])}
        chosen=${values.activity_types} onChange=${(v) => setValue("activity_types", v)} errors=${errors} pointer="/activity_types" />
      <${Checkboxes} id="rcps-list" legend=${LABELS().rcps} items=${lists.rcps.map((r) => [r.code, r.short_name])}
        chosen=${values.rcps} onChange=${(v) => setValue("rcps", v)} errors=${errors} pointer="/rcps" />
      <${Organisations} values=${values} setValue=${setValue} errors=${errors} organisations=${organisations} />
      <div class="button-row sticky-actions">
        <button type="submit" class="primary" disabled=${editor.busy || Boolean(editor.conflict)}>${editing ? t("form.save") : t("form.create")}</button>
        <a class="button" href=${editing ? `/projects/${enc(code)}` : "/projects"}>${t("action.cancel")}</a>
        ${editor.dirty ? html`<span class="unsaved" role="status">${t("form.unsaved")}</span>` : null}
      </div>
    </form>
  <//>`;
}
