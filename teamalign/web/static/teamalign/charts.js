// Render every <div class="chart" data-spec-id="..."> from the JSON spec in the script tag it names,
// with the offline Vega bundle (no network). Without JavaScript, the table beside each chart still tells.
(function () {
  function render() {
    document.querySelectorAll("div.chart[data-spec-id]").forEach(function (el) {
      if (el.dataset.rendered) return;
      var source = document.getElementById(el.dataset.specId);
      if (!source || !window.vegaEmbed) return;
      el.dataset.rendered = "1";
      window.vegaEmbed(el, JSON.parse(source.textContent), { actions: false, renderer: "svg" });
    });
  }
  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", render);
})();
