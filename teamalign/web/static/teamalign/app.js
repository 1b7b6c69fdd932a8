// Small behaviours of every page, kept out of the HTML so that the Content-Security-Policy can
// forbid inline scripts. Each is an enhancement: the page works without it.
(function () {
  // <select data-autosubmit>: choosing an option submits its form (the organisation switcher).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });
})();
