// The console's UI: plain ES modules, no framework. The token lives in sessionStorage and travels
// only in the Authorization header, never in a cookie.
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const token = () => sessionStorage.getItem('ops-token');

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) el.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return el;
}

async function api(path, options = {}) {
  const res = await fetch(`api${path}`, { ...options, headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json', ...(options.headers ?? {}) } });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  if (res.status === 401) { sessionStorage.removeItem('ops-token'); route(); throw new Error('not logged in'); }
  if (!res.ok) throw new Error(body.detail ?? `HTTP ${res.status}`);
  return body;
}

const post = (path, body) => api(path, { method: 'POST', body: JSON.stringify(body) });
const time = (iso) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, '') : '–');

function table(columns, rows) {
  return h('table', {}, h('thead', {}, h('tr', {}, columns.map(([title]) => h('th', {}, title)))),
    h('tbody', {}, rows.length ? rows.map((row) => h('tr', {}, columns.map(([, cell]) => h('td', {}, cell(row))))) : h('tr', {}, h('td', { colspan: columns.length }, 'none'))));
}

function login() {
  nav.hidden = true;
  const input = h('input', { type: 'password', name: 'token', placeholder: 'OPS_API_TOKEN or an OIDC access token', autocomplete: 'off' });
  const message = h('p', { class: 'error' });
  main.replaceChildren(h('h2', {}, 'Log in'), h('form', { class: 'inline', onsubmit: async (e) => {
    e.preventDefault();
    sessionStorage.setItem('ops-token', input.value.trim());
    try { await api('/session'); location.hash = '#/search'; route(); } catch (err) { message.textContent = err.message; }
  } }, input, h('button', { type: 'submit' }, 'Log in')), message);
}

function timelineView(t, traceUrl) {
  const o = t.order;
  const odoo = t.odoo.saleOrders
    ? table([['Sale order', (s) => s.name], ['State', (s) => s.state], ['Pickings', (s) => s.pickings.map((p) => `${p.name} (${p.state})`).join(', ') || '–']], t.odoo.saleOrders)
    : h('p', {}, t.odoo.unavailable);
  return h('section', { class: 'timeline' },
    h('h2', {}, `Order ${t.orderId}`),
    h('p', {}, `found by ${t.matchedBy}`, o ? ` · ${o.channel} ${o.channelId} · order ${o.channelOrderId}${o.channelOrderNumber ? ` number ${o.channelOrderNumber}` : ''} · ${o.cancelled ? 'cancelled' : 'placed'}` : ''),
    h('p', {}, 'Trace: ', t.traceIds.length ? t.traceIds.map((id) => traceUrl ? h('a', { href: traceUrl.replace('{traceId}', id), target: '_blank', rel: 'noopener' }, id) : h('code', {}, id)) : 'none recorded'),
    h('h2', {}, 'Events'),
    table([['Time', (e) => time(e.at)], ['Event', (e) => e.eventType], ['Producer', (e) => e.producer], ['Topic', (e) => `${e.topic}${e.partition === null ? '' : ` [${e.partition}] @${e.offset}`}`], ['Consumers', (e) => e.consumers.map((c) => `${c.group} ${time(c.processedAt)}`).join('; ') || '–'], ['Published', (e) => e.publishedAt ? time(e.publishedAt) : 'pending']], t.events),
    h('h2', {}, 'Odoo'),
    h('p', {}, t.erp ? `writer: ${t.erp.status}${t.erp.odooOrderName ? ` · ${t.erp.odooOrderName}` : ''} · ${t.erp.attempts} attempt(s)` : 'writer: no record yet'),
    odoo,
    h('h2', {}, `Dead letters (${t.deadLetters.length})`),
    table([['DLQ', (d) => `${d.dlqTopic} [${d.dlqPartition}] @${d.dlqOffset}`], ['Error', (d) => `${d.errorClass ?? ''} ${d.errorMessage ?? ''}`]], t.deadLetters),
    h('h2', {}, `Parked (${t.parked.length}), rejections (${t.rejections.length}), conflicts (${t.conflicts.length})`),
    table([['What', (p) => `${p.eventType} ${p.status}`], ['Reason', (p) => `${p.reason}: ${p.errorMessage}`]], t.parked));
}

