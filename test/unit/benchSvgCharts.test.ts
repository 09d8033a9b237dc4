/**
 * report.html's inline SVG charts: the legend sits in its own column right of the plot area, so
 * no key covers a bar or a line (it used to overlap the tallest bar).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JSDOM } from 'jsdom';
import { barChart, lineChart } from '../../server/src/bench/runner/svgCharts';

function boxes(svgHtml: string) {
  const doc = new JSDOM(svgHtml).window.document;
  const svg = doc.querySelector('svg')!;
  const width = Number(svg.getAttribute('width'));
  const axis = [...svg.querySelectorAll('line')].find((l) => l.getAttribute('y1') === l.getAttribute('y2'))!;
  const plotRight = Number(axis.getAttribute('x2'));
  const keys = [...svg.querySelectorAll('.legend-key')].map((g) => ({
    x: Number(g.querySelector('rect')!.getAttribute('x')),
    text: g.querySelector('text')!.textContent,
  }));
  const marks = [...svg.querySelectorAll('rect')]
    .filter((r) => r.querySelector('title'))
    .map((r) => Number(r.getAttribute('x')) + Number(r.getAttribute('width')));
  const dots = [...svg.querySelectorAll('circle')].map((c) => Number(c.getAttribute('cx')));
  return { width, plotRight, keys, marks, dots };
}

test('bar chart: legend keys right of the plot area, bars inside it', () => {
  const html = barChart(
    'TPOT',
    '×',
    ['128 tokens', '512 tokens'],
    [
      { name: 'tandem q8', color: '#111', values: [1.2, 1.1] },
      { name: 'transformers.js q8', color: '#222', values: [2.5, 3] },
      { name: 'llama.cpp fp32', color: '#333', values: [0.4, null] },
    ],
  );
  const b = boxes(html);
  assert.deepEqual(
    b.keys.map((k) => k.text),
    ['tandem q8', 'transformers.js q8', 'llama.cpp fp32'],
  );
  assert.equal(b.marks.length, 5);
  assert.ok(
    b.marks.every((right) => right <= b.plotRight),
    'bars stay in the plot area',
  );
  assert.ok(
    b.keys.every((k) => k.x > b.plotRight && k.x < b.width),
    'keys sit between the plot and the right edge',
  );
});

test('line chart: legend keys right of the plot area, points inside it', () => {
  const html = lineChart('RSS', 'request', 'MB', [
    {
      name: 'local',
      color: '#111',
      points: [
        [1, 10],
        [2, 12],
        [3, 15],
      ],
    },
    {
      name: 'offload',
      color: '#222',
      points: [
        [1, 5],
        [3, 6],
      ],
    },
  ]);
  const b = boxes(html);
  assert.equal(b.keys.length, 2);
  assert.ok(b.dots.every((x) => x <= b.plotRight));
  assert.ok(b.keys.every((k) => k.x > b.plotRight && k.x < b.width));
});
