// The spend chart: stacked bars per UTC day, one colour per principal, drawn with uPlot (served from its npm
// package). uPlot has no stacking of its own, so each series is the running sum up to its principal, drawn tallest
// first: every later (shorter) bar covers the bottom of the one before, which reads as a stack.

/* global uPlot */

const COLORS = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];
const HEIGHT = 240;
const DAY_S = 86_400;

let plot = null;
let observer = null;

/** The colour of the principal at `index` in the chart's series (also used by the legend). */
export const colorOf = (index) => COLORS[index % COLORS.length];

/**
 * Draws `chart` ({ days, series: [{ principal, spent }], saved }) into `container`, its legend into `legend` and
 * every value into `table`, replacing what was there.
 */
export function drawChart(container, legend, table, chart) {
  plot?.destroy();
  observer?.disconnect();
  container.replaceChildren();
  const xs = chart.days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  const values = chart.series.map((s) => s.spent.map(Number));
  const totals = xs.map((_, i) => values.reduce((sum, v) => sum + v[i], 0));
  describe(container, chart, totals);
  drawLegend(legend, chart);
  drawTable(table, chart);
  if (chart.series.length === 0) {
    container.append(
      Object.assign(document.createElement("p"), {
        className: "empty",
        textContent: "No settled payments in the last 30 days.",
      }),
    );
    return;
  }
  const running = values.map((_, k) => xs.map((_, i) => values.slice(0, k + 1).reduce((sum, v) => sum + v[i], 0)));
  const order = chart.series.map((_, k) => k).reverse(); // tallest (the whole stack) first
  const bars = uPlot.paths.bars({ size: [0.7, 48], align: 0 });
  const opts = {
    width: Math.max(container.clientWidth, 200),
    height: HEIGHT,
    legend: { show: false },
    cursor: { show: false },
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    scales: {
      x: { time: true, range: (_u, min, max) => [min - DAY_S / 2, max + DAY_S / 2] },
      y: { range: (_u, _min, max) => [0, niceMax(max)] },
    },
    axes: [
      { stroke: "#475569", grid: { show: false } },
      {
        stroke: "#475569",
        size: 56,
        values: (_u, ticks) => ticks.map((t) => t.toFixed(decimals(ticks))),
        grid: { stroke: "#e2e8f0" },
      },
    ],
    series: [
      {},
      ...order.map((k) => ({
        label: chart.series[k].principal,
        fill: colorOf(k),
        stroke: colorOf(k),
        width: 0,
        paths: bars,
        points: { show: false },
      })),
    ],
  };
  plot = new uPlot(opts, [xs, ...order.map((k) => running[k])], container);
  observer = new ResizeObserver(() => plot?.setSize({ width: Math.max(container.clientWidth, 200), height: HEIGHT }));
  observer.observe(container);
}

const niceMax = (max) => (max > 0 ? max * 1.15 : 0.01);

/** Enough decimals that neighbouring ticks never read the same (0.005 steps need three), at least two. */
const decimals = (ticks) =>
  Math.min(6, Math.max(2, Math.ceil(-Math.log10(ticks.length > 1 ? ticks[1] - ticks[0] : 0.01) - 1e-9)));

/** What a screen reader says for the chart; the table below has every value. */
function describe(container, chart, totals) {
  const sum = totals.reduce((a, b) => a + b, 0);
  const peak = totals.indexOf(Math.max(...totals));
  container.setAttribute(
    "aria-label",
    sum === 0
      ? "Spend per day: nothing was spent in the last 30 days."
      : `Spend per day over the last 30 days, ${chart.series.length} principal(s): ${sum.toFixed(2)} USDC in all, most on ${chart.days[peak]} (${totals[peak].toFixed(2)} USDC). The table below lists every value.`,
  );
}

function drawLegend(legend, chart) {
  legend.replaceChildren(
    ...chart.series.map((s, k) => {
      const li = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = colorOf(k);
      li.append(swatch, s.principal);
      return li;
    }),
  );
}

/** Only the days with spend or savings: thirty rows of zeros help nobody. */
function drawTable(table, chart) {
  const head = ["Day (UTC)", ...chart.series.map((s) => s.principal), "Saved by cache"];
  const rows = chart.days
    .map((day, i) => [day, ...chart.series.map((s) => s.spent[i]), chart.saved[i]])
    .filter((row) => row.slice(1).some((v) => Number(v) > 0));
  const tr = (cells, tag) => {
    const r = document.createElement("tr");
    r.append(...cells.map((c) => Object.assign(document.createElement(tag), { textContent: c })));
    return r;
  };
  const thead = document.createElement("thead");
  thead.append(tr(head, "th"));
  const tbody = document.createElement("tbody");
  tbody.append(...(rows.length ? rows.map((r) => tr(r, "td")) : [tr(["No spend in the last 30 days."], "td")]));
  table.replaceChildren(thead, tbody);
}
