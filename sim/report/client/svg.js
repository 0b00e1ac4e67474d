// Small SVG helpers shared by the report pages (plain browser JavaScript, inlined into the page).
/* eslint-disable @typescript-eslint/no-unused-vars -- run.js uses these helpers: the page inlines both files in one scope */
var SVG_NS = 'http://www.w3.org/2000/svg';

function svgEl(name, attrs, parent) {
  var el = document.createElementNS(SVG_NS, name);
  for (var k in attrs) if (attrs[k] !== undefined) el.setAttribute(k, String(attrs[k]));
  if (parent) parent.appendChild(el);
  return el;
}

function svgTitle(el, text) {
  svgEl('title', {}, el).textContent = text;
}

/** A chart frame: an SVG of the given size with a plot area, x from 0 to xMax ms, y from 0 to yMax. */
function frame(host, o) {
  var m = { left: 56, right: 24, top: 8, bottom: o.xAxis === false ? 6 : 24 };
  var svg = svgEl('svg', { viewBox: '0 0 ' + o.width + ' ' + o.height, 'data-chart': o.name });
  host.appendChild(svg);
  var w = o.width - m.left - m.right;
  var h = o.height - m.top - m.bottom;
  var f = {
    svg: svg,
    left: m.left,
    top: m.top,
    width: w,
    height: h,
    x: function (ms) { return m.left + (o.xMax > 0 ? (ms / o.xMax) * w : 0); },
    y: function (v) { return m.top + h - (o.yMax > 0 ? (v / o.yMax) * h : 0); },
  };
  if (o.xAxis !== false) {
    var axis = svgEl('g', { class: 'axis' }, svg);
    var step = niceStep(o.xMax / 1000, 10) * 1000;
    for (var t = 0; t <= o.xMax + 1e-9; t += step) {
      svgEl('line', { x1: f.x(t), x2: f.x(t), y1: m.top, y2: m.top + h }, axis);
      svgEl('text', { x: f.x(t), y: o.height - 6, 'text-anchor': 'middle' }, axis).textContent = Math.round(t / 1000) + ' s';
    }
  }
  if (o.yAxis !== false) {
    var grid = svgEl('g', { class: 'grid' }, svg);
    var ys = niceStep(o.yMax, 5);
    for (var v = 0; v <= o.yMax + 1e-9; v += ys) {
      svgEl('line', { x1: m.left, x2: m.left + w, y1: f.y(v), y2: f.y(v) }, grid);
      svgEl('text', { x: m.left - 6, y: f.y(v) + 4, 'text-anchor': 'end' }, grid).textContent = String(Math.round(v));
    }
  }
  return f;
}

function niceStep(range, ticks) {
  if (!(range > 0)) return 1;
  var raw = range / ticks;
  var mag = Math.pow(10, Math.floor(Math.log10(raw)));
  var n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
}

/** Fault bands over a chart's plot area, each with its description as a tooltip. */
function drawBands(f, faults) {
  var g = svgEl('g', { class: 'bands' }, f.svg);
  faults.forEach(function (b, i) {
    var x0 = f.x(b.startMs);
    var x1 = Math.max(f.x(b.endMs), x0 + 2);
    var r = svgEl('rect', { x: x0, y: f.top, width: x1 - x0, height: f.height, class: 'band ' + b.kind + (b.endMs > b.startMs ? '' : ' instant'), 'data-fault-band': i, 'data-kind': b.kind }, g);
    svgTitle(r, b.label + ' (' + (b.startMs / 1000).toFixed(1) + ' s' + (b.endMs > b.startMs ? ' to ' + (b.endMs / 1000).toFixed(1) + ' s' : '') + ')');
  });
  return g;
}

/** A polyline through the non-null points of a series; null ends a segment (the node was down). */
function drawSeries(f, parent, times, values, attrs) {
  var segs = [];
  var cur = [];
  for (var i = 0; i < times.length; i++) {
    if (values[i] === null || values[i] === undefined) {
      if (cur.length > 0) segs.push(cur);
      cur = [];
    } else cur.push(f.x(times[i]).toFixed(1) + ',' + f.y(values[i]).toFixed(1));
  }
  if (cur.length > 0) segs.push(cur);
  segs.forEach(function (pts) {
    var a = Object.assign({ points: pts.length === 1 ? pts[0] + ' ' + pts[0] : pts.join(' '), fill: 'none' }, attrs);
    svgEl('polyline', a, parent);
  });
}

function legendItem(host, color, text, dashed) {
  var span = document.createElement('span');
  var i = document.createElement('i');
  i.style.background = dashed ? 'repeating-linear-gradient(90deg,' + color + ' 0 4px,transparent 4px 7px)' : color;
  span.appendChild(i);
  span.appendChild(document.createTextNode(text));
  host.appendChild(span);
}

var PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
var SIDES = ['#2e9e5b', '#e8833a', '#3b7dd8', '#b24ac0', '#c2a200', '#00a3a3'];
