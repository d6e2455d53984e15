// Idle sign-out warning for roles that see pupil-level data (sendfund/schools/idle.py).
// <body data-idle-timeout="1800" data-keep-alive-url="..."> turns it on; no inline script.
(function () {
  var body = document.body;
  var timeout = parseInt(body.getAttribute("data-idle-timeout") || "0", 10);
  var keepAliveUrl = body.getAttribute("data-keep-alive-url");
  if (!timeout || !keepAliveUrl) return;
  var warnBefore = Math.min(120, Math.floor(timeout / 2));
  var warnTimer, outTimer, banner;

  function hideBanner() {
    if (banner) { banner.remove(); banner = null; }
  }

  function showBanner() {
    hideBanner();
    banner = document.createElement("div");
    banner.className = "alert alert-warning shadow position-fixed bottom-0 end-0 m-3";
    banner.setAttribute("role", "alert");
    banner.setAttribute("data-testid", "idle-warning");
    var text = document.createElement("p");
    text.className = "mb-2";
    text.textContent = "You will be signed out in " + Math.round(warnBefore / 60) +
      " minute(s) without activity, to protect pupils' data.";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-primary";
    button.textContent = "Stay signed in";
    button.addEventListener("click", stay);
    banner.appendChild(text);
    banner.appendChild(button);
    document.body.appendChild(banner);
  }

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(outTimer);
    warnTimer = setTimeout(showBanner, (timeout - warnBefore) * 1000);
    // Just after the server's limit: reloading shows the sign-in page with the reason.
    outTimer = setTimeout(function () { window.location.reload(); }, (timeout + 5) * 1000);
  }

  function stay() {
    fetch(keepAliveUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.ok) { hideBanner(); schedule(); } else { window.location.reload(); }
      });
  }

  // htmx requests count as activity on the server too.
  document.addEventListener("htmx:afterRequest", schedule);
  schedule();
})();
