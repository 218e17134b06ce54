/* Fireside — the projector view. Plain ES2017, no build step.
 *
 * Listens to `screen` (the meeting and the item on the phones) and `count` (live numbers),
 * as described in docs/protocol.md. Shows only what the whole room may see.
 */
(function () {
  'use strict';

  var F = window.Fireside;
  var $ = F.$, h = F.h, t = F.t, nt = F.nt;
  var config = F.config;
  var E = config.events;

  var state = null;        // the last `screen` payload
  var phones = null;       // from `count`
  var qrCode = null;       // the join address the QR images were loaded for
  var qrVersion = 0;       // a new address, a new image URL: the browser fetches it afresh
  var resultKey = '';      // the chart is drawn again only when the result changes

  var auth = { view: config.view };
  if (config.key) auth.key = config.key;
  var socket = io(config.namespace, { auth: auth });

  /* ---- connection ------------------------------------------------------------------- */

  var setConn = F.conn;
  socket.on('connect', function () { setConn(''); });
  socket.on('disconnect', function () { setConn(t('Reconnecting…')); });
  socket.on('connect_error', function () {
    setConn(t('Waiting for Fireside…'));
  });

  socket.on(E.SCREEN, function (payload) {
    state = payload || {};
    render();
  });

  socket.on(E.LANGUAGE, function (p) { if (p && p.language !== F.language) window.location.reload(); });
  socket.on(E.COUNT, function (payload) {
    if (!payload) return;
    if (typeof payload.phones === 'number') {
      phones = payload.phones;
      renderHere();
    }
    var item = state && state.item;
    if (item && String(item.id) === String(payload.item_id) && typeof payload.answered === 'number') {
      item.answered = payload.answered;
      renderStatus(item);
    }
  });

  /* ---- rendering -------------------------------------------------------------------- */

  function show(view) {
    ['connecting', 'idle', 'ended', 'join', 'item'].forEach(function (name) {
      $('view-' + name).hidden = name !== view;
    });
    $('stage').dataset.view = view;
    document.body.classList.remove('is-connecting');
  }

  // The help lines the facilitator set, under "The meeting has ended" (numbers are only read here).
  function renderHelp(lines) {
    var list = $('ended-help-list');
    list.textContent = '';
    lines.forEach(function (line) {
      list.appendChild(h('li', {}, [h('span', { class: 'ended-help-label', text: line.label }), ' ',
        h('span', { class: 'ended-help-contact', text: line.contact })]));
    });
    $('ended-help').hidden = lines.length === 0;
  }

  function render() {
    var meeting = state && state.meeting;
    var item = state && state.item;
    if (!meeting) {
      show(state.ended ? 'ended' : 'idle');
      renderHelp(state.ended ? state.help || [] : []);
      renderWifi('idle');
      $('corner').hidden = true;
      resultKey = '';
      return;
    }
    loadQr(meeting.code, meeting.join_url);
    // No join address: the laptop is on no network yet, so no code or QR would let anyone in.
    var reachable = !!meeting.join_url;
    $('view-join').classList.toggle('unreachable', !reachable);
    $('join-waiting').hidden = reachable;
    $('view-join').setAttribute('aria-labelledby', reachable ? 'join-title' : 'join-waiting');
    if (!item) {
      show('join');
      renderWifi('join');
      $('corner').hidden = true;
      $('join-meeting-title').textContent = meeting.title || '';
      $('join-meeting-title').hidden = !meeting.title;
      $('join-code').textContent = meeting.code || '';
      $('join-code').setAttribute('aria-label', t('Code %(code)s', { code: (meeting.code || '').split('').join(' ') }));
      $('join-url').textContent = baseAddress(meeting.join_url || '');
      renderHere();
      resultKey = '';
      return;
    }
    show('item');
    $('corner').hidden = !reachable;
    renderCornerWifi();
    $('corner-code').textContent = meeting.code || '';
    renderItem(item);
  }

  // Drawn again for a new code, and for a new address of the same code (the laptop moved network).
  function loadQr(code, joinUrl) {
    if (!joinUrl || joinUrl === qrCode) return;
    qrCode = joinUrl;
    qrVersion += 1;
    var src = config.qr_url + '?code=' + encodeURIComponent(code || '') + '&v=' + qrVersion;
    if (config.key) src += '&key=' + encodeURIComponent(config.key);
    $('join-qr').src = src;
    $('corner-qr').src = src;
  }

  // `fireside --wifi`: the room's network comes first, as step 1 (its QR code is the standard Wi-Fi one).
  // Before the meeting starts, men who arrive early can already join it: the step waits on the idle view.
  function renderWifi(view) {
    var wifi = config.wifi;
    var step = $('wifi-step');
    var home = $('view-' + view);
    if (step.parentNode !== home) {
      if (view === 'join') home.insertBefore(step, home.firstChild);
      else home.appendChild(step);
    }
    home.classList.toggle('has-wifi', !!wifi);
    $('wifi-step').hidden = !wifi;
    $('join-step').hidden = !wifi;
    if (!wifi) return;
    var src = wifi.qr_url + (config.key ? '?key=' + encodeURIComponent(config.key) : '');
    if ($('wifi-qr').getAttribute('src') !== src) $('wifi-qr').src = src;
    $('wifi-qr').alt = t('QR code to join the Wi-Fi %(name)s', { name: wifi.name });
    $('wifi-name').textContent = wifi.name;
    $('wifi-password').textContent = wifi.password || '';
    $('wifi-password-line').hidden = !wifi.password;
    $('wifi-open').hidden = !!wifi.password;
  }

  // Latecomers need the Wi-Fi too: while an item is up, its small QR code sits above the join one.
  function renderCornerWifi() {
    var wifi = config.wifi;
    $('corner-wifi').hidden = !wifi;
    if (!wifi) return;
    var src = wifi.qr_url + (config.key ? '?key=' + encodeURIComponent(config.key) : '');
    if ($('corner-wifi-qr').getAttribute('src') !== src) $('corner-wifi-qr').src = src;
  }

  // Typed by hand on a phone: the server's address without scheme or path; its start page asks for the code.
  function baseAddress(url) {
    return url.replace(/^https?:\/\//, '').replace(/\/j\/[^/]*$/, '').replace(/\/$/, '');
  }

  function renderHere() {
    var el = $('join-here');
    if (phones === null || !state || !state.meeting) { el.textContent = ''; return; }
    el.textContent = phones === 0 ? '' : nt('%(num)s phone here', '%(num)s phones here', phones);
  }

  function sizeClass(text) {
    var n = (text || '').length;
    if (n <= 50) return 'len-s';
    if (n <= 100) return 'len-m';
    if (n <= 170) return 'len-l';
    return 'len-xl';
  }

  function renderItem(item) {
    var isPoll = item.kind !== 'discussion';
    var revealed = item.state === 'revealed';
    var hidden = revealed && item.result && item.result.shown === false;
    // Live mode: an open poll may carry a picture, redrawn only every k answers by the server.
    var live = !revealed && item.state === 'open' && item.result && item.result.live && item.result.shown !== false;
    var picture = (revealed && !hidden && !!item.result) || !!live;
    var view = $('view-item');
    view.dataset.kind = item.kind;
    view.dataset.state = item.state;
    view.classList.toggle('is-revealed', picture);
    if (!picture) delete view.dataset.layout;

    var kicker = !isPoll ? ''  // a discussion item, a break or the agreements: the prompt speaks for itself
      : hidden ? t('Not enough answers')
      : revealed ? t('What the room said')
      : live ? t('So far — answer on your phone, or pass')
      : item.state === 'open' ? t('Answer on your phone — or pass')
      : '';
    $('item-kicker').textContent = kicker;
    $('item-kicker').hidden = !kicker;

    var prompt = $('item-prompt');
    prompt.textContent = item.prompt || '';
    prompt.className = 'item-prompt ' + sizeClass(item.prompt);

    renderStatus(item);

    var box = $('item-result');
    var key = picture ? JSON.stringify([item.id, item.result]) : '';
    box.hidden = !key;
    if (key !== resultKey) {
      resultKey = key;
      box.textContent = '';
      if (key) drawResult(box, item);
    }
    // No picture, no picture's line: never the last poll's "6 answered" under this one.
    if (!key) setCaption('');
  }

  function renderStatus(item) {
    var el = $('item-status');
    var n = item.answered || 0;
    var text = '';
    if (item.kind !== 'discussion') {
      // The live count is everyone who responded, passes too: "answered" never counts a pass.
      if (item.state === 'open') text = nt('%(num)s responded', '%(num)s responded', n);
      else if (item.state === 'closed') text = nt('Answers are closed · %(num)s responded', 'Answers are closed · %(num)s responded', n);
      else if (item.state === 'revealed' && item.result && item.result.shown === false) {
        text = t('Fewer than %(floor)s men answered, so the result stays private.', { floor: item.result.floor });
      }
    }
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle('is-note', item.state !== 'open');
    el.hidden = !text;
  }

  // Where a picture goes, in the order tried: 'side' (the question on the left, the picture beside it),
  // 'top' (the question above, the picture across the whole width), 'top cols' (its bars in two
  // columns too). The first where the picture's words keep the smallest size read from the back of
  // the room (--fs-min) is the one shown; where none does, the one that keeps them largest. A 4:3
  // projector has the height for a long list of options beside the question; a 16:9 one has the width.
  var LAYOUTS = {
    choice: ['side', 'top', 'top cols'],
    multi: ['side', 'top', 'top cols'],
    scale: ['side', 'top'],
    words: ['side', 'top'],
    compass: ['top'],
    text: ['top']
  };

  function drawResult(container, item) {
    if (item.result && item.result.shown === false) return;
    var view = $('view-item');
    var layouts = LAYOUTS[item.kind] || ['side'];
    var best = null;
    for (var i = 0; i < layouts.length; i++) {
      view.dataset.layout = layouts[i];
      var fit = drawIn(container, item);
      // ...and the question and its lines beside it fit the screen too (the view itself does not grow).
      if (view.scrollHeight > view.clientHeight + 1) fit = { size: fit.size * 0.9, held: false };
      if (fit.held) return;
      if (!best || fit.size > best.size + 0.05) best = { layout: layouts[i], size: fit.size };
    }
    if (view.dataset.layout !== best.layout) {
      view.dataset.layout = best.layout;
      drawIn(container, item);
    }
  }

  // The picture drawn at its full size in the layout the view has now, then made to fit. results.js
  // sets a picture out for a projector (the compass's counts beside its square, sentences closer set)
  // only in a box at least 1.3 times as wide as tall: a projector's always is while it draws, and then
  // gets its height back. (Under a short question on a 4:3 screen it is a little less, and the
  // compass's square, as wide as it could be, ran off the bottom of the screen.)
  function drawIn(container, item) {
    container.textContent = '';
    container.style.fontSize = '';
    container.style.height = '';
    if (container.clientWidth < 1.3 * container.clientHeight) {
      container.style.height = Math.floor(container.clientWidth / 1.3) + 'px';
    }
    var drawn = false;
    if (window.FiresideResults && typeof window.FiresideResults.render === 'function') {
      try {
        window.FiresideResults.render(container, item);
        drawn = true;
      } catch (e) {
        container.textContent = '';
      }
    }
    if (!drawn) container.appendChild(plainResult(item));
    container.style.height = '';
    takeCaption(container);
    return fitResult(container);
  }

  // "6 answered · 1 passed" moves from under the picture to its own line under the question, which
  // has the room for it: the picture keeps the height. The same words, only elsewhere.
  function takeCaption(container) {
    var caption = container.querySelector('.fs-caption');
    setCaption(caption ? caption.textContent : '');
    if (caption) caption.parentNode.removeChild(caption);
  }

  function setCaption(text) {
    var line = $('item-caption');
    if (line.textContent !== text) line.textContent = text;
    line.hidden = !text;
  }

  // The smallest type read from the back of the room (screen.css, --fs-min), in px at this size.
  function leastSize() {
    var probe = h('span', { 'aria-hidden': 'true' });
    probe.style.fontSize = 'var(--fs-min, 0px)';
    document.body.appendChild(probe);
    var size = parseFloat(window.getComputedStyle(probe).fontSize) || 0;
    document.body.removeChild(probe);
    return size;
  }

  // Many options or long sentences: shrink the picture's type until it fits the screen, in small
  // steps, and first only down to the smallest size read from the back of the room; below it only
  // when the words would otherwise be cut off (the quieter lines stay there: results.js, atLeast).
  // Returns the size it came to, and whether the words held the smallest size there.
  function fitResult(container) {
    var size = parseFloat(window.getComputedStyle(container).fontSize) || 32;
    var least = Math.min(size, leastSize());
    var floor = size * 0.45;
    var over = function () { return container.scrollHeight > container.clientHeight; };  // whole px: no slack
    for (var i = 0; i < 40 && over() && size > floor; i++) {
      var next = size * 0.95;
      if (size > least && next < least) next = least;
      size = Math.max(next, floor);
      container.style.fontSize = size.toFixed(1) + 'px';
    }
    return { size: size, held: size >= least - 0.05 && !over() };
  }

  // A window moved to the projector, or made full screen: the picture is laid out again for its new shape.
  window.addEventListener('resize', function () {
    var box = $('item-result');
    var item = state && state.item;
    if (!box.hidden && box.firstChild && item) drawResult(box, item);
  });

  /* A plain picture of a result, if the shared chart renderer is not available. */
  function plainResult(item) {
    var r = item.result || {};
    var list = h('ul', { class: 'plain-result' });
    function row(label, n) {
      list.appendChild(h('li', null, [h('span', { text: label }), n !== undefined ? h('b', { text: String(n) }) : null]));
    }
    if (r.counts && item.options) item.options.forEach(function (o, i) { row(o, r.counts[i] || 0); });
    else if (r.counts && item.scale) r.counts.forEach(function (n, i) { row(String(item.scale.min + i), n); });
    else if (r.quadrants) Object.keys(r.quadrants).forEach(function (q) { row(q, r.quadrants[q]); });
    else if (r.words) r.words.forEach(function (w) { row(w.word, w.count); });
    else if (r.texts) r.texts.forEach(function (t) { row(t); });
    return list;
  }

  /* ---- the laptop's pointer and full screen ----------------------------------------- */

  var idleTimer = null;
  var fsButton = $('fullscreen');
  function pointerMoved() {
    document.body.classList.remove('pointer-idle');
    fsButton.hidden = !document.fullscreenEnabled || !!document.fullscreenElement;
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(function () {
      document.body.classList.add('pointer-idle');
      if (document.activeElement !== fsButton) fsButton.hidden = true;
    }, 2500);
  }
  document.addEventListener('mousemove', pointerMoved);
  fsButton.addEventListener('click', function () {
    var el = document.documentElement;
    if (el.requestFullscreen) el.requestFullscreen().catch(function () {});
    fsButton.hidden = true;
  });
  document.addEventListener('keydown', function (ev) {
    if ((ev.key === 'f' || ev.key === 'F') && !ev.ctrlKey && !ev.metaKey && !ev.altKey && document.fullscreenEnabled) {
      if (document.fullscreenElement) document.exitFullscreen().catch(function () {});
      else document.documentElement.requestFullscreen().catch(function () {});
    }
  });
}());
