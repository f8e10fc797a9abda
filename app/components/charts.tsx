/**
 * Small inline SVG charts: a sparkline, a line chart with axes and legend, and a bar chart.
 * No chart library: these render on the server with the page (no layout shift, nothing to
 * download), and the pages need only these three shapes.
 */
import { Fragment } from "react";

export const SERIES_COLORS = [
  "#2c6ecb",
  "#e27c1c",
  "#008060",
  "#8e4fd3",
  "#d72c0d",
  "#1f9aa6",
  "#b98900",
  "#5c5f62",
];

const finite = (v: number | null | undefined): v is number =>
  typeof v === "number" && Number.isFinite(v);

/** Ascending tick values covering [min, max], about `count` of them, on 1-2-2.5-5 steps. */
export function niceTicks(min: number, max: number, count = 4): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((s) => s * power).find((s) => s >= raw) ?? 10 * power;
  const start = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = start; v <= max + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  if (ticks[ticks.length - 1] < max) ticks.push(+(ticks[ticks.length - 1] + step).toPrecision(12));
  return ticks;
}

/** Polyline path of the finite points; a null breaks the line. */
function linePath(
  values: readonly (number | null)[],
  x: (i: number) => number,
  y: (v: number) => number,
): string {
  let d = "";
  let pen = false;
  values.forEach((v, i) => {
    if (!finite(v)) {
      pen = false;
      return;
    }
    d += `${pen ? "L" : "M"}${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
    pen = true;
  });
  return d;
}

export function Sparkline({
  values,
  label,
  width = 120,
  height = 32,
  color = SERIES_COLORS[0],
  target = null,
  partialLast = false,
}: {
  values: readonly (number | null)[];
  label: string;
  width?: number;
  height?: number;
  color?: string;
  /** Target bounds drawn as dashed lines (a range: both). */
  target?: { readonly min: number | null; readonly max: number | null } | null;
  /** The last point is a month in progress: drawn hollow, its segment dashed. */
  partialLast?: boolean;
}) {
  const points = values.filter(finite);
  if (points.length === 0) return null;
  const bounds = [target?.min, target?.max].filter(finite);
  const lo = Math.min(...points, ...bounds);
  const hi = Math.max(...points, ...bounds);
  const pad = 3;
  const x = (i: number) =>
    values.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (values.length - 1);
  const y = (v: number) =>
    hi === lo ? height / 2 : height - pad - ((v - lo) / (hi - lo)) * (height - 2 * pad);
  let last = values.length - 1;
  while (last >= 0 && !finite(values[last])) last--;
  return (
    <svg
      className="kz-sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
      data-points={points.length}
    >
      {bounds.map((b) => (
        <line
          key={b}
          className="kz-target-line"
          x1={0}
          x2={width}
          y1={y(b)}
          y2={y(b)}
          stroke="#8a6116"
          strokeWidth={1}
          strokeDasharray="3 2"
        />
      ))}
      <path
        d={linePath(partialLast ? values.slice(0, -1) : values, x, y)}
        fill="none"
        stroke={color}
        strokeWidth={1.75}
      />
      {partialLast && last === values.length - 1 && finite(values[last - 1]) && (
        <path
          d={`M${x(last - 1).toFixed(1)} ${y(values[last - 1] as number).toFixed(1)}L${x(last).toFixed(1)} ${y(values[last] as number).toFixed(1)}`}
          fill="none"
          stroke={color}
          strokeWidth={1.25}
          strokeDasharray="2 2"
        />
      )}
      {last >= 0 && (
        <circle
          cx={x(last)}
          cy={y(values[last] as number)}
          r={2.5}
          fill={partialLast && last === values.length - 1 ? "#fff" : color}
          stroke={color}
          data-partial={partialLast && last === values.length - 1 ? "true" : undefined}
        />
      )}
    </svg>
  );
}

export interface LineSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly color?: string;
  readonly dashed?: boolean;
  readonly width?: number;
}

const W = 640;
const MARGIN = { left: 64, right: 16, top: 12, bottom: 28 };

export function LineChart({
  series,
  xLabels,
  yFormat,
  title,
  height = 240,
  yMin,
  yMax,
  legend = true,
  xTitle,
  yTitle,
  xTickEvery,
}: {
  series: readonly LineSeries[];
  xLabels: readonly string[];
  yFormat: (v: number) => string;
  title: string;
  height?: number;
  yMin?: number;
  yMax?: number;
  legend?: boolean;
  /** Axis titles, drawn under the x axis and along the y axis. */
  xTitle?: string;
  yTitle?: string;
  /** Label every n-th x value (default: about eight labels). */
  xTickEvery?: number;
}) {
  const M = {
    ...MARGIN,
    left: MARGIN.left + (yTitle ? 18 : 0),
    bottom: MARGIN.bottom + (xTitle ? 18 : 0),
  };
  const all = series.flatMap((s) => s.values.filter(finite));
  const n = Math.max(xLabels.length, ...series.map((s) => s.values.length));
  const lo = yMin ?? Math.min(0, ...all);
  const ticks = niceTicks(lo, yMax ?? Math.max(lo + 1e-9, ...all));
  const top = ticks[ticks.length - 1];
  const bottom = ticks[0];
  const plotW = W - M.left - M.right;
  const plotH = height - M.top - M.bottom;
  const x = (i: number) => M.left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const y = (v: number) => M.top + plotH - ((v - bottom) / (top - bottom || 1)) * plotH;
  const every = xTickEvery ?? Math.max(1, Math.ceil(n / 8));
  return (
    <figure style={{ margin: 0 }}>
      <svg
        className="kz-chart"
        viewBox={`0 0 ${W} ${height}`}
        role="img"
        aria-label={title}
        preserveAspectRatio="xMidYMid meet"
      >
        <title>{title}</title>
        {ticks.map((t) => (
          <Fragment key={t}>
            <line className="kz-grid" x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} />
            <text x={M.left - 6} y={y(t) + 4} textAnchor="end">
              {yFormat(t)}
            </text>
          </Fragment>
        ))}
        <line className="kz-axis" x1={M.left} x2={W - M.right} y1={y(bottom)} y2={y(bottom)} />
        {xTitle && (
          <text className="kz-axis-title" x={M.left + plotW / 2} y={height - 4} textAnchor="middle">
            {xTitle}
          </text>
        )}
        {yTitle && (
          <text
            className="kz-axis-title"
            transform={`translate(12 ${M.top + plotH / 2}) rotate(-90)`}
            textAnchor="middle"
          >
            {yTitle}
          </text>
        )}
        {xLabels.map((label, i) =>
          i % every === 0 || i === n - 1 ? (
            <text key={i} x={x(i)} y={height - M.bottom + 20} textAnchor="middle">
              {label}
            </text>
          ) : null,
        )}
        {series.map((s, k) => (
          <path
            key={s.label}
            d={linePath(s.values, x, y)}
            fill="none"
            stroke={s.color ?? SERIES_COLORS[k % SERIES_COLORS.length]}
            strokeWidth={s.width ?? 2}
            strokeDasharray={s.dashed ? "5 4" : undefined}
            strokeLinejoin="round"
          >
            <title>{s.label}</title>
          </path>
        ))}
      </svg>
      {legend && series.length > 1 && (
        <figcaption className="kz-legend">
          {series.map((s, k) => (
            <span key={s.label}>
              <i style={{ background: s.color ?? SERIES_COLORS[k % SERIES_COLORS.length] }} />
              {s.label}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Tooltip text of the bar. */
  readonly title?: string;
}

export function BarChart({
  bars,
  yFormat,
  title,
  height = 220,
  color = SERIES_COLORS[0],
  xTitle,
  yTitle,
}: {
  bars: readonly Bar[];
  yFormat: (v: number) => string;
  title: string;
  height?: number;
  color?: string;
  xTitle?: string;
  yTitle?: string;
}) {
  const M = {
    ...MARGIN,
    left: MARGIN.left + (yTitle ? 18 : 0),
    bottom: MARGIN.bottom + (xTitle ? 18 : 0),
  };
  const ticks = niceTicks(0, Math.max(1, ...bars.map((b) => b.value)));
  const top = ticks[ticks.length - 1];
  const plotW = W - M.left - M.right;
  const plotH = height - M.top - M.bottom;
  const slot = plotW / Math.max(1, bars.length);
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  // Every bar labelled while they fit (a 0–10 score scale), else about seven labels.
  const every = bars.length <= 12 ? 1 : Math.max(1, Math.ceil(bars.length / 7));
  return (
    <svg
      className="kz-chart"
      viewBox={`0 0 ${W} ${height}`}
      role="img"
      aria-label={title}
      preserveAspectRatio="xMidYMid meet"
    >
      <title>{title}</title>
      {ticks.map((t) => (
        <Fragment key={t}>
          <line className="kz-grid" x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} />
          <text x={M.left - 6} y={y(t) + 4} textAnchor="end">
            {yFormat(t)}
          </text>
        </Fragment>
      ))}
      {bars.map((b, i) => (
        <Fragment key={i}>
          <rect
            x={M.left + i * slot + slot * 0.1}
            y={y(b.value)}
            width={slot * 0.8}
            height={Math.max(0, y(0) - y(b.value))}
            fill={color}
            rx={2}
          >
            <title>{b.title ?? `${b.label}: ${yFormat(b.value)}`}</title>
          </rect>
          {(i % every === 0 || i === bars.length - 1) && (
            <text x={M.left + i * slot + slot / 2} y={height - M.bottom + 20} textAnchor="middle">
              {b.label}
            </text>
          )}
        </Fragment>
      ))}
      <line className="kz-axis" x1={M.left} x2={W - M.right} y1={y(0)} y2={y(0)} />
      {xTitle && (
        <text className="kz-axis-title" x={M.left + plotW / 2} y={height - 4} textAnchor="middle">
          {xTitle}
        </text>
      )}
      {yTitle && (
        <text
          className="kz-axis-title"
          transform={`translate(12 ${M.top + plotH / 2}) rotate(-90)`}
          textAnchor="middle"
        >
          {yTitle}
        </text>
      )}
    </svg>
  );
}

export interface TargetBar {
  readonly label: string;
  /** null: no value (drawn as an empty row; the table alternative says why). */
  readonly value: number | null;
}

/**
 * Horizontal bars, one per labelled row (channel names are too long for a column's foot),
 * against a dashed target line; bars reaching the target in green, the others in blue.
 */
export function TargetBarChart({
  bars,
  target,
  targetLabel,
  format,
  title,
  xTitle,
  yTitle,
}: {
  bars: readonly TargetBar[];
  target: number;
  targetLabel: string;
  format: (v: number) => string;
  title: string;
  xTitle: string;
  yTitle: string;
}) {
  const row = 26;
  const M = { left: 190, right: 24, top: 22, bottom: 46 };
  const height = M.top + M.bottom + row * Math.max(1, bars.length);
  const values = bars.map((b) => b.value).filter(finite);
  const ticks = niceTicks(0, Math.max(target, ...values, 1e-9));
  const top = ticks[ticks.length - 1];
  const plotW = W - M.left - M.right;
  const x = (v: number) => M.left + (v / top) * plotW;
  const plotBottom = height - M.bottom;
  return (
    <svg
      className="kz-chart"
      viewBox={`0 0 ${W} ${height}`}
      role="img"
      aria-label={title}
      preserveAspectRatio="xMidYMid meet"
    >
      <title>{title}</title>
      {ticks.map((t) => (
        <Fragment key={t}>
          <line className="kz-grid" x1={x(t)} x2={x(t)} y1={M.top} y2={plotBottom} />
          <text x={x(t)} y={plotBottom + 16} textAnchor="middle">
            {format(t)}
          </text>
        </Fragment>
      ))}
      {bars.map((b, i) => {
        const y = M.top + i * row;
        const label = b.label.length > 28 ? `${b.label.slice(0, 27)}…` : b.label;
        return (
          <Fragment key={i}>
            <text x={M.left - 8} y={y + row / 2 + 4} textAnchor="end">
              {label}
            </text>
            {finite(b.value) && (
              <rect
                x={M.left}
                y={y + 4}
                width={Math.max(0, x(b.value) - M.left)}
                height={row - 8}
                fill={b.value >= target ? "#008060" : "#2c6ecb"}
                rx={2}
              >
                <title>{`${b.label}: ${format(b.value)}`}</title>
              </rect>
            )}
          </Fragment>
        );
      })}
      <line className="kz-axis" x1={M.left} x2={M.left} y1={M.top} y2={plotBottom} />
      <line
        className="kz-target-line"
        x1={x(target)}
        x2={x(target)}
        y1={M.top - 6}
        y2={plotBottom}
        stroke="#8a6116"
        strokeWidth={1.5}
        strokeDasharray="5 3"
      />
      <text className="kz-axis-title" x={x(target)} y={M.top - 10} textAnchor="middle">
        {targetLabel}
      </text>
      <text className="kz-axis-title" x={M.left + plotW / 2} y={height - 6} textAnchor="middle">
        {xTitle}
      </text>
      <text className="kz-axis-title" x={8} y={M.top - 10} textAnchor="start">
        {yTitle}
      </text>
    </svg>
  );
}
