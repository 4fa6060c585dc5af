// @ts-check
/**
 * The admin page's script: sign-in (a pasted bearer token, or the sandbox's sign-in), the mailbox list,
 * the actions (sync methods, approve, reject, Test & Enable, disable), and auto-refresh while a test or an
 * initial sync runs. Plain DOM, no framework; every call goes to the admin API with the token.
 */
'use strict';
(() => {
  const body = document.body;
  const API = body.dataset.apiBase || '/api';
  const AUDIENCE = body.dataset.audience || '';
  const SANDBOX = body.dataset.sandboxSignIn === 'true';
  const TOKEN_KEY = 'crm-exchange-sync.admin-token';
  const FAST_REFRESH_MS = 1500;
  const TYPES = /** @type {const} */ (['appointments', 'contacts', 'tasks']);

  /** @typedef {{ time: string, severity: 'information'|'warning'|'error', message: string }} Alert */
  /** @typedef {{ systemUserId: string, displayName: string, emailAddress: string, entraObjectId: string, timeZone?: string, todoListId?: string,
   *   syncMethods: Record<'appointments'|'contacts'|'tasks', 'serverSideSync'|'none'>, approval: 'pending'|'approved'|'rejected',
   *   actStatus: 'notRun'|'running'|'success'|'failure', enabled: boolean, lastTestedOn: string|null, lastSyncOn: string|null, lastError: string|null,
   *   initialSync: { total: number, done: number, failed: number }, counters: { changesIn?: number, toExchange: number, toCrm: number, skippedEcho: number, retried?: number, failed: number },
   *   alerts: Alert[] }} Mailbox */

  const state = {
    token: /** @type {string|null} */ (null),
    /** @type {Mailbox[]} */ mailboxes: [],
    filter: 'all',
    /** @type {Set<string>} */ expanded: new Set(),
    /** @type {Set<string>} */ busy: new Set(),
    /** @type {Map<string, { sig: string, row: HTMLTableRowElement, details: HTMLTableRowElement|null }>} */ rendered: new Map(),
    /** @type {number|undefined} */ timer: undefined,
    loaded: false,
    /** @type {Date|null} */ lastLoad: null,
  };

  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

  /**
   * @param {string} tag
   * @param {Record<string, string|boolean|undefined>} [attrs]
   * @param {...(Node|string|null|undefined|false)} children
   * @returns {HTMLElement}
   */
  function h(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === false) continue;
      if (name === 'class') node.className = String(value);
      else node.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
    return node;
  }

  // ---------- token ----------

  /** @param {string} token @returns {Record<string, any>|null} */
  function claimsOf(token) {
    try {
      const part = token.split('.')[1] || '';
      const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
      return JSON.parse(decodeURIComponent(Array.from(json, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')));
    } catch {
      return null;
    }
  }

  /** @param {string|null} token */
  function usable(token) {
    const claims = token ? claimsOf(token) : null;
    return !!claims && typeof claims.exp === 'number' && claims.exp * 1000 > Date.now() + 30_000;
  }

  /** @param {string|null} token */
  function setToken(token) {
    state.token = token;
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
    renderWho();
  }

  function renderWho() {
    const who = $('who-name');
    const claims = state.token ? claimsOf(state.token) : null;
    $('sign-in-open').hidden = !!claims;
    $('sign-out').hidden = !claims;
    if (!claims) {
      who.textContent = 'Not signed in';
      return;
    }
    const appId = claims.azp || claims.appid;
    const name = claims.name || claims.preferred_username || claims.upn || (appId ? `app ${String(appId).slice(0, 8)}…` : 'unknown caller');
    const expires = new Date(claims.exp * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    who.replaceChildren('Signed in as ', h('strong', {}, String(name)), ` · until ${expires}`);
    who.title = `Roles: ${(claims.roles || []).join(', ') || 'none'} · audience ${claims.aud}`;
  }

  // ---------- API ----------

  class ApiError extends Error {
    /** @param {number} status @param {string} code @param {string} message */
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [payload]
   */
  async function api(method, path, payload) {
    if (!state.token) throw new ApiError(401, 'Unauthorized', 'Sign in first.');
    /** @type {Record<string, string>} */
    const headers = { authorization: `Bearer ${state.token}`, accept: 'application/json' };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await fetch(`${API}${path}`, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload) });
    } catch (error) {
      throw new ApiError(0, 'Network', `The app did not answer (${error instanceof Error ? error.message : String(error)}).`);
    }
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    if (!res.ok) {
      const error = json && json.error ? json.error : {};
      const err = new ApiError(res.status, error.code || String(res.status), error.message || res.statusText || `HTTP ${res.status}`);
      if (res.status === 401) {
        setToken(null);
        openSignIn(`The admin API refused the token: ${err.message}`);
      }
      throw err;
    }
    return json;
  }

  // ---------- loading and auto-refresh ----------

  /** @param {Mailbox} m */
  const syncing = (m) => m.enabled && m.initialSync.total > m.initialSync.done + m.initialSync.failed;
  const active = () => state.mailboxes.some((m) => m.actStatus === 'running' || syncing(m));

  async function load() {
    window.clearTimeout(state.timer);
    if (!state.token) return;
    const button = $('refresh');
    button.classList.add('is-busy');
    try {
      const result = await api('GET', '/mailboxes');
      state.mailboxes = result.value;
      state.loaded = true;
      state.lastLoad = new Date();
      hideBanner();
    } catch (error) {
      showError(error);
    } finally {
      button.classList.remove('is-busy');
      render();
      schedule();
    }
  }

  function schedule() {
    window.clearTimeout(state.timer);
    if (state.token && active()) state.timer = window.setTimeout(load, FAST_REFRESH_MS);
  }

  // ---------- messages ----------

  /** @param {unknown} error */
  function showError(error) {
    const banner = $('banner');
    banner.classList.remove('is-info');
    if (error instanceof ApiError && error.status === 403) {
      banner.textContent = `Access denied: ${error.message}. The signed-in identity needs the Sync.Admin app role of ${AUDIENCE}.`;
    } else {
      banner.textContent = error instanceof Error ? error.message : String(error);
    }
    banner.hidden = false;
  }

  function hideBanner() { $('banner').hidden = true; }

  /** @param {string} text @param {boolean} [isError] */
  function toast(text, isError = false) {
    const node = h('div', { class: `toast${isError ? ' is-error' : ''}`, role: isError ? 'alert' : 'status' }, text);
    node.addEventListener('click', () => node.remove());
    $('toasts').append(node);
    window.setTimeout(() => node.remove(), isError ? 8000 : 3500);
  }

  // ---------- formatting ----------

  /** @param {string|null} iso */
  function relative(iso) {
    if (!iso) return '—';
    const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (seconds < 45) return 'just now';
    if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
    if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
    return new Date(iso).toLocaleDateString();
  }

  /** @param {string|null} iso */
  const full = (iso) => (iso ? new Date(iso).toLocaleString() : '');

  /** @param {string} name */
  function initials(name) {
    return name.split(/\s+/).filter(Boolean).slice(0, 2).map((p) => p[0]).join('').toUpperCase();
  }

  /** @param {string} text */
  function hue(text) {
    let n = 0;
    for (const c of text) n = (n * 31 + c.charCodeAt(0)) % 360;
    return n;
  }

  const APPROVAL = {
    pending: ['Pending', 'badge-warning'],
    approved: ['Approved', 'badge-success'],
    rejected: ['Rejected', 'badge-danger'],
  };
  const STATUS = {
    notRun: ['Not run', 'badge-neutral'],
    running: ['Running', 'badge-running'],
    success: ['Success', 'badge-success'],
    failure: ['Failure', 'badge-danger'],
  };

  /** @param {Mailbox} m */
  function statusNote(m) {
    if (m.actStatus === 'running') return h('span', { class: 'status-sub' }, 'Testing the mailbox…');
    if (m.actStatus === 'failure') return h('span', { class: 'status-sub is-error', title: m.lastError || '' }, shorten(m.lastError || 'Failed', 90));
    if (m.actStatus === 'success') return h('span', { class: 'status-sub' }, m.enabled ? (syncing(m) ? 'Enabled · initial sync running' : 'Enabled · syncing') : 'Not syncing');
    if (m.approval !== 'approved') return h('span', { class: 'status-sub' }, 'Approve, then Test & Enable');
    return h('span', { class: 'status-sub' }, m.lastTestedOn ? 'Disabled · Test & Enable to resume' : 'Ready for Test & Enable');
  }

  /** @param {string} text @param {number} max */
  const shorten = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

  // ---------- rendering ----------

  /** @param {Mailbox} m */
  function visible(m) {
    return state.filter === 'all' || m.actStatus === state.filter;
  }

  /** @param {Mailbox} m */
  function signature(m) {
    return JSON.stringify([m, relative(m.lastSyncOn), state.expanded.has(m.systemUserId), [...state.busy].filter((b) => b.startsWith(m.systemUserId))]);
  }

  /** @param {Mailbox} m @param {string} action */
  const isBusy = (m, action) => state.busy.has(`${m.systemUserId}:${action}`);

  /**
   * @param {Mailbox} m
   * @param {string} action
   * @param {string} label
   * @param {string} cls
   * @param {{ disabled?: boolean, title?: string }} [opts]
   */
  function actionButton(m, action, label, cls, opts = {}) {
    const busy = isBusy(m, action);
    return h('button', {
      type: 'button', class: `btn btn-small ${cls}${busy ? ' is-busy' : ''}`, 'data-action': action, 'data-id': m.systemUserId,
      disabled: busy || opts.disabled, title: opts.title || `${label}: ${m.displayName}`,
    }, label);
  }

  /** @param {Mailbox} m */
  function buildRow(m) {
    const running = m.actStatus === 'running';
    const anyMethod = TYPES.some((t) => m.syncMethods[t] === 'serverSideSync');
    const methodCell = (/** @type {'appointments'|'contacts'|'tasks'} */ type) => {
      const on = m.syncMethods[type] === 'serverSideSync';
      const select = /** @type {HTMLSelectElement} */ (h('select', {
        class: `method${on ? ' is-on' : ''}`, 'data-id': m.systemUserId, 'data-type': type, 'aria-label': `${type} sync method for ${m.displayName}`,
        disabled: running || isBusy(m, `method-${type}`),
      }, h('option', { value: 'serverSideSync' }, 'Server-side'), h('option', { value: 'none' }, 'None')));
      select.value = m.syncMethods[type];
      return h('td', {}, select);
    };
    const [approvalText, approvalClass] = APPROVAL[m.approval];
    const [statusLabel, statusClass] = STATUS[m.actStatus];
    const p = m.initialSync;
    const finished = p.done + p.failed;
    let progress;
    if (p.total === 0) {
      progress = h('span', { class: 'muted' }, m.actStatus === 'success' ? 'Nothing to copy' : '—');
    } else {
      const fill = h('div', { class: 'progress-fill' });
      fill.style.width = `${Math.round((finished / p.total) * 100)}%`;
      progress = h('div', { class: `progress${finished >= p.total ? ' is-done' : ''}${p.failed > 0 ? ' has-failures' : ''}`, title: `${p.done} created, ${p.failed} failed, ${p.total} in all` },
        h('div', { class: 'progress-track', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(p.total), 'aria-valuenow': String(finished), 'aria-label': `Initial sync of ${m.displayName}` }, fill),
        h('div', { class: 'progress-text' }, `${finished} / ${p.total}${p.failed > 0 ? ` · ${p.failed} failed` : finished >= p.total ? ' · done' : ''}`));
    }
    const worst = m.alerts.find((a) => a.severity === 'error') || m.alerts.find((a) => a.severity === 'warning') || m.alerts[0];
    const errors = m.alerts.filter((a) => a.severity === 'error').length;
    const alerts = m.alerts.length === 0
      ? h('span', { class: 'muted' }, 'None')
      : h('button', { type: 'button', class: 'alerts-toggle', 'data-action': 'toggle', 'data-id': m.systemUserId, 'aria-expanded': String(state.expanded.has(m.systemUserId)), title: worst ? worst.message : '' },
        h('span', { class: `sev sev-${worst ? worst.severity : 'information'}` }),
        errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}` : `${m.alerts.length} alert${m.alerts.length === 1 ? '' : 's'}`);

    const actions = h('div', { class: 'actions' });
    if (m.approval !== 'approved') actions.append(actionButton(m, 'approve', 'Approve', 'btn-primary'));
    if (m.approval === 'pending') actions.append(actionButton(m, 'reject', 'Reject', 'btn-danger'));
    if (m.approval === 'approved') {
      actions.append(actionButton(m, 'test-and-enable', 'Test & Enable', m.enabled ? '' : 'btn-primary', {
        disabled: running || !anyMethod,
        title: running ? 'A test is running' : !anyMethod ? 'Set at least one record type to server-side sync first' : `Test & Enable: ${m.displayName}`,
      }));
      if (m.enabled || m.actStatus === 'success') actions.append(actionButton(m, 'disable', 'Disable', 'btn-danger'));
    }

    const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(m.displayName));
    avatar.style.background = `hsl(${hue(m.emailAddress)} 45% 42%)`;
    const row = /** @type {HTMLTableRowElement} */ (h('tr', { class: 'mailbox', 'data-id': m.systemUserId, 'data-status': m.actStatus },
      h('td', {}, h('div', { class: 'user' }, avatar, h('div', {}, h('div', { class: 'user-name' }, m.displayName), h('div', { class: 'user-mail' }, m.emailAddress)))),
      methodCell('appointments'), methodCell('contacts'), methodCell('tasks'),
      h('td', {}, h('span', { class: `badge ${approvalClass}` }, approvalText)),
      h('td', { class: 'status-cell' }, h('span', { class: `badge ${statusClass}`, 'data-role': 'status' }, statusLabel), statusNote(m)),
      h('td', { class: 'when', title: full(m.lastSyncOn) }, relative(m.lastSyncOn)),
      h('td', {}, progress),
      h('td', {}, alerts),
      h('td', {}, actions)));

    let details = null;
    if (state.expanded.has(m.systemUserId)) {
      const facts = h('dl', { class: 'facts' });
      const fact = (/** @type {string} */ k, /** @type {string} */ v) => facts.append(h('dt', {}, k), h('dd', {}, v));
      fact('CRM user id', m.systemUserId);
      fact('Entra object id', m.entraObjectId);
      fact('Time zone', m.timeZone || '—');
      fact('Last tested', full(m.lastTestedOn) || '—');
      fact('Last sync', full(m.lastSyncOn) || '—');
      fact('Synced', `${m.counters.changesIn ?? 0} changes in · ${m.counters.toExchange} to Exchange · ${m.counters.toCrm} to CRM · ${m.counters.skippedEcho} echoes skipped · ${m.counters.retried ?? 0} retried · ${m.counters.failed} poisoned`);
      const list = h('ul', { class: 'alert-list' }, ...m.alerts.map((a) => h('li', { class: 'alert-item' },
        h('span', { class: `sev sev-${a.severity}`, title: a.severity }), h('span', { class: 'alert-time' }, full(a.time)), h('span', {}, a.message))));
      details = /** @type {HTMLTableRowElement} */ (h('tr', { class: 'details', 'data-details-for': m.systemUserId },
        h('td', { colspan: '10' }, h('div', { class: 'details-grid' },
          h('div', {}, h('h3', {}, 'Mailbox'), facts),
          h('div', {}, m.lastError ? h('p', { class: 'last-error' }, m.lastError) : null, h('h3', {}, 'Alerts (newest first)'), m.alerts.length ? list : h('p', { class: 'muted' }, 'No alerts.'))))));
    }
    return { row, details };
  }

  function render() {
    const counts = { all: state.mailboxes.length, notRun: 0, running: 0, success: 0, failure: 0 };
    for (const m of state.mailboxes) counts[m.actStatus] += 1;
    for (const [key, value] of Object.entries(counts)) {
      const node = document.querySelector(`[data-count="${key}"]`);
      if (node) node.textContent = String(value);
    }

    const tbody = $('rows');
    const shown = state.mailboxes.filter(visible);
    const keep = new Set(shown.map((m) => m.systemUserId));
    for (const [id, entry] of state.rendered) {
      if (keep.has(id)) continue;
      entry.row.remove();
      entry.details?.remove();
      state.rendered.delete(id);
    }
    // Rows whose content did not change stay in place, so a select being used keeps its focus.
    /** @type {HTMLTableRowElement[]} */
    const desired = [];
    for (const m of shown) {
      const sig = signature(m);
      let entry = state.rendered.get(m.systemUserId);
      if (!entry || entry.sig !== sig) {
        if (entry) {
          entry.row.remove();
          entry.details?.remove();
        }
        entry = { sig, ...buildRow(m) };
        state.rendered.set(m.systemUserId, entry);
      }
      desired.push(entry.row);
      if (entry.details) desired.push(entry.details);
    }
    desired.forEach((node, i) => {
      const at = tbody.children[i];
      if (at !== node) tbody.insertBefore(node, at || null);
    });
    while (tbody.children.length > desired.length) tbody.lastElementChild?.remove();

    const empty = $('empty');
    empty.hidden = state.token !== null && state.loaded && shown.length > 0;
    if (!state.token) {
      empty.replaceChildren(h('p', { class: 'empty-title' }, 'Sign in to see the mailboxes'),
        h('p', {}, 'The admin API needs an Entra ID token for ', h('code', {}, AUDIENCE), ' with the ', h('code', {}, 'Sync.Admin'), ' role.'),
        h('p', {}, h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'sign-in' }, 'Sign in')));
    } else if (state.loaded && shown.length === 0) {
      empty.replaceChildren(h('p', { class: 'empty-title' }, state.mailboxes.length === 0 ? 'No CRM users yet' : 'No mailbox with this status'),
        h('p', {}, state.mailboxes.length === 0 ? 'Users of the Dynamics 365 organization appear here as soon as they exist.' : 'Choose another filter above.'));
    }

    const note = $('refresh-note');
    if (!state.token || !state.lastLoad) {
      note.replaceChildren();
    } else if (active()) {
      note.replaceChildren(h('span', { class: 'live-dot', 'aria-hidden': 'true' }), `Auto-refresh on · updated ${state.lastLoad.toLocaleTimeString()}`);
    } else {
      note.replaceChildren(`Updated ${state.lastLoad.toLocaleTimeString()}`);
    }
  }

  // ---------- actions ----------

  const VERB = { approve: 'approved', reject: 'rejected', 'test-and-enable': 'Test & Enable started', disable: 'sync disabled' };

  /** @param {Mailbox} updated */
  function replaceMailbox(updated) {
    state.mailboxes = state.mailboxes.map((m) => (m.systemUserId === updated.systemUserId ? updated : m));
  }

  /** @param {string} id @param {'approve'|'reject'|'test-and-enable'|'disable'} action */
  async function act(id, action) {
    const m = state.mailboxes.find((x) => x.systemUserId === id);
    if (!m) return;
    state.busy.add(`${id}:${action}`);
    render();
    try {
      replaceMailbox(await api('POST', `/mailboxes/${id}/${action}`));
      toast(`${m.displayName}: ${VERB[action]}`);
      hideBanner();
    } catch (error) {
      toast(`${m.displayName}: ${error instanceof Error ? error.message : String(error)}`, true);
    } finally {
      state.busy.delete(`${id}:${action}`);
      render();
      schedule();
    }
  }

  /** @param {string} id @param {string} type @param {string} value */
  async function setMethod(id, type, value) {
    const m = state.mailboxes.find((x) => x.systemUserId === id);
    if (!m) return;
    state.busy.add(`${id}:method-${type}`);
    try {
      replaceMailbox(await api('PATCH', `/mailboxes/${id}`, { syncMethods: { [type]: value } }));
      toast(`${m.displayName}: ${type} → ${value === 'serverSideSync' ? 'server-side sync' : 'none'}`);
    } catch (error) {
      toast(`${m.displayName}: ${error instanceof Error ? error.message : String(error)}`, true);
    } finally {
      state.busy.delete(`${id}:method-${type}`);
      // Rebuild the row: its select shows the stored value again, whatever happened.
      const entry = state.rendered.get(id);
      if (entry) entry.sig = '';
      render();
      schedule();
    }
  }

  // ---------- sign-in dialog ----------

  const dialog = /** @type {HTMLDialogElement} */ ($('sign-in'));

  /** @param {string} [message] */
  function openSignIn(message) {
    const error = $('sign-in-error');
    error.textContent = message || '';
    error.hidden = !message;
    if (!dialog.open) dialog.showModal();
    /** @type {HTMLTextAreaElement} */ ($('token-input')).focus();
  }

  /** @param {string} token */
  function signInWith(token) {
    const claims = claimsOf(token);
    if (!claims) return openSignIn('That is not a JWT access token (three base64url parts separated by dots).');
    if (!usable(token)) return openSignIn('This token has expired; get a new one.');
    if (AUDIENCE && claims.aud !== AUDIENCE) return openSignIn(`This token is for ${claims.aud}, not for the admin API (${AUDIENCE}).`);
    setToken(token);
    dialog.close();
    /** @type {HTMLTextAreaElement} */ ($('token-input')).value = '';
    state.loaded = false;
    load();
  }

  async function sandboxSignIn() {
    const button = $('sandbox-sign-in');
    button.classList.add('is-busy');
    try {
      const res = await fetch(`${API}/console/sandbox-token`, { method: 'POST' });
      const json = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error((json.error && json.error.message) || `HTTP ${res.status}`);
      signInWith(json.accessToken);
    } catch (error) {
      openSignIn(`Sandbox sign-in failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      button.classList.remove('is-busy');
    }
  }

  // ---------- wiring ----------

  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = /** @type {HTMLTextAreaElement} */ ($('token-input')).value.trim().replace(/^Bearer\s+/i, '');
    if (value) signInWith(value);
    else openSignIn('Paste a token first.');
  });
  $('sign-in-cancel').addEventListener('click', () => dialog.close());
  $('sign-in-open').addEventListener('click', () => openSignIn());
  $('sign-out').addEventListener('click', () => {
    setToken(null);
    state.mailboxes = [];
    state.loaded = false;
    window.clearTimeout(state.timer);
    render();
  });
  $('refresh').addEventListener('click', () => (state.token ? load() : openSignIn()));
  if (SANDBOX) {
    $('sandbox-sign-in').hidden = false;
    $('sandbox-note').hidden = false;
    $('sandbox-sign-in').addEventListener('click', sandboxSignIn);
  }

  $('filters').addEventListener('click', (event) => {
    const chip = /** @type {HTMLElement|null} */ ((/** @type {HTMLElement} */ (event.target)).closest('[data-filter]'));
    if (!chip) return;
    state.filter = chip.dataset.filter || 'all';
    for (const c of document.querySelectorAll('[data-filter]')) c.classList.toggle('is-active', c === chip);
    render();
  });

  document.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement|null} */ ((/** @type {HTMLElement} */ (event.target)).closest('[data-action]'));
    if (!target) return;
    const id = target.dataset.id || '';
    const action = target.dataset.action;
    if (action === 'sign-in') openSignIn();
    else if (action === 'toggle') {
      if (state.expanded.has(id)) state.expanded.delete(id);
      else state.expanded.add(id);
      render();
    } else if (action === 'approve' || action === 'reject' || action === 'test-and-enable' || action === 'disable') {
      act(id, action);
    }
  });

  $('rows').addEventListener('change', (event) => {
    const select = /** @type {HTMLSelectElement} */ (event.target);
    if (select.matches('select.method')) setMethod(select.dataset.id || '', select.dataset.type || '', select.value);
  });

  // Relative times age while nothing else changes.
  window.setInterval(() => { if (state.loaded) render(); }, 30_000);

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved && usable(saved)) {
    setToken(saved);
    load();
  } else {
    setToken(null);
    render();
    openSignIn();
  }
})();
