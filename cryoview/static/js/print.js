// "Print this answer": progressive enhancement; without JavaScript the browser's own print works the same.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
var result = document.getElementById("result");
if (result) { result.focus(); }
