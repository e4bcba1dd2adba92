// Live Markdown preview in the editor: a progressive extra. Without JavaScript the Preview
// button does the same through the server. The CSP allows only this file, no inline script.
(function () {
  var body = document.getElementById('body');
  var preview = document.getElementById('preview');
  var csrf = document.getElementById('csrf');
  if (!body || !preview || !csrf || !window.fetch) return;
  var timer = null;
  function refresh() {
    var data = new URLSearchParams();
    data.set('_csrf', csrf.value);
    data.set('body', body.value);
    fetch('/admin/preview', { method: 'POST', body: data, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { preview.innerHTML = html; })
      .catch(function () { /* the Preview button still works */ });
  }
  body.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  refresh();
})();
