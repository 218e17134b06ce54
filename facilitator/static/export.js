/* Fireside — the summary page served by Fireside: a Print button (the page prints without it too). */
(function () {
  'use strict';
  var button = document.getElementById('print');
  if (!button || typeof window.print !== 'function') return;
  button.hidden = false;
  button.addEventListener('click', function () { window.print(); });
}());
