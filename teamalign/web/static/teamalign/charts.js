// Render every <div class="chart" data-spec-id="..."> from the JSON spec in the script tag it names,
// with the offline Vega bundle (no network). Without JavaScript, the table beside each chart still tells.
//
// Under the Content-Security-Policy (no eval, no inline style): Vega evaluates expressions with its
// interpreter instead of generated code (ast: true), and neither Vega-Embed nor the tooltip inject a
// <style> element; their few rules are in app.css.
(function () {
  var options = {
    actions: false,
    renderer: "svg",
    ast: true,
    defaultStyle: false,
    tooltip: { disableDefaultStyle: true },
  };
  function render() {
    document.querySelectorAll("div.chart[data-spec-id]").forEach(function (el) {
      if (el.dataset.rendered) return;
      var source = document.getElementById(el.dataset.specId);
      if (!source || !window.vegaEmbed) return;
      el.dataset.rendered = "1";
      window.vegaEmbed(el, JSON.parse(source.textContent), options).catch(function (error) {
        el.dataset.failed = "1";
        console.error("chart " + el.dataset.specId + " could not be drawn:", error);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", render);
})();
