// The measures page's charts (Apache ECharts, vendored in static/vendor/echarts/).
// Data comes from the json_script element #measures-data (CSP: no inline script);
// clicking a bar opens the list behind it.
(function () {
  "use strict";

  function init() {
    var source = document.getElementById("measures-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var words = document.getElementById("measures-i18n").dataset;
    var charts = [];

    var trendEl = document.getElementById("chart-trend");
    if (trendEl) {
      var trend = echarts.init(trendEl, null, { renderer: "canvas" });
      trend.setOption({
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "–" : v + "%"; } },
        legend: { top: 0, type: "scroll" },
        grid: { left: 40, right: 16, top: 40, bottom: 30 },
        xAxis: { type: "category", data: data.trend.days.map(function (d) { return d.slice(5); }) },
        yAxis: { type: "value", min: 0, max: 100 },
        series: data.trend.series.map(function (s) {
          return { name: s.name, type: "line", data: s.data, connectNulls: false, showSymbol: data.trend.days.length < 40 };
        })
      });
      charts.push(trend);
    }

    var complaintsEl = document.getElementById("chart-complaints");
    if (complaintsEl) {
      var c = data.complaints;
      var labels = c.classes.concat(c.categories);
      var complaints = echarts.init(complaintsEl, null, { renderer: "canvas" });
      complaints.setOption({
        tooltip: { trigger: "item" },
        legend: { top: 0 },
        grid: { left: 40, right: 16, top: 40, bottom: 30 },
        xAxis: { type: "category", data: labels },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: words.classes, type: "bar", stack: "a",
            data: c.by_class.concat(c.categories.map(function () { return null; })) },
          { name: words.categories, type: "bar", stack: "a",
            data: c.classes.map(function () { return null; }).concat(c.by_category) }
        ]
      });
      var keys = Object.keys(data.links.class).map(function (k) { return ["class", k]; })
        .concat(Object.keys(data.links.category).map(function (k) { return ["category", k]; }));
      complaints.on("click", function (p) {
        var key = keys[p.dataIndex];
        if (key) { window.location.href = data.links[key[0]][key[1]]; }
      });
      charts.push(complaints);
    }

    var satEl = document.getElementById("chart-satisfaction");
    if (satEl) {
      var sat = echarts.init(satEl, null, { renderer: "canvas" });
      sat.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 16, top: 20, bottom: 30 },
        xAxis: { type: "category", name: words.score, data: ["1", "2", "3", "4", "5"] },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: words.responses, type: "bar", data: ["1", "2", "3", "4", "5"].map(function (k) { return data.satisfaction[k]; }) }]
      });
      charts.push(sat);
    }

    window.addEventListener("resize", function () { charts.forEach(function (ch) { ch.resize(); }); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
