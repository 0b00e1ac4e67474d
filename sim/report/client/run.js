// Draws one run's timeline from the report data (see sim/report/run-report.ts for its shape).
var data = JSON.parse(document.getElementById('report-data').textContent);
var tl = data.timeline;
var W = 1000;

function maxOf(arrays) {
  var m = 0;
  arrays.forEach(function (a) { a.forEach(function (v) { if (v !== null && v > m) m = v; }); });
  return m;
}

function drawTimeline() {
  var host = document.getElementById('timeline');
  var yMax = Math.max(1, maxOf(tl.nodes.map(function (n) { return n.head; })));
  var f = frame(host, { name: 'heights', width: W, height: 300, xMax: tl.durationMs, yMax: yMax * 1.05 });
  drawBands(f, tl.faults);
  var legend = document.getElementById('legend');
  tl.nodes.forEach(function (n, i) {
    var color = n.byzantine ? '#7f7f7f' : PALETTE[i % PALETTE.length];
    var g = svgEl('g', { class: 'series', 'data-node-series': n.id, 'data-byzantine': n.byzantine ? 'true' : 'false' }, f.svg);
    // Nodes in step draw on top of each other: each is nudged a pixel or two so all stay visible.
    var nudge = 'translate(0,' + ((i - (tl.nodes.length - 1) / 2) * 1.5).toFixed(1) + ')';
    g.setAttribute('transform', nudge);
    drawSeries(f, g, tl.times, n.head, { stroke: color, 'stroke-width': 1.6, 'data-series': 'head' });
    drawSeries(f, g, tl.times, n.finalized, { stroke: color, 'stroke-width': 1.2, 'stroke-dasharray': '4 3', 'data-series': 'finalized' });
    svgTitle(g, n.id + (n.byzantine ? ' (Byzantine)' : ''));
    legendItem(legend, color, n.id + (n.byzantine ? ' (Byzantine)' : ''));
  });
  legendItem(legend, '#8a63d2', 'cut (partition, isolation, link)');
  legendItem(legend, '#d0383b', 'crash');
  legendItem(legend, '#f2b134', 'other fault');
  cursor(f);
}

function drawLanes() {
  var host = document.getElementById('lanes');
  var lane = 16;
  var f = frame(host, { name: 'lanes', width: W, height: tl.nodes.length * lane + 30, xMax: tl.durationMs, yMax: 0, yAxis: false });
  drawBands(f, tl.faults);
  var sides = 0;
  tl.nodes.forEach(function (n, i) {
    var y = f.top + i * lane + 2;
    var g = svgEl('g', { 'data-lane': n.id }, f.svg);
    svgEl('text', { x: f.left - 6, y: y + 10, 'text-anchor': 'end' }, g).textContent = n.id;
    // One rectangle per run of equal state, from one sample to the next.
    var start = 0;
    for (var k = 1; k <= tl.times.length; k++) {
      var same = k < tl.times.length && n.up[k] === n.up[start] && n.side[k] === n.side[start];
      if (same) continue;
      var t0 = start === 0 ? 0 : tl.times[start];
      var t1 = k < tl.times.length ? tl.times[k] : tl.times[k - 1];
      var up = n.up[start];
      sides = Math.max(sides, n.side[start] + 1);
      var r = svgEl('rect', { x: f.x(t0), y: y, width: Math.max(1, f.x(t1) - f.x(t0)), height: lane - 4, fill: up ? SIDES[n.side[start] % SIDES.length] : '#c9ced6', 'data-state': up ? 'side-' + n.side[start] : 'down' }, g);
      svgTitle(r, n.id + ': ' + (up ? 'up, partition side ' + String.fromCharCode(65 + n.side[start]) : 'down') + ' from ' + (t0 / 1000).toFixed(1) + ' s to ' + (t1 / 1000).toFixed(1) + ' s');
      start = k;
    }
  });
  var legend = document.getElementById('legend');
  for (var s = 0; s < Math.max(1, sides); s++) legendItem(legend, SIDES[s % SIDES.length], 'up, side ' + String.fromCharCode(65 + s));
  legendItem(legend, '#c9ced6', 'down');
}

function drawLines(id, name, series, colors) {
  var host = document.getElementById(id);
  if (!host) return;
  var names = Object.keys(series);
  var f = frame(host, { name: name, width: W, height: 200, xMax: tl.durationMs, yMax: Math.max(1, maxOf(names.map(function (k) { return series[k]; }))) * 1.05 });
  drawBands(f, tl.faults);
  var legend = document.createElement('div');
  legend.className = 'legend';
  names.forEach(function (k, i) {
    var g = svgEl('g', { 'data-line': k }, f.svg);
    drawSeries(f, g, tl.times, series[k], { stroke: colors[i % colors.length], 'stroke-width': 1.5 });
    legendItem(legend, colors[i % colors.length], k);
  });
  host.appendChild(legend);
}

function cursor(f) {
  var line = svgEl('line', { class: 'cursor', y1: f.top, y2: f.top + f.height, x1: -10, x2: -10 }, f.svg);
  var out = document.getElementById('readout');
  f.svg.addEventListener('mousemove', function (ev) {
    var box = f.svg.getBoundingClientRect();
    var x = ((ev.clientX - box.left) / box.width) * W;
    var t = ((x - f.left) / f.width) * tl.durationMs;
    var k = 0;
    while (k < tl.times.length - 1 && tl.times[k] < t) k++;
    line.setAttribute('x1', f.x(tl.times[k]));
    line.setAttribute('x2', f.x(tl.times[k]));
    out.textContent = (tl.times[k] / 1000).toFixed(1) + ' s  ' + tl.nodes.map(function (n) {
      return n.id + ' ' + (n.up[k] ? (n.head[k] === null ? '…' : n.head[k] + '/' + n.finalized[k]) + ' ' + String.fromCharCode(65 + n.side[k]) : 'down');
    }).join('  ');
  });
}

drawTimeline();
drawLanes();
// Traffic comes in bursts at each slot: a rolling mean over two seconds shows the rate.
function rolling(values) {
  var n = Math.max(1, Math.round(2000 / tl.everyMs));
  return values.map(function (_, i) {
    var lo = Math.max(0, i - n + 1);
    var sum = 0;
    for (var j = lo; j <= i; j++) sum += values[j];
    return Math.round(sum / (i - lo + 1));
  });
}
drawLines('network', 'network', { 'sent/s': rolling(tl.net.sent), 'delivered/s': rolling(tl.net.delivered), 'dropped/s': rolling(tl.net.dropped) }, ['#3b7dd8', '#2e9e5b', '#d0383b']);
if (tl.peg) {
  var shown = {};
  tl.peg.states.forEach(function (s) { if (maxOf([tl.peg.counts[s]]) > 0) shown[s] = tl.peg.counts[s]; });
  drawLines('peg', 'peg', shown, PALETTE);
}
document.body.setAttribute('data-rendered', 'run');
