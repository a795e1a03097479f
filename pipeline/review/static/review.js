/* minutes review page: keyboard, span <-> item navigation, add-from-selection,
   and forms posted with fetch (the same forms work without JavaScript). */
(function () {
  'use strict';
  const $ = (s, r) => (r || document).querySelector(s);
  const $$ = (s, r) => Array.from((r || document).querySelectorAll(s));
  let currentUid = null;
  let lastSel = null;
  let autoFilled = null;

  const items = () => $$('#items-pane li.item');
  const marksOf = (uid) => $$('#doctext mark.hl').filter((m) => (m.dataset.ids || '').split(' ').includes(uid));

  function flash(marks) {
    marks.forEach((m) => { m.classList.remove('flash-span'); void m.offsetWidth; m.classList.add('flash-span'); });
  }

  function select(uid, opts) {
    opts = opts || {};
    const li = document.getElementById('item-' + uid);
    if (!li) return;
    $$('li.item.current').forEach((e) => e.classList.remove('current'));
    $$('mark.hl.active').forEach((e) => e.classList.remove('active'));
    currentUid = uid;
    li.classList.add('current');
    if (opts.scrollItem !== false) li.scrollIntoView({ block: opts.center ? 'center' : 'nearest' });
    const marks = marksOf(uid);
    marks.forEach((m) => m.classList.add('active'));
    if (opts.scrollText !== false && marks.length) {
      marks[0].scrollIntoView({ block: 'center' });
      flash(marks);
    }
  }

  function move(d) {
    const list = items();
    if (!list.length) return;
    let i = list.findIndex((li) => li.dataset.uid === currentUid);
    i = i < 0 ? (d > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, i + d));
    select(list[i].dataset.uid);
  }

  function current() { return currentUid ? document.getElementById('item-' + currentUid) : null; }

  /* ---- selection in the text -> offsets (code points, as Python counts them) ---- */
  function selectionOffsets() {
    const sel = window.getSelection();
    const box = $('#doctext');
    if (!box || !sel || !sel.rangeCount || sel.isCollapsed) return null;
    const r = sel.getRangeAt(0);
    if (!box.contains(r.startContainer) || !box.contains(r.endContainer)) return null;
    const pre = document.createRange();
    pre.selectNodeContents(box);
    pre.setEnd(r.startContainer, r.startOffset);
    const start = Array.from(pre.toString()).length;
    const text = r.toString();
    if (!text.trim()) return null;
    return { start: start, end: start + Array.from(text).length, text: text };
  }

  function fillPrimary() {
    const field = $('#add-field') && $('#add-field').value;
    const set = field && $('fieldset.add-attrs[data-field="' + field + '"]');
    if (!set || !lastSel) return;
    const input = $('[data-primary]', set);
    if (!input || (input.value && input.value !== autoFilled)) return;
    let v = lastSel.text.replace(/\s+/g, ' ').trim();
    if (field === 'pledges') {
      const m = v.match(/(\d[\d.,]*)\s*(%?)\s*(.*)/);
      if (m) {
        v = m[1] + m[2];
        const unit = $('input[name="add_pledges_unit"]', set);
        if (unit && !unit.value && m[3]) unit.value = m[3];
      }
    }
    input.value = v;
    autoFilled = v;
  }

  function setSelection(sel) {
    lastSel = sel;
    $('#add-start').value = sel.start;
    $('#add-end').value = sel.end;
    $('#add-selection').textContent = sel.text;
    fillPrimary();
  }

  function openAdd() {
    const sel = selectionOffsets();
    if (sel) setSelection(sel);
    const panel = $('#add-panel');
    panel.open = true;
    panel.scrollIntoView({ block: 'nearest' });
    $('#add-field').focus();
  }

  function showFieldset() {
    const f = $('#add-field').value;
    $$('fieldset.add-attrs').forEach((s) => { s.hidden = s.dataset.field !== f; });
    fillPrimary();
  }

  /* ---- forms posted with fetch; the answer (the page) is swapped in ---- */
  async function submit(form, submitter) {
    const data = new URLSearchParams(new FormData(form, submitter || undefined));
    const action = data.get('action') || '';
    const uid = data.get('uid');
    const next = (action === 'accept' || action === 'reject') && uid ? nextUid(uid) : null;
    let res;
    try {
      res = await fetch(form.getAttribute('action'), { method: 'POST', body: data, credentials: 'same-origin',
        headers: { 'X-Requested-With': 'fetch', 'X-CSRF-Token': csrf() } });
    } catch (err) {
      alert('Không gửi được: ' + err);
      return;
    }
    if (res.redirected && /\/login(\?|$)/.test(res.url)) { window.location = res.url; return; }
    const html = await res.text();
    swap(html);
    if (res.ok && next) select(next, { scrollText: false });
  }

  function nextUid(uid) {
    const list = items();
    const i = list.findIndex((li) => li.dataset.uid === uid);
    return i >= 0 && i + 1 < list.length ? list[i + 1].dataset.uid : uid;
  }

  function csrf() { const m = $('meta[name="csrf-token"]'); return m ? m.content : ''; }

  function swap(html) {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const fresh = doc.querySelector('#main');
    const main = $('#main');
    if (!fresh || !main) { document.body.innerHTML = doc.body.innerHTML; return; }
    const tp = $('.text-pane') ? $('.text-pane').scrollTop : 0;
    const ip = $('#items-pane') ? $('#items-pane').scrollTop : 0;
    const help = $('#shortcuts') ? $('#shortcuts').open : true;
    main.replaceWith(fresh);
    $('.text-pane').scrollTop = tp;
    $('#items-pane').scrollTop = ip;
    if ($('#shortcuts')) $('#shortcuts').open = help;
    lastSel = null;
    init();
  }

  /* ---- events ---- */
  function init() {
    const main = $('#main.doc-page');
    if (!main) return;
    const focus = main.dataset.focus || currentUid;
    if (focus && document.getElementById('item-' + focus)) select(focus, { scrollText: false });
    const f = $('#add-field');
    if (f) f.addEventListener('change', showFieldset);
  }

  document.addEventListener('submit', (e) => {
    const form = e.target;
    if (!form.classList || !form.classList.contains('js-form')) return;
    e.preventDefault();
    submit(form, e.submitter);
  });

  document.addEventListener('click', (e) => {
    const t = e.target;
    const mark = t.closest && t.closest('#doctext mark.hl');
    if (mark) {
      if (selectionOffsets()) return;
      const uid = (mark.dataset.ids || '').split(' ')[0];
      select(uid, { scrollText: false, center: true });
      return;
    }
    const li = t.closest && t.closest('li.item');
    if (li && !t.closest('button, a, input, select, textarea, summary, form, details[open]')) {
      select(li.dataset.uid);
    }
  });

  document.addEventListener('mouseup', (e) => {
    if (!e.target.closest || !e.target.closest('#doctext')) return;
    const sel = selectionOffsets();
    if (sel) setSelection(sel);
  });

  document.addEventListener('keydown', (e) => {
    if (!$('#main.doc-page')) return;
    const t = e.target;
    const typing = t.closest && t.closest('input, textarea, select');
    if (e.key === 'Escape') {
      const open = $$('#items-pane details.edit[open], #add-panel[open]');
      open.forEach((d) => { d.open = false; });
      if (current()) current().focus({ preventScroll: true });
      return;
    }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    const li = current();
    switch (e.key) {
      case 'j': move(1); break;
      case 'k': move(-1); break;
      case 'a': { const f = li && $('form.act-accept', li); if (f) f.requestSubmit(); break; }
      case 'r': { const f = li && $('form.act-reject', li); if (f) f.requestSubmit(); break; }
      case 'e': {
        const d = li && $('details.edit', li);
        if (d) { d.open = true; const i = $('input:not([type=hidden]), textarea, select', d); if (i) i.focus(); }
        break;
      }
      case 'n': openAdd(); break;
      case '?': { const s = $('#shortcuts'); if (s) s.open = !s.open; break; }
      default: return;
    }
    e.preventDefault();
  });

  /* ---- "why" beside a value: fetched when opened ---- */
  document.addEventListener('toggle', async (e) => {
    const d = e.target;
    if (!d.classList || !d.classList.contains('why') || !d.open || d.dataset.loaded) return;
    d.dataset.loaded = '1';
    const body = $('.why-body', d);
    body.textContent = 'Đang tính…';
    try {
      const res = await fetch(d.dataset.src, { credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } });
      if (!res.ok) throw new Error(res.status);
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      body.replaceChildren(...Array.from(doc.body.childNodes));
    } catch (err) {
      body.textContent = 'Không lấy được giải thích (' + err.message + ').';
      delete d.dataset.loaded;
    }
  }, true);

  /* ---- the summary page follows a retraining under way ---- */
  function followTraining() {
    const box = $('#training');
    if (!box || !box.dataset.active) return;
    setTimeout(async () => {
      try {
        const res = await fetch(box.dataset.src, { credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } });
        if (res.ok) {
          const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
          const fresh = doc.querySelector('#training');
          if (fresh) box.replaceWith(fresh);
        }
      } catch (err) { /* try again */ }
      followTraining();
    }, 2000);
  }

  init();
  followTraining();
})();
