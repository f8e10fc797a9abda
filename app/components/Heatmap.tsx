/**
 * A heatmap as a plain table on Polaris tokens: each cell's shade follows its value, the
 * text stays readable (and selectable, and read out by screen readers) unlike a canvas.
 */
import type { ReactNode } from "react";

export interface HeatCell {
  /** Drives the shade; null = an empty cell. */
  readonly value: number | null;
  readonly text: string;
  readonly sub?: string;
  readonly title?: string;
  readonly testId?: string;
  /** A small caption above the value (e.g. the name of the region the cell starts). */
  readonly caption?: string;
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
}

const RGB = "44, 110, 203";

export function HeatmapTable({
  caption,
  corner,
  leadHeaders = [],
  columns,
  rows,
  max,
  testId,
}: {
  caption: string;
  corner: string;
  leadHeaders?: readonly string[];
  columns: readonly string[];
  rows: readonly HeatRow[];
  /** Value of the darkest shade; default the largest value. */
  max?: number;
  testId?: string;
}) {
  let top = max ?? 0;
  if (max === undefined) {
    for (const row of rows)
      for (const c of row.cells) if (c.value !== null) top = Math.max(top, c.value);
  }
  return (
    <div className="kz-table-wrap">
      <table
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
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.label}</th>
              {row.lead?.map((text, i) => (
                <td key={`lead-${i}`} className="kz-plain">
                  {text}
                </td>
              ))}
              {row.cells.map((cell, i) => {
                if (cell.value === null) {
                  return (
                    <td key={i} className="kz-empty" title={cell.title} data-testid={cell.testId}>
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
                    style={{
                      background: `rgba(${RGB}, ${(0.06 + 0.84 * t).toFixed(3)})`,
                      color: t > 0.55 ? "#fff" : "var(--p-color-text)",
                      boxShadow: edgeShadow(cell.edges),
                    }}
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
    </div>
  );
}
