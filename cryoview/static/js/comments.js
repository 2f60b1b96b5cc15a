// "Reply" moves the comment form under the comment being answered (WordPress-style), without a page load.
// Without JavaScript the link reloads the page with ?replytocom=ID, which does the same on the server.
(function () {
  "use strict";
  var respond = document.getElementById("respond");
  var parentInput = document.getElementById("comment-parent");
  var cancel = document.getElementById("cancel-reply");
  var title = document.getElementById("reply-title");
  if (!respond || !parentInput || !cancel || !title) return;
  var home = document.createElement("div");
  respond.parentNode.insertBefore(home, respond);
  var titleText = title.firstChild;

  function setTitle(text) { titleText.nodeValue = text + " "; }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.reply-link") : null;
    if (!link) return;
    event.preventDefault();
    var item = document.getElementById("comment-" + link.dataset.comment);
    if (!item) return;
    item.querySelector(".comment-body").after(respond);
    parentInput.value = link.dataset.comment;
    setTitle("Reply to " + link.dataset.author);
    cancel.hidden = false;
    document.getElementById("comment-text").focus();
  });

  cancel.addEventListener("click", function (event) {
    event.preventDefault();
    home.after(respond);
    parentInput.value = "";
    setTitle("Leave a Reply");
    cancel.hidden = true;
  });
})();
