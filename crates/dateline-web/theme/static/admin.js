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

// The Publish button says "Schedule" while the date is in the future, as WordPress's does.
// (The server decides by the site's time zone; this reads the browser's, near enough.)
(function () {
  var date = document.getElementById('date');
  var publish = document.querySelector('button[name=action][value=publish]');
  if (!date || !publish) return;
  function label() {
    var when = date.value ? new Date(date.value) : null;
    publish.textContent = when && when.getTime() > Date.now() ? 'Schedule' : 'Publish';
  }
  date.addEventListener('input', label);
  date.addEventListener('change', label);
  label();
})();

// The quote counter: what the post quotes (excerpt and block quotes) against the site's limit,
// counted by the server as the save counts it. Without JavaScript the line shows the count when
// the page was made, and the save refuses a post over the limit all the same.
(function () {
  var counter = document.getElementById('quote-counter');
  var alert = document.getElementById('quote-alert');
  var csrf = document.getElementById('csrf');
  var fields = ['body', 'source_excerpt', 'source_words'].map(function (id) { return document.getElementById(id); });
  if (!counter || !csrf || !window.fetch || fields.some(function (f) { return !f; })) return;
  var timer = null;
  var wasOver = counter.classList.contains('over');
  function refresh() {
    var data = new URLSearchParams();
    data.set('_csrf', csrf.value);
    data.set('body', fields[0].value);
    data.set('source_excerpt', fields[1].value);
    data.set('source_words', fields[2].value);
    data.set('format', counter.getAttribute('data-format') || 'markdown');
    fetch('/admin/quote', { method: 'POST', body: data, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (m) {
        counter.textContent = m.summary + (m.over ? ' — over the limit' : '');
        counter.classList.toggle('over', m.over);
        // Said once when the post crosses the limit, not at every pause in typing.
        if (alert && m.over !== wasOver) alert.textContent = m.over ? 'Over the quote limit: ' + m.summary : 'Within the quote limit.';
        wasOver = m.over;
      })
      .catch(function () { /* the line keeps its last count; the save still checks */ });
  }
  fields.forEach(function (f) {
    f.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
  });
})();

// The Media page: files dropped anywhere on the upload form are uploaded at once (the file
// picker works without this).
(function () {
  var form = document.querySelector('form[data-drop]');
  if (!form) return;
  var input = form.querySelector('input[type=file]');
  ['dragenter', 'dragover'].forEach(function (name) {
    form.addEventListener(name, function (e) { e.preventDefault(); form.classList.add('dragging'); });
  });
  form.addEventListener('dragleave', function () { form.classList.remove('dragging'); });
  form.addEventListener('drop', function (e) {
    e.preventDefault();
    form.classList.remove('dragging');
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    input.files = e.dataTransfer.files;
    form.submit();
  });
})();

// The editor: an image pasted into the commentary, or dropped onto it, is uploaded to the media
// library through the Media page's form (the same CSRF token and checks) and put in at the
// cursor, as Markdown (or an <img> in an HTML post), with the cursor where its alt text goes.
// A placeholder marks the place while it uploads, so typing on meanwhile loses nothing.
(function () {
  var body = document.getElementById('body');
  var csrf = document.getElementById('csrf');
  var status = document.getElementById('upload-status');
  var action = body && body.getAttribute('data-upload');
  if (!body || !csrf || !action || !window.fetch || !window.FormData) return;
  var html = body.getAttribute('data-format') === 'html';
  var count = 0;
  var queue = Promise.resolve();
  function say(text) { if (status) status.textContent = text; }
  function images(list) {
    return Array.prototype.filter.call(list || [], function (f) { return /^image\//.test(f.type); });
  }
  function changed() { body.dispatchEvent(new Event('input', { bubbles: true })); }
  function markup(item) {
    if (!html) return { text: '![](' + item.url + ')', caret: 2 };
    var size = item.width ? ' width="' + item.width + '" height="' + item.height + '"' : '';
    return { text: '<img src="' + item.url + '" alt=""' + size + '>', caret: 10 + item.url.length + 7 };
  }
  function send(file, placeholder) {
    var data = new FormData();
    data.append('_csrf', csrf.value);
    data.append('file', file, file.name || 'pasted-image.png');
    return fetch(action, { method: 'POST', body: data, credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        var type = r.headers.get('content-type') || '';
        var answer = type.indexOf('application/json') === 0 ? r.json() : Promise.resolve({});
        return answer.then(function (json) {
          if (!r.ok) throw new Error(json.message || 'The image was not uploaded (the server answered ' + r.status + ').');
          return json[0];
        });
      })
      .then(function (item) {
        var at = body.value.indexOf(placeholder);
        var end = at + placeholder.length;
        // The placeholder was deleted meanwhile: the image goes where the cursor is.
        if (at < 0) { at = body.selectionStart; end = body.selectionEnd; }
        var put = markup(item);
        body.setRangeText(put.text, at, end, 'end');
        body.focus();
        body.setSelectionRange(at + put.caret, at + put.caret);
        changed();
        say('Uploaded ' + (file.name || 'the image') + '. Type its alt text where the cursor is.');
      })
      .catch(function (err) {
        var at = body.value.indexOf(placeholder);
        if (at >= 0) body.setRangeText('', at, at + placeholder.length, 'end');
        changed();
        say(err && err.message ? err.message : 'The image was not uploaded. Try again, or use the Media page.');
      });
  }
  function upload(files) {
    files.forEach(function (file) {
      count += 1;
      var placeholder = html ? '<!-- uploading image ' + count + '… -->' : '![uploading image ' + count + '…]()';
      body.setRangeText(placeholder, body.selectionStart, body.selectionEnd, 'end');
      say('Uploading ' + (file.name || 'the image') + '…');
      // One at a time, in the order given (each takes a turn of the hourly allowance).
      queue = queue.then(function () { return send(file, placeholder); });
    });
  }
  body.addEventListener('paste', function (e) {
    var files = images(e.clipboardData && e.clipboardData.files);
    if (!files.length) return;
    e.preventDefault();
    upload(files);
  });
  body.addEventListener('dragover', function (e) {
    if (e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types || [], 'Files') >= 0) {
      e.preventDefault();
      body.classList.add('dragging');
    }
  });
  body.addEventListener('dragleave', function () { body.classList.remove('dragging'); });
  body.addEventListener('drop', function (e) {
    body.classList.remove('dragging');
    var files = images(e.dataTransfer && e.dataTransfer.files);
    if (!files.length) return;
    e.preventDefault();
    upload(files);
  });
})();
