// Advance widths from a TrueType font file, so a title can be wrapped and sized to what the font
// really draws (a "W" is three times an "i"). Reads the cmap (format 4), hhea, head and hmtx tables.

export interface FontMetrics {
  /** width of `text` in pixels at `fontSize` */
  width(text: string, fontSize: number): number
}

const cache = new Map<string, FontMetrics>()

/** The font's metrics, or an average-width estimate when the file cannot be read as TrueType. */
export async function fontMetrics(path: string): Promise<FontMetrics> {
  let metrics = cache.get(path)
  if (!metrics) {
    try {
      metrics = parseTrueType(new DataView(await Bun.file(path).arrayBuffer()))
    } catch {
      metrics = { width: (text, size) => [...text].length * size * 0.62 }
    }
    cache.set(path, metrics)
  }
  return metrics
}

function parseTrueType(view: DataView): FontMetrics {
  const tables = new Map<string, number>()
  const numTables = view.getUint16(4)
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + i * 16
    const tag = String.fromCharCode(view.getUint8(rec), view.getUint8(rec + 1), view.getUint8(rec + 2), view.getUint8(rec + 3))
    tables.set(tag, view.getUint32(rec + 8))
  }
  const table = (tag: string) => {
    const at = tables.get(tag)
    if (at === undefined) throw new Error(`no ${tag} table`)
    return at
  }
  const unitsPerEm = view.getUint16(table('head') + 18)
  const numberOfHMetrics = view.getUint16(table('hhea') + 34)
  const hmtx = table('hmtx')
  const advance = (glyph: number) => view.getUint16(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1))

  // cmap: the Unicode BMP subtable (platform 3 encoding 1, or platform 0), format 4.
  const cmap = table('cmap')
  let sub: number | undefined
  for (let i = 0; i < view.getUint16(cmap + 2); i++) {
    const rec = cmap + 4 + i * 8
    const platform = view.getUint16(rec)
    const encoding = view.getUint16(rec + 2)
    const offset = cmap + view.getUint32(rec + 4)
    if (view.getUint16(offset) === 4 && ((platform === 3 && encoding === 1) || platform === 0)) sub = offset
  }
  if (sub === undefined) throw new Error('no format 4 cmap')
  const segX2 = view.getUint16(sub + 6)
  const ends = sub + 14
  const starts = ends + segX2 + 2
  const deltas = starts + segX2
  const rangeOffsets = deltas + segX2
  const glyphOf = (code: number): number => {
    for (let i = 0; i < segX2; i += 2) {
      if (code > view.getUint16(ends + i)) continue
      const start = view.getUint16(starts + i)
      if (code < start) return 0
      const delta = view.getInt16(deltas + i)
      const ro = view.getUint16(rangeOffsets + i)
      if (ro === 0) return (code + delta) & 0xffff
      const g = view.getUint16(rangeOffsets + i + ro + 2 * (code - start))
      return g === 0 ? 0 : (g + delta) & 0xffff
    }
    return 0
  }
  const widths = new Map<number, number>()
  return {
    width(text, fontSize) {
      let units = 0
      for (const ch of text) {
        const code = ch.codePointAt(0)!
        let w = widths.get(code)
        if (w === undefined) {
          w = advance(code > 0xffff ? 0 : glyphOf(code))
          widths.set(code, w)
        }
        units += w
      }
      return (units / unitsPerEm) * fontSize
    },
  }
}