const views = {
  async search(params) {
    const input = h('input', { type: 'text', name: 'q', value: params.get('q') ?? '', placeholder: 'order id, #1001, channel order id, correlation id, S00042' });
    const out = h('div');
    const run = async () => {
      out.replaceChildren('searching…');
      try {
        const [result, session] = await Promise.all([api(`/search?q=${encodeURIComponent(input.value)}`), api('/session')]);
        out.replaceChildren(...result.timelines.map((t) => timelineView(t, session.traceUrlTemplate)),
          result.rejections.length ? table([['Rejected', (r) => `${r.channel} ${r.reasonCode}`], ['At', (r) => time(r.receivedAt)]], result.rejections) : '');
      } catch (err) { out.replaceChildren(h('p', { class: 'error' }, err.message)); }
    };
    main.replaceChildren(h('h2', {}, 'Where is…'), h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); history.replaceState(null, '', `#/search?q=${encodeURIComponent(input.value)}`); run(); } }, input, h('button', { type: 'submit' }, 'Search')), out);
    if (input.value) await run();
  },
  async overview() {
    const o = await api('/overview');
    main.replaceChildren(h('h2', {}, 'Overview'),
      h('div', {}, h('span', { class: 'card' }, h('b', {}, String(o.awaitingErp)), 'awaiting ERP'), h('span', { class: 'card' }, h('b', {}, String(o.deadLettersTotal)), 'dead letters'),
        ...o.ordersPerMinute.map((c) => h('span', { class: 'card' }, h('b', {}, String(c.perMinute.at(-1))), `${c.channel} orders this minute`))),
      h('h2', {}, 'Orders per minute (last 10 minutes, oldest first)'),
      table([['Channel', (c) => c.channel], ['Per minute', (c) => c.perMinute.join(' · ')]], o.ordersPerMinute),
      h('h2', {}, 'Outbox per service'), table([['Schema', (s) => s.schema], ['Pending', (s) => String(s.outboxPending)], ['Oldest pending (s)', (s) => s.oldestPendingSeconds ?? '–']], o.services),
      h('h2', {}, 'Consumer lag'), table([['Group', (l) => l.group], ['Topic', (l) => l.topic], ['Lag', (l) => String(l.lag)]], o.lag));
  },
  async 'dead-letters'() {
    const d = await api('/dead-letters');
    const status = h('p', { id: 'replay-status' });
    const replay = async (body) => {
      try { const r = await post('/dead-letters/replay', body); status.className = 'ok'; status.textContent = `${r.audit.detail} (audit ${r.audit.actionId})`; }
      catch (err) { status.className = 'error'; status.textContent = err.message; }
    };
    main.replaceChildren(h('h2', {}, 'Dead letters'), status,
      table([['Topic', (t) => t.name], ['Group', (t) => t.group], ['Size', (t) => String(t.size)], ['', (t) => t.size ? h('button', { onclick: () => replay({ dlqTopic: t.name, all: true }) }, 'Replay all') : '']], d.topics.filter((t) => t.size > 0)),
      table([['DLQ', (x) => `${x.dlqTopic} [${x.dlqPartition}] @${x.dlqOffset}`], ['Key', (x) => h('code', {}, x.key ?? '')], ['Error', (x) => `${x.errorClass ?? ''}: ${x.errorMessage ?? ''}`],
        ['', (x) => h('button', { 'data-replay': `${x.dlqTopic}/${x.dlqPartition}/${x.dlqOffset}`, onclick: () => replay({ dlqTopic: x.dlqTopic, partition: x.dlqPartition, offset: x.dlqOffset }) }, 'Replay')]], d.items));
  },
  async parked() {
    const p = await api('/parked');
    const status = h('p');
    main.replaceChildren(h('h2', {}, 'Parked events and effects'), status, table([['Item', (x) => x.id], ['Order', (x) => x.orderId], ['What', (x) => x.what], ['Reason', (x) => `${x.reason}: ${x.error ?? ''}`], ['Attempts', (x) => String(x.attempts)], ['Next', (x) => time(x.nextAttemptAt)],
      ['', (x) => h('button', { onclick: async () => { try { const r = await post('/parked/retry', { id: x.id }); status.textContent = r.audit.detail; } catch (err) { status.textContent = err.message; } } }, 'Retry now')]], p.items));
  },
  async rejections() {
    const r = await api('/rejections');
    main.replaceChildren(h('h2', {}, 'Rejected payloads (redacted)'), table([['At', (x) => time(x.receivedAt)], ['Channel', (x) => `${x.channel} ${x.channelId}`], ['Reason', (x) => `${x.reasonCode} (HTTP ${x.httpStatus})`], ['Errors', (x) => h('code', {}, JSON.stringify(x.errors))], ['Payload', (x) => h('details', {}, h('summary', {}, 'show'), h('pre', { class: 'mono' }, JSON.stringify(x.payload, null, 2)))]], r.items));
  },
  async conflicts() {
    const c = await api('/conflicts');
    const status = h('p');
    main.replaceChildren(h('h2', {}, 'Conflicting facts'), h('p', {}, 'The original fact is what was emitted; keeping it closes the conflict. Accepting the conflicting side is not supported by order-ingest (it would need a corrected event).'), status,
      table([['#', (x) => x.id], ['Order', (x) => x.orderId], ['Fact', (x) => `${x.channel} ${x.kind} ${x.externalId}`], ['Received', (x) => time(x.receivedAt)], ['State', (x) => (x.resolvedAt ? `closed ${time(x.resolvedAt)}` : 'open')],
        ['', (x) => x.resolvedAt ? '' : h('button', { onclick: async () => { try { const r = await post(`/conflicts/${x.id}/keep-original`, {}); status.textContent = r.audit.detail; } catch (err) { status.textContent = err.message; } } }, 'Keep original')]], c.items));
  },
  async audit() {
    const a = await api('/audit');
    main.replaceChildren(h('h2', {}, 'Audit log'), table([['Requested', (x) => time(x.requestedAt)], ['Who', (x) => `${x.operator} (${x.via})`], ['Action', (x) => x.action], ['Target', (x) => h('code', {}, x.target)], ['Outcome', (x) => x.outcome], ['Detail', (x) => x.detail ?? '']], a.items));
  },
};

async function route() {
  if (!token()) return login();
  nav.hidden = false;
  const [path, query] = (location.hash.slice(2) || 'search').split('?');
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.getAttribute('href') === `#/${path}`);
  const view = views[path] ?? views.search;
  try { await view(new URLSearchParams(query ?? '')); } catch (err) { if (token()) main.replaceChildren(h('p', { class: 'error' }, err.message)); }
}

document.getElementById('logout').addEventListener('click', () => { sessionStorage.removeItem('ops-token'); location.hash = ''; route(); });
window.addEventListener('hashchange', route);
route();
