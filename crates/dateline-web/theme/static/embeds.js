// Embeds, privacy first: a card (title, author, a thumbnail served by this site) stands for a
// video or a post until the reader clicks it; only then is the provider's player framed, from
// the address the server derived (youtube-nocookie for YouTube), the only frames the page's
// CSP allows. Without JavaScript, or for a provider without a player, the card is a link.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("figure.embed[data-embed-player] a.embed-link");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    var card = link.parentElement;
    var player = card.getAttribute("data-embed-player");
    if (!/^https:\/\/(www\.youtube-nocookie\.com|player\.vimeo\.com|open\.spotify\.com|w\.soundcloud\.com)\//.test(player)) return;
    event.preventDefault();
    var frame = document.createElement("iframe");
    frame.src = player;
    frame.title = card.getAttribute("data-embed-title") || "Embedded player";
    frame.className = "embed-player";
    frame.setAttribute("allow", "autoplay; encrypted-media; fullscreen; picture-in-picture");
    frame.setAttribute("allowfullscreen", "");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    card.replaceChild(frame, link);
    card.classList.add("embed-playing");
    frame.focus();
  });
})();
