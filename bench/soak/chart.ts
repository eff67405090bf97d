/** A small SVG line chart of the soak samples: memory (MiB, left axis) and p99 (ms, right axis). */

export interface Sample {
  second: number;
  rssMiB: number;
  heapMiB: number;
  /** The heap that survived a full GC forced just before the sample (bench/soak/gc-probe.mjs). */
  liveMiB: number;
  p99Ms: number;
  requests: number;
}

const W = 760;
const H = 320;
const PAD = { left: 56, right: 56, top: 30, bottom: 40 };

function scale(values: number[], size: number, invert: boolean): (v: number) => number {
  const max = Math.max(1, ...values) * 1.1;
  return (v) => (invert ? size - (v / max) * size : (v / max) * size);
}

function line(points: [number, number][], color: string, dash = ''): string {
  const d = points.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  return `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

export function soakChart(samples: Sample[], title: string): string {
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const lastSecond = Math.max(1, ...samples.map((s) => s.second));
  const x = (s: number) => PAD.left + (s / lastSecond) * iw;
  const mem = scale(
    samples.flatMap((s) => [s.rssMiB, s.heapMiB, s.liveMiB]),
    ih,
    true,
  );
  const lat = scale(
    samples.map((s) => s.p99Ms),
    ih,
    true,
  );
  const memMax = Math.max(1, ...samples.flatMap((s) => [s.rssMiB, s.heapMiB, s.liveMiB])) * 1.1;
  const latMax = Math.max(1, ...samples.map((s) => s.p99Ms)) * 1.1;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const grid = ticks
    .map((t) => {
      const y = PAD.top + ih - t * ih;
      return (
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" stroke="#ddd"/>` +
        `<text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end">${(t * memMax).toFixed(0)}</text>` +
        `<text x="${W - PAD.right + 6}" y="${y + 4}">${(t * latMax).toFixed(0)}</text>`
      );
    })
    .join('');
  const xTicks = ticks
    .map(
      (t) =>
        `<text x="${PAD.left + t * iw}" y="${H - PAD.bottom + 16}" text-anchor="middle">${Math.round(t * lastSecond)} s</text>`,
    )
    .join('');
  const pts = (f: (s: Sample) => number, sc: (v: number) => number) =>
    samples.map((s) => [x(s.second), PAD.top + sc(f(s))] as [number, number]);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">
<title>${title}</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${title}</text>
${grid}${xTicks}
<text x="14" y="${PAD.top + ih / 2}" transform="rotate(-90 14 ${PAD.top + ih / 2})" text-anchor="middle">MiB</text>
<text x="${W - 10}" y="${PAD.top + ih / 2}" transform="rotate(90 ${W - 10} ${PAD.top + ih / 2})" text-anchor="middle">p99, ms</text>
${line(
  pts((s) => s.rssMiB, mem),
  '#1f77b4',
)}
${line(
  pts((s) => s.heapMiB, mem),
  '#2ca02c',
)}
${line(
  pts((s) => s.liveMiB, mem),
  '#9467bd',
)}
${line(
  pts((s) => s.p99Ms, lat),
  '#d62728',
  '5,3',
)}
<g transform="translate(${PAD.left + 10},${PAD.top + 6})">
<rect width="10" height="3" fill="#1f77b4" y="-4"/><text x="14">RSS</text>
<rect x="60" width="10" height="3" fill="#2ca02c" y="-4"/><text x="74">heap used</text>
<rect x="150" width="10" height="3" fill="#9467bd" y="-4"/><text x="164">heap after full GC</text>
<rect x="280" width="10" height="3" fill="#d62728" y="-4"/><text x="294">p99 of the 10 s window</text>
</g>
</svg>
`;
}

/** Least-squares slope of y over x (per unit of x). */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
