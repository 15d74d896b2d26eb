// Every table of the app is drawn here from a list of columns, so headings, row headers and the
// right-aligned figures look and read (scope="col", scope="row") the same on every page.
import type { ReactNode, TdHTMLAttributes } from 'react'

export interface Column<T> {
  /** The heading; `<span className="sr-only">…</span>` for a column of buttons. */
  head: ReactNode
  cell: (row: T) => ReactNode
  /** Figures, aligned right. */
  num?: boolean
  /** This column names the row: its cells are `<th scope="row">`. */
  rowHeader?: boolean
  /** More attributes for one row's cell (a tooltip, an error tint). */
  attrs?: (row: T) => TdHTMLAttributes<HTMLTableCellElement>
}

export function DataTable<T>({
  columns,
  rows,
  rowKey,
  rowClass,
  caption,
  hideCaption = false,
  compact = false,
  testId,
}: {
  columns: readonly Column<T>[]
  rows: readonly T[]
  rowKey: (row: T) => string
  rowClass?: (row: T) => string | undefined
  caption?: ReactNode
  /** The caption is for screen readers only (the page says the same in a heading). */
  hideCaption?: boolean
  compact?: boolean
  testId?: string
}) {
  return (
    <div className="table-wrap">
      <table className={compact ? 'table compact' : 'table'} data-testid={testId}>
        {caption && <caption className={hideCaption ? 'sr-only' : undefined}>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a column is its place; headings may be elements
              <th key={i} scope="col" className={c.num ? 'num' : undefined}>
                {c.head}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)} className={rowClass?.(r)}>
              {columns.map((c, i) => {
                const { className, ...attrs } = c.attrs?.(r) ?? {}
                const cellClass = [c.num ? 'num' : undefined, className].filter(Boolean).join(' ') || undefined
                return c.rowHeader ? (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a column is its place
                  <th key={i} scope="row" className={cellClass}>
                    {c.cell(r)}
                  </th>
                ) : (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a column is its place
                  <td key={i} className={cellClass} {...attrs}>
                    {c.cell(r)}
                  </td>
                )
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
