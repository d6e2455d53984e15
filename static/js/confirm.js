// Forms with data-confirm="question" ask before they submit (no inline script: CSP-friendly).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  // The attribute may wrap over several lines in the template: ask it as one line.
  if (question && !window.confirm(question.replace(/\s+/g, " "))) {
    event.preventDefault();
  }
}, true);
