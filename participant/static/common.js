/* Fireside, what the phone, the console and the projector share: the page's config block, building
   elements, plurals, screen-reader announcements and the connection line. Plain ES2017, no modules;
   each page loads it before its own script, which finds it as window.Fireside. */
(function (root) {
  'use strict';

  // Event names, kinds and limits come from the server (facilitator/events.py, prompts/schema.py).
  var config = JSON.parse(document.getElementById('fireside-config').textContent);

  function $(id) { return document.getElementById(id); }

  // h('p', {class: 'x', text: 'hi', onclick: fn, 'aria-label': '…'}, [children])
  function h(tag, props, kids) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        var v = props[k];
        if (v == null || v === false) return;
        if (k === 'text') node.textContent = String(v);
        else if (k === 'class') node.className = v;
        else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), v);
        else if (k === 'value' || k === 'checked') node[k] = v;
        else node.setAttribute(k, v === true ? '' : String(v));
      });
    }
    (kids || []).forEach(function (kid) {
      if (kid == null || kid === false) return;
      node.appendChild(typeof kid === 'string' ? document.createTextNode(kid) : kid);
    });
    return node;
  }

  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }

  // An announce(text) for the page's #announcer live region. The region is emptied first, so the
  // same sentence twice is read twice; gap (ms) is the least time between two announcements, so
  // live counts never chatter; the latest sentence wins.
  function announcer(gap) {
    var timer = null, pending = '', last = -Infinity;
    return function announce(text) {
      pending = text;
      if (timer) return;
      var region = $('announcer');
      region.textContent = '';
      timer = setTimeout(function () {
        timer = null;
        last = Date.now();
        region.textContent = pending;
      }, Math.max(60, last + (gap || 0) - Date.now()));
    };
  }

  // The #conn line says what the connection is doing; empty text hides it. With a delay, a blip
  // shorter than that (a reconnect that succeeds at once) shows nothing.
  var connTimer = null;
  function conn(text, delay) {
    clearTimeout(connTimer);
    var line = $('conn');
    if (!text) { line.hidden = true; line.textContent = ''; return; }
    connTimer = setTimeout(function () { line.textContent = text; line.hidden = false; }, delay || 0);
  }

  root.Fireside = { config: config, $: $, h: h, plural: plural, announcer: announcer, conn: conn };
}(window));
