// Editing without lost work, for every form: the server's validation errors at their fields, all at once;
// an edit that meets a 412 shows field by field what changed since the form was loaded and lets the person
// re-apply their change onto the new version or discard it (never a silent overwrite, never a lost form);
// unsaved changes warn before leaving.
import { html, useEffect, useRef, useState } from "./lib.js";
import { t } from "./i18n.js";
import { ApiError, get } from "./api.js";
import { setDirty } from "./router.js";
import { TableWrap } from "./components.js";

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export function changedFields(base, values) {
  return Object.keys(values).filter((name) => !same(base[name], values[name]));
}

// load() -> {values, etag} (etag null when creating); save(values, base, etag) -> the API's answer;
// fromApi(data) -> values (to read the version that won after a 412); path: the record's API path.
export function useEditor({ load, save, fromApi, path, inputs }) {
  const [state, setState] = useState({ loading: true, loadError: null, base: null, values: null, etag: null });
  const [errors, setErrors] = useState([]);
  const [failure, setFailure] = useState(null);
  const [conflict, setConflict] = useState(null);
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);
  const summary = useRef(null);

  useEffect(() => {
    let live = true;
    load().then(
      ({ values, etag }) => live && setState({ loading: false, loadError: null, base: values, values, etag }),
      (loadError) => live && setState({ loading: false, loadError, base: null, values: null, etag: null }),
    );
    return () => { live = false; };
  }, inputs);

  const dirty = Boolean(state.values && !same(state.base, state.values));
  useEffect(() => {
    if (!dirty) return undefined;
    setDirty(true);
    return () => setDirty(false);
  }, [dirty]);

  useEffect(() => {
    if ((errors.length || failure) && summary.current) summary.current.focus();
  }, [errors, failure]);

  const setValue = (name, value) => setState((s) => ({ ...s, values: { ...s.values, [name]: value } }));

  const submit = async (event) => {
    if (event) event.preventDefault();
    setBusy(true);
    setErrors([]);
    setFailure(null);
    setNotice(null);
    try {
      const answer = await save(state.values, state.base, state.etag);
      // Saved: nothing unsaved any more (the caller navigates away).
      setState((s) => ({ ...s, base: s.values }));
      return answer;
    } catch (error) {
      if (error instanceof ApiError && error.status === 422 && error.errors.length) setErrors(error.errors);
      else if (error instanceof ApiError && error.status === 412 && path) await meetConflict();
      else setFailure(error);
      return null;
    } finally {
      setBusy(false);
    }
  };

  // Someone saved another version since the form was loaded: read it, and keep this person's form as it is.
  const meetConflict = async () => {
    try {
      const current = await get(path);
      setConflict({ theirs: fromApi(current.data), etag: current.etag });
    } catch (error) {
      setFailure(error);
    }
  };

  const reapply = () => {
    const mine = changedFields(state.base, state.values);
    const merged = { ...conflict.theirs };
    for (const name of mine) merged[name] = state.values[name];
    setState((s) => ({ ...s, base: conflict.theirs, values: merged, etag: conflict.etag }));
    setConflict(null);
    setNotice(t("conflict.reapplied"));
  };

  const discard = () => {
    setState((s) => ({ ...s, base: conflict.theirs, values: conflict.theirs, etag: conflict.etag }));
    setConflict(null);
    setNotice(t("conflict.discarded"));
  };

  return { ...state, dirty, setValue, submit, errors, failure, conflict, reapply, discard, busy, summary, notice };
}

// The 412 explained: for every field that changed on either side, what it was when the form was loaded,
// what is saved now and what this person has in the form.
export function ConflictPanel({ editor, labels, show }) {
  const { conflict, base, values } = editor;
  const box = useRef(null);
  useEffect(() => {
    if (conflict && box.current) box.current.focus();
  }, [conflict]);
  if (!conflict) return null;
  const theirs = conflict.theirs;
  const theirsChanged = (n) => !same(base[n], theirs[n]);
  const names = Object.keys(labels).filter((n) => theirsChanged(n) || !same(base[n], values[n]));
  const render = (v) => (show ? show(v) : v === null || v === undefined || v === "" ? t("value.none") : Array.isArray(v) ? v.join(", ") : String(v));
  return html`<div class="notice notice-warning conflict" role="alert" tabindex="-1" data-testid="conflict" ref=${box}>
    <p class="notice-title">${t("conflict.title")}</p>
    ${names.some(theirsChanged) ? null : html`<p data-testid="conflict-elsewhere">${t("conflict.elsewhere")}</p>`}
    <p>${t("conflict.explain")}</p>
    <${TableWrap} label=${t("conflict.table")}>
      <table class="figures conflict-table">
        <thead><tr><th scope="col">${t("conflict.field")}</th><th scope="col">${t("conflict.loaded")}</th><th scope="col">${t("conflict.theirs")}</th><th scope="col">${t("conflict.mine")}</th></tr></thead>
        <tbody>${names.map((n) => {
          const theyChanged = theirsChanged(n);
          const iChanged = !same(base[n], values[n]);
          return html`<tr data-field=${n} class=${theyChanged && iChanged ? "both" : ""}>
            <th scope="row">${labels[n]}${theyChanged && iChanged ? html` <span class="badge badge-warning">${t("conflict.both")}</span>` : null}</th>
            <td>${render(base[n])}</td>
            <td class=${theyChanged ? "changed" : ""}>${render(theirs[n])}${theyChanged ? html` <span class="visually-hidden">${t("conflict.changedByOthers")}</span>` : null}</td>
            <td class=${iChanged ? "changed" : ""}>${render(values[n])}${iChanged ? html` <span class="visually-hidden">${t("conflict.changedByYou")}</span>` : null}</td>
          </tr>`;
        })}</tbody>
      </table>
    <//>
    <div class="button-row">
      <button type="button" class="primary" onClick=${editor.reapply}>${t("conflict.reapply")}</button>
      <button type="button" onClick=${editor.discard}>${t("conflict.discard")}</button>
    </div>
  </div>`;
}
