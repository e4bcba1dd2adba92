// The post page every reader gets is the same (the server keeps it ready-made); the comment
// and password forms' tokens are each reader's own, so a form that came without one asks for
// it here. Without JavaScript the form still works: the server answers the first send with
// the comment kept and a token, and the second send goes through.
(function () {
  "use strict";
  var asked = {};
  document.querySelectorAll('input[name="_token"][data-token-for]').forEach(function (field) {
    if (field.value) return;
    var post = field.getAttribute("data-token-for");
    if (!asked[post]) {
      asked[post] = fetch("/comments/token?post=" + encodeURIComponent(post), { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .catch(function () { return null; });
    }
    asked[post].then(function (answer) {
      if (answer && answer.token) field.value = answer.token;
    });
  });
})();
