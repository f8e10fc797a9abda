/**
 * A heatmap as a plain table on Polaris tokens: each cell's shade follows its value, the
 * text stays readable (and selectable, and read out by screen readers) unlike a canvas.
 * The cells are one keyboard stop (ARIA grid pattern, roving tabindex): arrow keys, Home/End
 * and Ctrl+Home/End move between them, and the focused cell's details (its tooltip for a
 * mouse) are written out under the table.
 */
import { useRef, useState, type KeyboardEvent, type ReactNode } from "react";

export interface HeatCell {
  /** Drives the shade; null = an empty cell. */
  readonly value: number | null;
  readonly text: string;
  readonly sub?: string;
  readonly title?: string;
  readonly testId?: string;
  /** A small caption above the value (e.g. the name of the region the cell starts). */
  readonly caption?: string;
  /**
   * The period is still in progress (e.g. the current month): drawn hatched and unshaded,
   * so a figure that is still growing does not read as a collapse.
   */
  readonly partial?: boolean;
  /** Sides drawn as a region boundary. */
  readonly edges?: { top?: boolean; right?: boolean; bottom?: boolean; left?: boolean };
}

const EDGE = "var(--p-color-text, #303030)";

/** Region boundaries as inset shadows: they need no extra layout space. */
function edgeShadow(edges: HeatCell["edges"]): string | undefined {
  if (!edges) return undefined;
  const parts = [
    edges.top && `inset 0 2px 0 ${EDGE}`,
    edges.right && `inset -2px 0 0 ${EDGE}`,
    edges.bottom && `inset 0 -2px 0 ${EDGE}`,
    edges.left && `inset 2px 0 0 ${EDGE}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(", ") : undefined;
}

export interface HeatRow {
  readonly key: string;
  readonly label: ReactNode;
  readonly cells: readonly HeatCell[];
  /** Extra leading cells (e.g. cohort size), unshaded. */
  readonly lead?: readonly string[];
  /**
   * Too few customers behind the row for its shares to mean much: marked in the row header
   * and left unshaded, so one customer's purchase does not read as a dark, solid result.
   */
  readonly few?: boolean;
}

type Rgb = readonly [number, number, number];
const hex = (c: Rgb) => `#${c.map((v) => Math.round(v).toString(16).padStart(2, "0")).join("")}`;
const mix = (a: Rgb, b: Rgb, u: number): Rgb =>
  [0, 1, 2].map((i) => a[i] + (b[i] - a[i]) * u) as unknown as Rgb;

/**
 * Two bands of opaque blues so that every shade keeps its text at ≥ 4.5:1 (WCAG AA): light
 * shades (luminance 0.90 → 0.42) carry the dark text, dark shades (0.16 → 0.05) white text.
 * Every channel falls within a band, so luminance does too and the ends bound it. The
 * luminance gap between the bands is where neither text colour would reach 4.5:1.
 */
const LIGHT: readonly [Rgb, Rgb] = [
  [0xee, 0xf4, 0xfc],
  [0x8a, 0xaf, 0xe2],
];
const DARK: readonly [Rgb, Rgb] = [
  [0x3f, 0x6f, 0xb8],
  [0x0d, 0x3b, 0x80],
];
export const HEAT_TEXT_DARK = "#303030";

/** Background and text colour of a cell at `t` (0 = lightest, 1 = darkest). */
export function heatShade(t: number): { background: string; color: string } {
  const u = Math.min(1, Math.max(0, t));
  return u <= 0.5
    ? { background: hex(mix(LIGHT[0], LIGHT[1], u / 0.5)), color: HEAT_TEXT_DARK }
    : { background: hex(mix(DARK[0], DARK[1], (u - 0.5) / 0.5)), color: "#ffffff" };
}

export function HeatmapTable({
  caption,
  corner,
  leadHeaders = [],
  columns,
  rows,
  max,
  testId,
  fewMark,
}: {
  caption: string;
  corner: string;
  leadHeaders?: readonly string[];
  columns: readonly string[];
  rows: readonly HeatRow[];
  /** Value of the darkest shade; default the largest value. */
  max?: number;
  testId?: string;
  /** Shown under the header of a row with `few` customers (e.g. "fewer than 20"). */
  fewMark?: string;
}) {
  const tableRef = useRef<HTMLTableElement>(null);
  const [active, setActive] = useState<{ r: number; c: number }>({ r: 0, c: 0 });
  const [detail, setDetail] = useState<string | null>(null);
  const width = rows.reduce((w, row) => Math.max(w, row.cells.length), 0);
  const focusCell = (r: number, c: number) => {
    const row = rows[r];
    if (!row || c < 0 || c >= row.cells.length) return;
    setActive({ r, c });
    tableRef.current?.querySelector<HTMLElement>(`td[data-r="${r}"][data-c="${c}"]`)?.focus();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTableElement>) => {
    const cell = (event.target as HTMLElement).closest("td[data-r]");
    if (!cell) return;
    const r = Number(cell.getAttribute("data-r"));
    const c = Number(cell.getAttribute("data-c"));
    const last = rows.length - 1;
    const moves: Record<string, [number, number]> = {
      ArrowRight: [r, c + 1],
      ArrowLeft: [r, c - 1],
      ArrowDown: [Math.min(last, r + 1), c],
      ArrowUp: [Math.max(0, r - 1), c],
      Home: event.ctrlKey ? [0, 0] : [r, 0],
      End: event.ctrlKey ? [last, width - 1] : [r, (rows[r]?.cells.length ?? 1) - 1],
    };
    const next = moves[event.key];
    if (!next) return;
    event.preventDefault();
    focusCell(next[0], Math.min(next[1], (rows[next[0]]?.cells.length ?? 1) - 1));
  };
  const navigation = (r: number, c: number, cell: HeatCell) => ({
    "data-r": r,
    "data-c": c,
    tabIndex: active.r === r && active.c === c ? 0 : -1,
    onFocus: () => {
      setActive({ r, c });
      setDetail(cell.title ?? cell.text);
    },
    onBlur: () => setDetail(null),
  });
  let top = max ?? 0;
  if (max === undefined) {
    for (const row of rows)
      for (const c of row.cells) if (c.value !== null) top = Math.max(top, c.value);
  }
  return (
    <div className="kz-table-wrap">
      <table
        ref={tableRef}
        role="grid"
        aria-readonly="true"
        onKeyDown={onKeyDown}
        className={
          rows.some((r) => r.cells.some((c) => c.edges)) ? "kz-heatmap kz-regions" : "kz-heatmap"
        }
        data-testid={testId}
      >
        <caption className="Polaris-Text--visuallyHidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{corner}</th>
            {leadHeaders.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={row.key} data-few={row.few ? "true" : undefined}>
              <th scope="row">
                {row.label}
                {row.few && fewMark !== undefined && (
                  <small className="kz-few-mark">{fewMark}</small>
                )}
              </th>
              {row.lead?.map((text, i) => (
                <td key={`lead-${i}`} className="kz-plain">
                  {text}
                </td>
              ))}
              {row.cells.map((cell, i) => {
                if (cell.value === null) {
                  return (
                    <td
                      key={i}
                      className="kz-empty"
                      title={cell.title}
                      data-testid={cell.testId}
                      {...navigation(r, i, cell)}
                    >
                      {cell.text}
                    </td>
                  );
                }
                const t = top > 0 ? Math.min(1, Math.max(0, cell.value / top)) : 0;
                return (
                  <td
                    key={i}
                    title={cell.title}
                    data-testid={cell.testId}
                    {...navigation(r, i, cell)}
                    className={cell.partial ? "kz-partial" : row.few ? "kz-few" : undefined}
                    data-partial={cell.partial ? "true" : undefined}
                    style={
                      cell.partial || row.few
                        ? { boxShadow: edgeShadow(cell.edges) }
                        : { ...heatShade(t), boxShadow: edgeShadow(cell.edges) }
                    }
                  >
                    {cell.caption !== undefined && <em className="kz-caption">{cell.caption}</em>}
                    <span className="kz-value">{cell.text}</span>
                    {cell.sub !== undefined && <small>{cell.sub}</small>}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="kz-heat-detail" aria-live="polite" data-testid={testId && `${testId}-detail`}>
        {detail ?? ""}
      </p>
    </div>
  );
}
