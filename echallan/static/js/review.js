// Keyboard shortcuts for the review console: a = approve, r = reject, p = correct the plate.
// Each key only focuses its form's first field; the officer still types the reason and submits,
// so a stray key never decides anything. Keys typed inside a field are left alone.
(function () {
  "use strict";
  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var form = document.querySelector('form[data-key="' + event.key.toLowerCase() + '"]');
    if (!form) return;
    var field = form.querySelector("select, textarea, input:not([type=hidden])");
    if (!field) return;
    event.preventDefault();
    form.scrollIntoView({ block: "center" });
    field.focus();
  });
})();
