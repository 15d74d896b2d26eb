// Charts with uPlot (small, fast, canvas; its styles come from its own CSS file, so the page's
// default-src 'self' policy holds). A chart is drawn for the eye and aria-hidden; the numbers it shows
// are always in a table beside it for screen readers and small screens.
import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface BarSeries {
  label: string
  values: number[]
  color: string
}

const HEIGHT = 220
const widthOf = (el: HTMLElement) => Math.max(200, el.clientWidth)

/** Draws a plot into `el`, as wide as `el` while it resizes; returns what removes it (an effect's cleanup). */
function mount(el: HTMLElement, options: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData): () => void {
  const plot = new uPlot({ ...options, width: widthOf(el), height: HEIGHT }, data, el)
  const resize = new ResizeObserver(() => plot.setSize({ width: widthOf(el), height: HEIGHT }))
  resize.observe(el)
  return () => {
    resize.disconnect()
    plot.destroy()
  }
}

/** Bars over categories (stages, cost kinds, months). */
export function BarChart({ categories, series, format }: { categories: string[]; series: BarSeries[]; format: (n: number) => string }) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = box.current
    if (!el || categories.length === 0) return
    const x = categories.map((_, i) => i)
    const bars = uPlot.paths.bars!({ size: [0.6, 64], gap: 2 })
    return mount(
      el,
      {
        legend: { show: series.length > 1 },
        cursor: { show: false },
        scales: {
          x: { time: false, range: [-0.5, categories.length - 0.5] },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [
          { values: (_u, splits) => splits.map((i) => categories[i] ?? ''), splits: () => x, gap: 4, stroke: '#51606f' },
          {
            values: (_u, splits) => splits.map(format),
            // As wide as its longest label (tiny dollar amounts are long), so none is clipped.
            size: (_u, values) => Math.max(48, 16 + 7 * Math.max(0, ...(values ?? []).map((v) => String(v).length))),
            stroke: '#51606f',
            grid: { stroke: '#e3e8ee' },
          },
        ],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, fill: s.color, paths: bars, points: { show: false } }))],
      },
      [x, ...series.map((s) => s.values)],
    )
  }, [categories, series, format])
  return <div className="chart" ref={box} aria-hidden="true" />
}

export interface LineSeries {
  label: string
  values: (number | null)[]
  color: string
  /** drawn dashed (a level to compare against, such as a cost) */
  dash?: boolean
}

/** Lines over days (YYYY-MM-DD), with a legend; the cursor shows each day's values. */
export function LineChart({ days, series, format }: { days: string[]; series: LineSeries[]; format: (n: number) => string }) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = box.current
    if (!el || days.length === 0) return
    const x = days.map((d) => Date.parse(`${d}T12:00:00Z`) / 1000)
    return mount(
      el,
      {
        legend: { show: true },
        scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
        axes: [
          { stroke: '#51606f', grid: { show: false } },
          { values: (_u, splits) => splits.map(format), size: 72, stroke: '#51606f', grid: { stroke: '#e3e8ee' } },
        ],
        series: [
          { value: (_u, v) => (v == null ? '' : new Date(v * 1000).toISOString().slice(0, 10)) },
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            dash: s.dash ? [6, 4] : undefined,
            points: { show: days.length < 40 },
            value: (_u: uPlot, v: number | null) => (v == null ? '—' : format(v)),
          })),
        ],
      },
      [x, ...series.map((s) => s.values)],
    )
  }, [days, series, format])
  return <div className="chart" ref={box} aria-hidden="true" />
}
