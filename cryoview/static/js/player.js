// Transcript timestamps seek the player; a video still processing shows its live status.
(function () {
  "use strict";
  var video = document.getElementById("player");
  document.querySelectorAll("[data-seek]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!video) { return; }
      video.currentTime = parseFloat(button.getAttribute("data-seek"));
      video.play();
    });
  });
  var status = document.getElementById("live-status");
  if (!status) { return; }
  var url = status.getAttribute("data-url");
  function tick() {
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (v) {
      if (v.status === "ready") { window.location.reload(); return; }
      var text = v.stage + " · " + Math.round(100 * v.progress) + " %";
      if (v.queue_position) { text += " · position in queue " + v.queue_position; }
      if (v.eta_seconds) { text += " · about " + v.eta_seconds + " s left"; }
      if (v.status === "failed" && v.error) { text = v.error.message; }
      status.textContent = text;
      if (v.status !== "failed") { setTimeout(tick, 2000); }
    });
  }
  tick();
})();
