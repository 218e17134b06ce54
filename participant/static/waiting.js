/* Fireside, a phone that came before the meeting started: it asks the laptop every few seconds
   whether the meeting has begun, and opens it by itself when it has (docs/protocol.md, "Waiting
   for the meeting"). Plain ES2017, no modules; needs the page's config block, and common.js for its sentences. */
(function () {
  'use strict';

  var F = window.Fireside;
  var config = F.config, t = F.t;
  var ticket = config.waiting;
  if (!ticket) return;
  var EVERY = 3000;  // a room of twenty phones asks about seven times a second: nothing for the laptop
  var timer = null;
  var asking = false;

  function say(text) {
    var line = document.getElementById('early-detail');
    if (line.textContent !== text) line.textContent = text;
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, EVERY);
  }

  function ask() {
    if (asking) return;
    asking = true;
    var request = new XMLHttpRequest();
    request.open('GET', '/waiting/' + encodeURIComponent(ticket));
    request.timeout = 10000;
    request.onload = function () {
      asking = false;
      var answer = null;
      try { answer = JSON.parse(request.responseText); } catch (e) { /* not Fireside's answer */ }
      if (request.status === 200 && answer && answer.code) {
        window.location.replace('/j/' + encodeURIComponent(answer.code));
      } else if (request.status === 410) {
        window.location.replace('/');  // the laptop restarted, or that meeting already ended: ask afresh
      } else {
        say(t('No app, no account, no name. Your answers stay anonymous.'));
        later();
      }
    };
    request.onerror = request.ontimeout = function () {
      asking = false;
      say(t('Still trying to reach the laptop in this room. Make sure your phone is on the same Wi-Fi as the room.'));
      later();
    };
    request.send();
  }

  // A phone that wakes up asks at once rather than at the next tick.
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') ask();
  });
  later();
}());
