/* Fireside, the phone: agreements, joining, answering, results. Plain ES2017, no modules.
   Talks to the server as docs/protocol.md describes (namespace /participant). */
(function () {
  'use strict';

  var F = window.Fireside;
  var $ = F.$, h = F.h, t = F.t, nt = F.nt, setConn = F.conn;
  var cfg = F.config;
  if (!cfg.code) return; // the page shows the code form; nothing to do
  var EV = cfg.events;
  var LIMITS = cfg.schema.limits;
  var CODE = cfg.code;
  var STORE_KEY = 'fireside:' + CODE;
  var TIMEOUT = 15000;
  var LONG_PROMPT = 140;  // characters

  // ---- small helpers ---------------------------------------------------------------------

  var memoryStore = {};
  function loadToken() {
    try { return window.localStorage.getItem(STORE_KEY); } catch (e) { return memoryStore[STORE_KEY] || null; }
  }
  function saveToken(token) {
    try { window.localStorage.setItem(STORE_KEY, token); } catch (e) { memoryStore[STORE_KEY] = token; }
  }
  function forgetToken() {
    state.token = null;
    delete memoryStore[STORE_KEY];
    try { window.localStorage.removeItem(STORE_KEY); } catch (e) { /* private mode */ }
    setWithdrawable(false);  // a new token has no answers
  }
  // Whether the laptop holds an answer or a pass of his that "Take back my answers" would take
  // back: only then is it offered. The laptop says so (`withdrawable` in welcome and sync, worked
  // out from the ballots it keeps), and an answer it acknowledged makes it so until it next says;
  // the page keeps it in memory only, so the browser holds nothing but the token.
  // The page also remembers which polls it answered since the laptop last said (answeredHere): when
  // the room sees the last of them revealed, nothing is left to take back, and the button goes
  // without asking. When the laptop said yes about answers this page did not see given (a reload),
  // a reveal makes the page ask it again, a moment later (see itemRevealed).
  function setWithdrawable(yes) {
    state.withdrawable = yes;
    state.answeredHere = {};
    state.answeredElsewhere = yes;
    showWithdraw();
  }
  function answeredHere(itemId) {
    state.withdrawable = true;
    state.answeredHere[itemId] = true;
    showWithdraw();
  }
  function itemRevealed(itemId) {
    if (!state.withdrawable) return;
    delete state.answeredHere[itemId];
    if (Object.keys(state.answeredHere).length) return;
    if (!state.answeredElsewhere) { state.withdrawable = false; showWithdraw(); return; }
    // Spread over a few seconds: in a full hall, the reveal reaches every phone at once.
    window.setTimeout(resync, Math.random() * 3000);
  }
  // Leaving, or the end of the meeting, clears everything this page keeps in the browser: tonight's
  // token, and any token an earlier meeting left behind when its page was closed before it ended.
  // Everything stored on this address is Fireside's, so it all goes.
  function forgetEverything() {
    forgetToken();
    memoryStore = {};
    try { window.localStorage.clear(); } catch (e) { /* private mode */ }
    try { window.sessionStorage.clear(); } catch (e) { /* private mode */ }
  }

  var announce = F.announcer(0);

  // A translated sentence with an element where its %(name)s is: the markup stays outside the sentence.
  function around(sentence, name, node) {
    var parts = sentence.split('%(' + name + ')s');
    return parts.length === 2 ? [parts[0], node, parts[1]] : [sentence, ' ', node];
  }

  function isPass(mine) {
    return !!mine && typeof mine === 'object' && !Array.isArray(mine) && mine.pass === true;
  }

  // ---- state -----------------------------------------------------------------------------

  var socket = null;
  var state = {
    token: loadToken(),
    withdrawable: false,  // see setWithdrawable
    answeredHere: {},     // item ids answered or passed on this page since the laptop last said
    answeredElsewhere: false,  // the laptop said yes about answers this page did not see given
    item: null,
    mineById: {},   // this phone's answers, by item id, as the server confirmed them
    editing: false, // "Change my answer" pressed
    viewKey: '',
    resultKey: '',
    screen: 'agreements',
    seenItem: false,
    joined: false,
    ended: false,
    left: false,
    sending: false,
    kept: {},       // polls whose written answer stayed when he took his answers back (already read)
    takenBack: null,  // the open poll whose answer he just took back: its form says so
    waiting: null,  // an answer given while offline, sent when the phone is back (memory only)
    unsent: null,   // the item whose waiting answer could not go: it closed while the phone was offline
    drafts: {},     // words or a sentence he was typing when the question closed or moved on (memory only)
    draftFor: null  // the item whose words or sentence the form on screen holds
  };

  var SCREENS = ['agreements', 'connecting', 'wait', 'item', 'ended', 'refused'];

  function show(name, focusEl) {
    var changed = state.screen !== name;
    state.screen = name;
    SCREENS.forEach(function (s) {
      var node = $('screen-' + s);
      if (node) node.hidden = s !== name;
    });
    var target = focusEl || (changed ? document.querySelector('#screen-' + name + ' .heading') : null);
    // Reading Help when the screen under it changes: his place stays in the panel (help.js
    // gives focus back to the Help link when he closes it).
    var help = $('help');
    if (target && !(help && help.open)) {
      window.scrollTo(0, 0);
      try { target.focus({ preventScroll: true }); } catch (e) { target.focus(); }
    }
  }

  // The evening's name stays on the page: the tab's title is always "Fireside", since a browser keeps
  // titles in its history after the meeting, where "Shame: what we hide" would tell a partner more
  // than anything the laptop kept.
  function setTitle(title) {
    $('meeting-title').textContent = title || '';
  }

  // ---- connection ------------------------------------------------------------------------

  function connect() {
    state.left = false;
    $('left-notice').hidden = true;
    $('connecting-detail').textContent = t('Connecting to the laptop in this room.');
    show('connecting');
    if (typeof window.io !== 'function') {
      refused(t('This page did not load completely. Please reload it.'));
      return;
    }
    if (socket) { socket.connect(); return; }
    socket = window.io(cfg.namespace, {
      // A function, so every reconnect sends the latest token.
      auth: function (cb) {
        var auth = { code: CODE };
        if (state.token) auth.token = state.token;
        cb(auth);
      }
    });
    socket.on('connect', function () { setConn(''); });
    socket.on('disconnect', function (reason) {
      if (state.ended || state.left) return;
      if (reason === 'io server disconnect') {
        // The server closed this connection; socket.io won't retry by itself, so we do.
        setTimeout(function () { if (socket && !socket.connected && !state.ended && !state.left) socket.connect(); }, 1500);
      }
      if (state.joined) setConn(t('Reconnecting…'), 800);
    });
    socket.on('connect_error', function (err) {
      if (state.ended || state.left) return;
      if (socket.active) {
        // A network problem: socket.io keeps trying on its own.
        if (state.joined) setConn(t('Reconnecting…'), 800);
        else $('connecting-detail').textContent =
          t('Still trying to reach the laptop in this room. Make sure your phone is on the same Wi-Fi as the room.');
        return;
      }
      // The server said no: the meeting is over, or the code is wrong.
      if (err && err.data && err.data.ended) { ended(); return; }
      var message = err && err.message;
      if (!message || /rejected by server|^(xhr|websocket)/i.test(message)) message = t("There's no meeting with this code right now.");
      refused(message);
    });
    socket.on(EV.WELCOME, applyWelcome);
    socket.on(EV.ITEM, function (p) {
      if (state.ended || !p) return;
      var item = p.item || null;
      var prevId = state.item ? state.item.id : null;
      if (item && item.state === 'revealed') itemRevealed(item.id);
      setItem(item);
      // `item` is broadcast, so it cannot carry this phone's own answer. For a poll this page has
      // no answer on record for (e.g. the facilitator went back after a reload), ask.
      if (item && item.id !== prevId && item.state === 'open' && item.kind !== 'discussion' &&
          !Object.prototype.hasOwnProperty.call(state.mineById, item.id)) resync();
    });
    socket.on(EV.COUNT, function (p) {
      if (!p || !state.item || p.item_id !== state.item.id) return;
      state.item.answered = p.answered;
      updateAnswered();
    });
    socket.on(EV.ENDED, ended);
    socket.on(EV.HELP, function (p) { if (p && Array.isArray(p.help)) showHelp(p.help); });
    // The facilitator changed the meeting's language: the page comes back in it, with this phone's token.
    socket.on(EV.LANGUAGE, function (p) { if (p && p.language !== F.language) window.location.reload(); });
  }

  function refused(message) {
    forgetToken();
    state.mineById = {};
    state.item = null;
    state.viewKey = '';
    state.joined = false;
    setConn('');
    $('menu').hidden = true;
    $('refused-message').textContent = message;
    show('refused');
  }

  function applyWelcome(p) {
    if (state.ended || state.left || !p) return;
    if (p.token && p.token !== state.token) { state.token = p.token; saveToken(p.token); }
    if (p.meeting && p.meeting.title) setTitle(p.meeting.title);
    var first = !state.joined;
    state.joined = true;
    setConn('');
    $('menu').hidden = false;
    var item = p.item || null;
    if (item) {
      if (p.mine == null) delete state.mineById[item.id];
      else state.mineById[item.id] = p.mine;
    }
    setWithdrawable(p.withdrawable === true);  // the laptop's word, from the ballots it holds
    setItem(item);
    sendWaiting(item);
    if (Array.isArray(p.help)) showHelp(p.help);
    setWordAfter(p.word_after === true, false);
    if (first) announce(item ? t("You're in.") : t("You're in. The first question will appear here."));
  }

  // Back online: the answer he gave while offline goes now, if its question is still open.
  function sendWaiting(item) {
    var waiting = state.waiting;
    if (!waiting) return;
    state.waiting = null;
    showWithdraw();
    if (item && item.id === waiting.item_id && arrived(waiting, mineOf(item))) {
      state.editing = false;
      state.viewKey = '';
      render('done');
      announce(t('Your answer is in. You can change it until the results are shown.'));
      return;
    }
    if (item && item.id === waiting.item_id && item.state === 'open') {
      send(waiting, $('answer-error') || h('p', {}));
      return;
    }
    state.unsent = waiting.item_id;
    if (item && item.id === waiting.item_id) { state.viewKey = ''; render(); }
    announce(t("Your answer wasn't sent: the question closed before your phone could reach the laptop."));
  }

  // The laptop already holds this answer of his (after a reply that never came back).
  function arrived(payload, mine) {
    if (mine == null) return false;
    return payload.pass ? isPass(mine) : JSON.stringify(mine) === JSON.stringify(payload.value);
  }

  function ended() {
    state.ended = true;
    state.drafts = {};
    state.draftFor = null;
    forgetEverything();
    state.waiting = null;
    state.mineById = {};
    state.item = null;
    setConn('');
    $('menu').hidden = true;
    if (socket) socket.disconnect();
    // He asked for a word and did not take it back: now is when he needs to act on it.
    $('ended-word-after').hidden = !wordAfter;
    show('ended');
    announce(t('The meeting has ended. Thank you for being here.') +
      (wordAfter ? ' ' + $('ended-word-after').textContent : ''));
  }

  function resync() {
    if (!socket || !socket.connected || state.ended || state.left) return;
    socket.timeout(5000).emit(EV.SYNC, {}, function (err, res) {
      if (err) {
        // A connection that died while the phone slept: start a fresh one.
        if (socket.connected) { socket.disconnect(); socket.connect(); setConn(t('Reconnecting…')); }
        return;
      }
      if (res && res.ok) applyWelcome(res);
    });
  }

  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') resync();
  });

  // ---- the current item ------------------------------------------------------------------

  function setItem(item) {
    var prevId = state.item ? state.item.id : null;
    state.item = item;
    if (!item) {
      state.editing = false;
      state.viewKey = '';
      $('wait-detail').textContent = state.seenItem
        ? t('Nothing to answer right now. The next question will appear here.')
        : t('The first question will appear here.');
      show('wait');
      return;
    }
    if (item.id !== prevId) state.editing = false;
    state.seenItem = true;
    render();
  }

  function has(object, key) { return Object.prototype.hasOwnProperty.call(object, key); }

  // What he was typing, kept when the form goes away (the question closed, or another came): if the
  // facilitator opens it again, his words are still there. Never stored, never sent until he sends.
  function keepDraft() {
    var typed = $('words-input') || $('text-input');
    if (state.draftFor == null || !typed) return;
    if (typed.value.trim()) state.drafts[state.draftFor] = typed.value;
    else delete state.drafts[state.draftFor];
  }

  function mineOf(item) {
    return Object.prototype.hasOwnProperty.call(state.mineById, item.id) ? state.mineById[item.id] : null;
  }

  function modeOf(item, mine) {
    if (item.kind === 'discussion') return 'discussion';
    if (item.state === 'open') return mine != null && !state.editing ? 'done' : 'form';
    if (item.state === 'closed') return 'closed';
    if (item.state === 'revealed') return 'revealed';
    return 'pending';
  }

  function render(focusEl) {
    var it = state.item;
    var mine = mineOf(it);
    var mode = modeOf(it, mine);
    var key = JSON.stringify([it.id, it.kind, it.prompt].concat(cfg.schema.spec_fields.map(function (f) { return it[f]; }),
      [mode, mode === 'done' || mode === 'closed' ? mine : null,
        // what his answer became also changes the words: it stays, or it was never sent
        !!state.kept[it.id], state.unsent === it.id, state.takenBack === it.id]));
    if (key === state.viewKey && state.screen === 'item') { updateLive(); return; }
    var isNewItem = !state.viewKey || state.viewKey.indexOf('[' + it.id + ',') !== 0;
    state.viewKey = key;
    state.resultKey = '';

    keepDraft();
    var screen = $('screen-item');
    while (screen.firstChild) screen.removeChild(screen.firstChild);
    state.draftFor = null;
    var kicker = {
      discussion: t('Now'), pending: t('Coming up'), form: t('Question'), done: t('Question'),
      closed: t('Question'), revealed: t('Results')
    }[mode];
    screen.appendChild(h('p', { class: 'kicker', id: 'kicker', text: kicker }));
    // A long prompt (the evening's welcome and agreements) is read, not glanced at: body-sized, so it
    // fits about one screen at 320 px instead of three.
    var long = (it.prompt || '').length > LONG_PROMPT;
    var heading = h('h1', { class: 'heading' + (long ? ' heading-long' : ''), id: 'prompt', tabindex: '-1', text: it.prompt || '' });
    screen.appendChild(heading);
    screen.setAttribute('data-mode', mode);
    screen.setAttribute('data-kind', it.kind);

    if (mode === 'discussion') {
      screen.appendChild(h('p', { class: 'reflect', id: 'reflect',
        text: t('Nothing to answer on your phone for this one.') }));
    } else if (mode === 'pending') {
      screen.appendChild(h('p', { class: 'state-line', id: 'state-line',
        text: t("This question isn't open yet. It will open here.") }));
    } else if (mode === 'form') {
      // Just taken back with the menu, far below: said here, where the page now shows him.
      if (state.takenBack === it.id) {
        screen.appendChild(h('p', { class: 'notice', id: 'taken-back',
          text: t('Your answer to this question was taken back. You can answer again, or pass.') }));
      }
      buildForm(screen, it, state.editing ? mine : has(state.drafts, it.id) ? state.drafts[it.id] : null);
      if (it.kind === 'words' || it.kind === 'text') state.draftFor = it.id;
      screen.appendChild(h('p', { class: 'answered', id: 'answered' }));
    } else if (mode === 'done') {
      buildDone(screen, it, mine);
      screen.appendChild(h('p', { class: 'answered', id: 'answered' }));
      screen.appendChild(liveBlock());
    } else if (mode === 'closed') {
      screen.appendChild(h('p', { class: 'state-line', id: 'state-line', text: t('Answers are closed.') }));
      var line = state.kept[it.id] ? t('This one stays: the room or the facilitator may already have seen the answers to this question. It carries no name.')
        : mine == null && state.unsent === it.id
        ? t("Your answer wasn't sent: the question closed before your phone could reach the laptop.")
        : mine == null ? t('The results will appear here if the facilitator shows them.')
        : isPass(mine) ? t('You passed on this one. The results will appear here if the facilitator shows them.')
        : t('Your answer is in. The results will appear here if the facilitator shows them.');
      screen.appendChild(h('p', { class: 'muted', text: line }));
      screen.appendChild(h('p', { class: 'answered', id: 'answered' }));
      screen.appendChild(liveBlock());
    } else if (mode === 'revealed') {
      screen.appendChild(h('div', { class: 'results', id: 'results' }));
    }
    updateLive();
    show('item', focusEl ? $(focusEl) : heading);
    if (focusEl) return;
    if (mode === 'revealed') announce(t('The results are shown.'));
    else if (mode === 'closed') announce(t('Answers are closed.'));
    else if (isNewItem) announce(mode === 'discussion' ? t('Something new from the facilitator.') : t('A new question.'));
  }

  // In live mode an open poll carries a picture that moves only in steps of k answers; a man
  // sees it after he has answered, never before, so it cannot sway his answer.
  function liveBlock() {
    return h('section', { class: 'live', id: 'live', hidden: true, 'aria-labelledby': 'live-heading' }, [
      h('h2', { class: 'live-heading', id: 'live-heading', text: t("The room's picture") }),
      h('div', { class: 'results', id: 'results' })
    ]);
  }

  function updateLive() {
    updateAnswered();
    var it = state.item;
    var box = $('results');
    if (!it || !box) return;
    var rk = JSON.stringify(it.result || null);
    if (rk === state.resultKey) return;
    state.resultKey = rk;
    if ($('live')) $('live').hidden = !it.result;
    if ((it.result || it.state === 'revealed') && window.FiresideResults) window.FiresideResults.render(box, it);
  }

  function updateAnswered() {
    var node = $('answered');
    if (!node || !state.item) return;
    var n = state.item.answered;
    node.textContent = typeof n === 'number' && n > 0 ? nt('%(num)s responded', '%(num)s responded', n) : '';  // passes too
  }

  // ---- answering -------------------------------------------------------------------------

  function describe(it, mine) {
    if (isPass(mine)) return t('You passed.');
    var o = it.options || [];
    switch (it.kind) {
      case 'choice': return o[mine] != null ? o[mine] : String(mine);
      case 'multi': return (mine || []).map(function (i) { return o[i]; }).join(', ');
      case 'scale': {
        var s = it.scale || {};
        var label = mine === s.min ? s.min_label : mine === s.max ? s.max_label : '';
        return String(mine) + (label ? ' (' + label + ')' : '');
      }
      case 'compass': {
        var a = it.axes || cfg.schema.default_axes;
        return t('%(x_name)s %(x)s, %(y_name)s %(y)s (out of %(max)s)',
          { x_name: a.x, x: mine.x, y_name: a.y, y: mine.y, max: LIMITS.compass_max });
      }
      // Translators: his own words or sentence, quoted as the language quotes (Spanish: «…»).
      default: return t('“%(text)s”', { text: mine });
    }
  }

  function buildDone(screen, it, mine) {
    var pass = isPass(mine);
    // He asked for his answers back, and this written one stays: say so here, where he sees it.
    var stays = !pass && state.kept[it.id];
    var box = h('div', { class: 'done', id: 'done', tabindex: '-1' }, [
      h('p', { class: 'done-title', id: 'done-title' }, [
        h('span', { class: 'tick', 'aria-hidden': 'true' }),
        pass ? t('You passed on this one.') : stays ? t('This one stays.') : t('Your answer is in.')
      ]),
      h('p', { class: 'muted', 'data-role': stays ? 'stays' : null, text: pass
        ? t("That's fine. You can still answer until the results are shown.")
        : stays ? t('The room or the facilitator may already have seen the answers to this question, so it could not be taken back. It carries no name.')
        : t('You can change it until the results are shown.') }),
      pass ? null : h('p', { class: 'mine', id: 'mine' }, [h('span', { class: 'mine-label', text: t('Your answer:') + ' ' }), describe(it, mine)]),
      h('button', { class: 'btn btn-secondary btn-wide', id: 'change-btn', type: 'button', text: pass ? t('Answer after all') : t('Change my answer'),
        onclick: function () { state.editing = true; render(); } })
    ]);
    screen.appendChild(box);
  }

  function buildForm(screen, it, prefill) {
    var collect;
    var form = h('form', { class: 'answer-form', id: 'answer-form', novalidate: true, autocomplete: 'off' });
    var err = h('p', { class: 'error-line', id: 'answer-error', role: 'alert' });
    var builders = { choice: options, multi: options, scale: scale, compass: compass, words: words, text: text };
    var build = builders[it.kind];
    if (build) collect = build(form, it, prefill, err);
    else form.appendChild(h('p', { class: 'state-line', text: t("This phone can't show this kind of question. You can pass.") }));
    form.appendChild(err);
    var sendBtn = h('button', { class: 'btn btn-primary', id: 'send-btn', type: 'submit', text: t('Send') });
    var passBtn = h('button', { class: 'btn btn-secondary', id: 'pass-btn', type: 'button', text: t('Pass'),
      onclick: function () { send({ item_id: it.id, pass: true }, err); } });
    if (!collect) sendBtn.disabled = true;
    form.appendChild(h('div', { class: 'pair' }, [sendBtn, passBtn]));
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (!collect || state.sending) return;
      var got = collect();
      if (got.error) { err.textContent = got.error; return; }
      send({ item_id: it.id, value: got.value }, err);
    });
    screen.appendChild(form);
  }

  // While an answer is on its way the buttons say so and refuse a second press, but stay
  // focusable (aria-disabled, not disabled): a disabled button loses the focus, and a man using
  // a keyboard or a screen reader would be thrown back to the top of the page.
  function setBusy(busy) {
    var sendBtn = $('send-btn'), passBtn = $('pass-btn');
    if (sendBtn) { sendBtn.setAttribute('aria-disabled', String(busy)); sendBtn.textContent = busy ? t('Sending…') : t('Send'); }
    if (passBtn) passBtn.setAttribute('aria-disabled', String(busy));
  }

  function send(payload, err) {
    if (state.sending) return;
    err.textContent = '';
    if (!socket || !socket.connected) {
      // Held in this page only; the phone sends it by itself once it is back (sendWaiting).
      state.waiting = payload;
      showWithdraw();  // the answer it holds can be taken back before it goes
      err.textContent = t("Your phone can't reach the laptop right now. Keep this page open: your answer will be sent as soon as it can.");
      return;
    }
    state.waiting = null;
    state.sending = true;
    setBusy(true);
    var itemId = payload.item_id;
    socket.timeout(TIMEOUT).emit(EV.ANSWER, payload, function (e, res) {
      state.sending = false;
      setBusy(false);
      if (e) {
        // No reply in time: the answer may have arrived all the same. Ask the laptop what it holds
        // for him (sync), and send it again only if it did not arrive and the question is still open.
        state.waiting = payload;
        showWithdraw();
        err.textContent = t('Checking whether your answer arrived…');
        resync();
        return;
      }
      if (!res || !res.ok) { err.textContent = (res && res.error) || t("That didn't work. Please try again."); return; }
      var mine = res.mine !== undefined ? res.mine : payload.pass ? { pass: true } : payload.value;
      state.mineById[itemId] = mine;
      // The laptop holds it now, and says whether taking back would take it (not in a reopened poll
      // the facilitator already read); its next welcome or sync says what stays so.
      if (res.withdrawable !== false) answeredHere(itemId);
      delete state.drafts[itemId];  // sent: the draft is his answer now
      if (state.draftFor === itemId) state.draftFor = null;
      delete state.kept[itemId];  // a new answer of his: no longer the one that stayed
      if (state.takenBack === itemId) state.takenBack = null;
      if (state.item && state.item.id === itemId) {
        state.editing = false;
        render('done');
        announce(isPass(mine) ? t('You passed on this one.') : t('Your answer is in. You can change it until the results are shown.'));
      }
    });
  }

  // choice and multi: big radio or checkbox rows
  function options(form, it, prefill, err) {
    var multi = it.kind === 'multi';
    var max = multi ? Math.max(1, it.max || (it.options || []).length) : 1;
    var picked = multi ? (Array.isArray(prefill) ? prefill : []) : prefill;
    var hint = multi && max !== 1 ? t('Choose up to %(n)s.', { n: max }) : t('Choose one.');
    var group = h('div', { class: 'options' });
    var inputs = (it.options || []).map(function (label, i) {
      var input = h('input', { type: multi ? 'checkbox' : 'radio', name: 'opt', value: String(i),
        checked: multi ? picked.indexOf(i) >= 0 : picked === i });
      group.appendChild(h('label', { class: 'option' + (multi ? ' option-multi' : ''), 'data-index': String(i) }, [
        input,
        h('span', { class: 'opt-body' }, [h('span', { class: 'opt-mark', 'aria-hidden': 'true' }), h('span', { text: label }),
          multi && (it.exclusive || []).indexOf(i) >= 0
            ? h('span', { class: 'opt-alone', text: t('(on its own)') }) : null])
      ]));
      return input;
    });
    var full = h('p', { class: 'note', id: 'multi-full' });
    // An exclusive option ("None of these") is chosen alone: ticking it unticks the others, and
    // ticking another unticks it. The server refuses the two together all the same.
    var exclusive = multi ? (it.exclusive || []) : [];
    function isAlone(i) { return exclusive.indexOf(i) >= 0; }
    function keepApart(changed) {
      var index = inputs.indexOf(changed);
      if (index < 0 || !changed.checked) return;
      var unticked = inputs.filter(function (x, i) {
        return x !== changed && x.checked && (isAlone(index) || isAlone(i));
      });
      unticked.forEach(function (x) { x.checked = false; });
      if (!unticked.length) return;
      var names = unticked.map(function (x) { return it.options[inputs.indexOf(x)]; });
      announce(isAlone(index)
        ? nt('\u201c%(option)s\u201d is chosen on its own, so %(names)s is unticked.',
             '\u201c%(option)s\u201d is chosen on its own, so %(names)s are unticked.',
             names.length, { option: it.options[index], names: names.join(', ') })
        : t('%(names)s unticked: it is chosen only on its own.', { names: names.join(', ') }));
    }
    function limit() {
      if (!multi) return;
      var n = inputs.filter(function (x) { return x.checked; }).length;
      // An exclusive option stays open to tap even when the others are full: it replaces them.
      inputs.forEach(function (x, i) { x.disabled = !x.checked && n >= max && !isAlone(i); });
      full.textContent = max > 1 && n >= max && inputs.length > max
        ? t("That's %(n)s. To choose another, untick one first.", { n: max }) : '';
    }
    group.addEventListener('change', function (ev) { err.textContent = ''; if (multi) keepApart(ev.target); limit(); });
    limit();
    form.appendChild(h('fieldset', null, [h('legend', { class: 'hint', id: 'hint', text: hint }), group, multi ? full : null]));
    return function () {
      var chosen = [];
      inputs.forEach(function (x, i) { if (x.checked) chosen.push(i); });
      if (!chosen.length) return { error: multi ? t('Choose at least one, or tap Pass.') : t('Choose one first, or tap Pass.') };
      if (chosen.length > max) return { error: t('Please choose at most %(n)s.', { n: max }) };
      return { value: multi ? chosen : chosen[0] };
    };
  }

  // scale: a segmented row of numbers, each a real radio button
  function scale(form, it, prefill, err) {
    var s = it.scale || { min: 0, max: 10 };
    var points = [];
    for (var v = s.min; v <= s.max; v++) points.push(v);
    // One row where there is room; on a narrow phone, up to six a row, so no number is under 44 px wide.
    var narrow = points.length > 6 ? Math.ceil(points.length / 2) : points.length;
    var row = h('div', { class: 'seg' + (points.length % narrow ? ' seg-odd' : '') });
    row.style.setProperty('--seg-columns', String(points.length));
    row.style.setProperty('--seg-narrow-columns', String(narrow));
    var picked = h('p', { class: 'picked', id: 'picked', 'aria-hidden': 'true' });
    var inputs = points.map(function (value) {
      var end = value === s.min ? s.min_label : value === s.max ? s.max_label : '';
      var input = h('input', { type: 'radio', name: 'scale', value: String(value), checked: prefill === value,
        'aria-label': end ? value + ', ' + end : null });
      row.appendChild(h('label', { 'data-value': String(value) }, [input, h('span', { text: String(value) })]));
      return input;
    });
    function echo() {
      var chosen = inputs.filter(function (x) { return x.checked; })[0];
      picked.textContent = '';
      if (chosen) picked.appendChild(h('span', null, around(t('You chose %(value)s'), 'value', h('strong', { text: chosen.value }))));
    }
    row.addEventListener('change', function () { err.textContent = ''; echo(); });
    echo();
    form.appendChild(h('fieldset', null, [
      h('legend', { class: 'hint', id: 'hint', text: t('Choose a number from %(min)s to %(max)s.', { min: s.min, max: s.max }) }),
      row,
      // Each end's number with its words ("0 · Not at all"), or the number alone where the deck gives
      // none; without words at either end the numbers above say it all, and the line is left out.
      s.min_label || s.max_label ? h('div', { class: 'ends', 'aria-hidden': 'true' }, [
        h('span', { text: s.min_label ? s.min + ' · ' + s.min_label : String(s.min) }),
        h('span', { text: s.max_label ? s.max_label + ' · ' + s.max : String(s.max) })
      ]) : null,
      picked
    ]));
    return function () {
      var chosen = inputs.filter(function (x) { return x.checked; })[0];
      if (!chosen) return { error: t('Choose a number first, or tap Pass.') };
      return { value: parseInt(chosen.value, 10) };
    };
  }

  // compass: a square field to tap or drag, and two labelled sliders that move the same dot
  function compass(form, it, prefill, err) {
    var a = it.axes || cfg.schema.default_axes;
    var xName = a.x, yName = a.y, low = a.low, high = a.high;
    var MAX = LIMITS.compass_max;
    // What he has chosen on each axis: a tap on the square chooses both, a slider only its own.
    var chosen = { x: null, y: null };

    var dot = h('div', { class: 'dot', id: 'compass-dot', hidden: true });
    var tip = h('div', { class: 'field-tip', text: t('Tap to place your dot') });
    var field = h('div', { class: 'field', id: 'compass-field', 'aria-hidden': 'true' }, [tip, dot]);
    // Until he moves one, a slider has no thumb and says "Not set yet", to the eye and to a screen
    // reader: its value sits in the middle only because it must sit somewhere, and is no answer of his.
    var unset = t('Not set yet');
    function slider(id, name) {
      return h('input', { class: 'range untouched', id: id, type: 'range', min: '0', max: String(MAX), step: '1',
        value: String(Math.round(MAX / 2)), 'aria-valuetext': unset,
        'aria-label': t('%(name)s you want tonight, from 0 (%(low)s) to %(max)s (%(high)s)', { name: name, low: low, max: MAX, high: high }) });
    }
    var axes = {
      x: { input: slider('compass-x', xName), out: h('span', { class: 'slider-value slider-unset', id: 'compass-x-value', 'aria-hidden': 'true', text: unset }) },
      y: { input: slider('compass-y', yName), out: h('span', { class: 'slider-value slider-unset', id: 'compass-y-value', 'aria-hidden': 'true', text: unset }) }
    };

    function choose(axis, value) {
      value = Math.max(0, Math.min(MAX, Math.round(value)));
      if (!isFinite(value)) return;
      var one = axes[axis];
      chosen[axis] = value;
      one.input.value = String(value);
      one.input.classList.remove('untouched');
      one.out.textContent = String(value);
      one.out.classList.remove('slider-unset');
      one.input.setAttribute('aria-valuetext', t('%(value)s of %(max)s', { value: value, max: MAX }));
    }
    // The dot stands where both are chosen; with one slider moved, the square waits for the other.
    function place() {
      var both = chosen.x != null && chosen.y != null;
      if (both) {
        dot.style.left = (chosen.x / MAX) * 100 + '%';
        dot.style.top = (1 - chosen.y / MAX) * 100 + '%';
      }
      dot.hidden = !both;
      tip.hidden = both;
      err.textContent = '';
    }
    function set(x, y) { choose('x', x); choose('y', y); place(); }
    function fromClient(cx, cy) {
      var r = field.getBoundingClientRect();
      if (!r.width || !r.height) return;
      set(((cx - r.left) / r.width) * MAX, (1 - (cy - r.top) / r.height) * MAX);
    }
    var dragging = false;
    if (window.PointerEvent) {
      field.addEventListener('pointerdown', function (e) {
        e.preventDefault();
        dragging = true;
        try { field.setPointerCapture(e.pointerId); } catch (x) { /* old browsers */ }
        fromClient(e.clientX, e.clientY);
      });
      field.addEventListener('pointermove', function (e) { if (dragging) fromClient(e.clientX, e.clientY); });
      field.addEventListener('pointerup', function () { dragging = false; });
      field.addEventListener('pointercancel', function () { dragging = false; });
    } else {
      var touch = function (e) {
        if (!e.touches || !e.touches[0]) return;
        e.preventDefault();
        fromClient(e.touches[0].clientX, e.touches[0].clientY);
      };
      field.addEventListener('touchstart', touch, { passive: false });
      field.addEventListener('touchmove', touch, { passive: false });
      field.addEventListener('mousedown', function (e) { dragging = true; fromClient(e.clientX, e.clientY); });
      window.addEventListener('mousemove', function (e) { if (dragging) fromClient(e.clientX, e.clientY); });
      window.addEventListener('mouseup', function () { dragging = false; });
    }
    ['x', 'y'].forEach(function (axis) {
      var input = axes[axis].input;
      // 'change' too: a tap or a key that leaves the value where it was (the middle) is his choice all the same.
      function moved() { choose(axis, parseInt(input.value, 10)); place(); }
      input.addEventListener('input', moved);
      input.addEventListener('change', moved);
      // A thumb he cannot see cannot be dragged, and iOS moves a slider only from its thumb: a first
      // tap on the track sets it where he tapped (Chromium does that by itself, before the click).
      // A tap, not a touch: a finger that scrolls the page over a slider sets nothing.
      input.addEventListener('click', function (e) {
        if (chosen[axis] != null || !e.clientX) return;
        var r = input.getBoundingClientRect(), thumb = parseFloat(getComputedStyle(document.documentElement).fontSize) * 2;
        if (r.width <= thumb) return;
        choose(axis, ((e.clientX - r.left - thumb / 2) / (r.width - thumb)) * MAX);
        place();
      });
    });

    form.appendChild(h('p', { class: 'hint', id: 'hint', text: t('Tap the square to place your dot. Drag to move it.') }));
    form.appendChild(h('div', { class: 'compass' }, [
      h('div', { class: 'axis-y', 'aria-hidden': 'true' }, [
        h('span', { class: 'axis-end', text: high }),
        h('span', { class: 'axis-name', text: yName + ' →' }),
        h('span', { class: 'axis-end', text: low })
      ]),
      h('div', { class: 'field-box' }, [field]),
      h('div', { class: 'axis-x', 'aria-hidden': 'true' }, [
        h('span', { text: low }),
        h('span', { class: 'axis-name', text: xName + ' →' }),
        h('span', { text: high })
      ])
    ]));
    form.appendChild(h('div', { class: 'sliders', role: 'group', 'aria-label': t('Or use two sliders') }, [
      h('div', { class: 'slider-row' }, [
        h('label', { for: 'compass-x' }, [h('span', { text: t('%(name)s I want', { name: xName }) }), axes.x.out]), axes.x.input
      ]),
      h('div', { class: 'slider-row' }, [
        h('label', { for: 'compass-y' }, [h('span', { text: t('%(name)s I want', { name: yName }) }), axes.y.out]), axes.y.input
      ])
    ]));
    if (prefill && typeof prefill.x === 'number') set(prefill.x, prefill.y);
    return function () {
      if (chosen.x == null && chosen.y == null) return { error: t('Tap the square to place your dot first, or tap Pass.') };
      if (chosen.x == null || chosen.y == null) {
        return { error: t('Move the other slider too, or tap the square, or tap Pass.') };
      }
      return { value: { x: chosen.x, y: chosen.y } };
    };
  }

  // Small numbers read as words in a sentence ("up to three"), as people say them.
  function numberWord(n) {
    // Translators: the numbers zero to ten as words, as in "up to three".
    var said = [t('zero'), t('one'), t('two'), t('three'), t('four'), t('five'), t('six'), t('seven'), t('eight'),
      t('nine'), t('ten')];
    return said[n] || String(n);
  }

  function countWords(s) { return s.trim() ? s.trim().split(/\s+/).length : 0; }

  // words: one short line
  function words(form, it, prefill, err) {
    var max = it.max_words || 1;
    var input = h('input', { class: 'text-input', id: 'words-input', type: 'text', maxlength: String(LIMITS.word_chars_max),
      autocomplete: 'off', autocapitalize: 'off', spellcheck: 'true', enterkeyhint: 'send',
      'aria-describedby': 'hint words-counter', value: typeof prefill === 'string' ? prefill : '' });
    var counter = h('p', { class: 'counter', id: 'words-counter' });
    function update() {
      var n = countWords(input.value);
      // Past the limit, "3 of 2 words" would read as a glitch: say how many it is and how many may be.
      counter.textContent = n > max
        ? nt('%(n)s words: just %(num)s word, please', '%(n)s words: at most %(num)s, please', max, { n: n })
        : nt('%(n)s of %(num)s word', '%(n)s of %(num)s words', max, { n: n });
      counter.classList.toggle('is-over', n > max);
      err.textContent = '';
    }
    input.addEventListener('input', update);
    update();
    form.appendChild(h('label', { class: 'hint', id: 'hint', for: 'words-input',
      text: max === 1 ? t('One word.') : t('Up to %(n)s words. Together they count as one answer.', { n: numberWord(max) }) }));
    form.appendChild(input);
    form.appendChild(counter);
    form.appendChild(h('p', { class: 'note', text: t("The facilitator sees the words but not who wrote them, and chooses which the room sees. Only those are kept after the meeting, with no name.") }));
    return function () {
      var value = input.value.trim().replace(/\s+/g, ' ');
      var n = countWords(value);
      if (!n) return { error: t('Type a word first, or tap Pass.') };
      if (n > max) return { error: t("That's %(n)s words. Please use at most %(max)s.", { n: n, max: max }) };
      return { value: value };
    };
  }

  // text: a short sentence
  function text(form, it, prefill, err) {
    var LIMIT = LIMITS.text_max;
    var area = h('textarea', { class: 'text-input', id: 'text-input', maxlength: String(LIMIT), rows: '4',
      autocomplete: 'off', 'aria-describedby': 'hint text-counter' });
    area.value = typeof prefill === 'string' ? prefill : '';
    var counter = h('p', { class: 'counter', id: 'text-counter' });
    function update() {
      counter.textContent = nt('%(num)s character left', '%(num)s characters left', LIMIT - area.value.length);
      err.textContent = '';
    }
    area.addEventListener('input', update);
    update();
    form.appendChild(h('label', { class: 'hint', id: 'hint', for: 'text-input', text: t('A sentence or two, up to %(n)s characters.', { n: LIMIT }) }));
    form.appendChild(area);
    form.appendChild(counter);
    form.appendChild(h('p', { class: 'note', text: t("The facilitator sees the sentences but not who wrote them, and chooses which the room sees, in mixed order. Only those are kept after the meeting, with no name.") }));
    return function () {
      var value = area.value.trim();
      if (!value) return { error: t('Write something first, or tap Pass.') };
      if (value.length > LIMIT) return { error: t('Please keep it to %(n)s characters.', { n: LIMIT }) };
      return { value: value };
    };
  }

  // ---- help: the facilitator's help lines, already in the page ------------------------------
  // Opening Help is a <details> in the page: nothing is sent, so nobody learns who looked.

  function showHelp(lines) {
    var boxes = document.querySelectorAll('.help-lines');
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      while (box.firstChild) box.removeChild(box.firstChild);
      if (!lines.length) { box.appendChild(h('p', { class: 'help-none', text: cfg.no_help })); continue; }
      box.appendChild(h('ul', { class: 'help-list' }, lines.map(function (line) {
        var contact = line.dial
          ? h('a', { class: 'help-contact', href: line.dial, text: line.contact })
          : h('span', { class: 'help-contact', text: line.contact });
        return h('li', null, [h('span', { class: 'help-label', text: line.label }), ' ', contact]);
      })));
    }
  }

  // ---- "I'd like a word after" --------------------------------------------------------------

  var wordAfter = false;
  function setWordAfter(wants, said) {
    wordAfter = wants;
    $('word-after-btn').textContent = wants ? t('Take back my request for a word') : t("I'd like a word after");
    $('word-after-status').textContent = wants
      ? t('Sent. Find the facilitator at the break, or when the meeting ends. He knows only that someone asked.')
      : said ? t('Taken back. Nothing of it is kept.') : '';
    if (said) announce($('word-after-status').textContent);
  }
  $('word-after-btn').addEventListener('click', function () {
    if (!socket || !socket.connected) { $('word-after-status').textContent = t("You're not connected right now. Try again in a moment."); return; }
    var want = !wordAfter;
    socket.timeout(TIMEOUT).emit(EV.WORD_AFTER, { want: want }, function (e, res) {
      if (e) { $('word-after-status').textContent = t('No reply from the laptop. Please try again.'); return; }
      if (!res || !res.ok) { $('word-after-status').textContent = (res && res.error) || t("That didn't work. Please try again."); return; }
      setWordAfter(res.word_after === true, true);
    });
  });

  // ---- menu: take back my answers, leave -------------------------------------------------

  // "Take back my answers" only while there is something of his to take back: an answer or a pass
  // given here, or one the phone holds until the laptop is back. Gone, the menu's result line takes
  // the focus, so a screen reader says what happened and the keyboard stays in the menu.
  function showWithdraw() {
    var button = $('withdraw-btn');
    var hide = !(state.withdrawable || state.waiting);
    if (button.hidden === hide) return;
    var focused = document.activeElement === button;
    button.hidden = hide;
    if (hide && focused) $('menu-result').focus();
  }

  var pendingConfirm = null;
  var askedBy = null;
  var menuTimer = null;
  function ask(question, yes, no, action, opener) {
    pendingConfirm = action;
    askedBy = opener;
    $('confirm-text').textContent = question;
    $('confirm-yes').textContent = yes;
    $('confirm-no').textContent = no;
    $('menu-buttons').hidden = true;
    $('menu-result').textContent = '';
    $('confirm').hidden = false;
    $('confirm-no').focus();
  }
  function closeConfirm(refocus) {
    pendingConfirm = null;
    $('confirm').hidden = true;
    $('menu-buttons').hidden = false;
    if (refocus) $(refocus).focus();
  }
  $('confirm-no').addEventListener('click', function () { closeConfirm(askedBy); });
  $('confirm-yes').addEventListener('click', function () {
    var action = pendingConfirm;
    closeConfirm();
    if (action) action();
  });

  $('withdraw-btn').addEventListener('click', function () {
    ask(t("Take back your answers to questions not yet revealed? Answers stay where a question has been revealed, even with too few answers to show, or where its written answers have reached the facilitator."),
      t('Take them back'), t('Keep them'), withdraw, 'withdraw-btn');
  });
  $('leave-btn').addEventListener('click', function () {
    // With nothing to take back, no word of a button that is not there.
    var question = !$('withdraw-btn').hidden
      ? t('Leave the meeting? Your answers so far stay in, anonymously, and so does a request for a word after. To remove your answers, use “Take back my answers” first.')
      : wordAfter ? t('Leave the meeting? Your request for a word after stays in. You can join again any time.')
      : t('Leave the meeting? You can join again any time.');
    ask(question, t('Leave'), t('Stay'), leave, 'leave-btn');
  });

  function withdraw() {
    var out = $('menu-result');
    $('withdraw-btn').focus();
    // An answer held while the laptop was out of reach must not arrive after he asked to take his answers back.
    var held = state.waiting;
    state.waiting = null;
    if (held) {
      var err = $('answer-error');
      if (err) err.textContent = '';
    }
    showWithdraw();
    if (!socket || !socket.connected) {
      out.textContent = held
        ? t("The answer your phone was holding will not be sent. You're not connected right now: try again in a moment to take back the answers already sent.")
        : t("You're not connected right now. Try again in a moment.");
      return;
    }
    out.textContent = t('Taking your answers back…');
    socket.timeout(TIMEOUT).emit(EV.WITHDRAW, {}, function (e, res) {
      if (e) { out.textContent = t('No reply from the laptop. Please try again.'); return; }
      if (!res || !res.ok) { out.textContent = (res && res.error) || t("That didn't work. Please try again."); return; }
      var n = res.withdrawn || 0, kept = res.kept || 0, said = [];
      clearTimeout(menuTimer);
      // What stays is worth reading at his own pace: that line is not cleared by itself.
      if (!kept) menuTimer = setTimeout(function () { out.textContent = ''; }, 10000);
      var keptIds = res.kept_items || [];  // the polls where his answer stays: their ids, never the answers
      if (n) said.push(nt('Done. %(num)s answer taken back.', 'Done. %(num)s answers taken back.', n));
      if (kept) {
        said.push(nt('%(num)s answer stays: the room or the facilitator may already have seen the answers to its question. It carries no name.',
          '%(num)s answers stay: the room or the facilitator may already have seen the answers to their questions. They carry no name.', kept));
      }
      out.textContent = said.length ? said.join(' ') : t('There was nothing to take back.');
      // Forget what was taken back; the server says which polls keep an answer of his.
      var it = state.item, before = state.mineById, has = Object.prototype.hasOwnProperty;
      state.mineById = {};
      if (it && it.state === 'revealed' && has.call(before, it.id)) state.mineById[it.id] = before[it.id];
      state.kept = {};
      keptIds.forEach(function (id) {
        state.kept[id] = true;
        if (has.call(before, id)) state.mineById[id] = before[id];
      });
      setWithdrawable(false);  // what is left (shown results, read writings) cannot be taken back; sync confirms
      state.takenBack = it && it.state === 'open' && has.call(before, it.id) && !has.call(state.mineById, it.id) ? it.id : null;
      if (it) render();
      resync();
    });
  }

  function leave() {
    state.left = true;
    state.drafts = {};
    state.draftFor = null;
    forgetEverything();
    state.waiting = null;  // an answer held while the laptop was out of reach goes nowhere now
    state.kept = {};
    state.takenBack = null;
    state.mineById = {};
    state.item = null;
    state.viewKey = '';
    state.joined = false;
    state.seenItem = false;
    setConn('');
    if (socket) socket.disconnect();
    $('menu').hidden = true;
    $('menu-result').textContent = '';
    setWordAfter(false, false);
    $('left-notice').hidden = false;
    show('agreements', $('agreements-heading'));
    announce(t("You've left the meeting."));
  }

  // ---- start -----------------------------------------------------------------------------

  // The evening editor's preview (/facilitator/evenings/preview): no connection, no token; it draws
  // whatever item its own page (same origin only) posts to it, as a phone would show it.
  if (cfg.preview) {
    window.addEventListener('message', function (e) {
      if (e.origin !== window.location.origin || !e.data || e.data.fireside !== 'preview') return;
      state.mineById = {};
      state.viewKey = '';
      // Drawn without taking the focus: the facilitator is typing in the editor around this frame.
      var focus = HTMLElement.prototype.focus;
      HTMLElement.prototype.focus = function () {};
      try { setItem(e.data.item); } finally { HTMLElement.prototype.focus = focus; }
    });
    return;
  }
  showWithdraw();
  $('join-btn').addEventListener('click', connect);
  $('retry-btn').addEventListener('click', connect);
  if (state.token) connect();
})();
