import { useMemo } from 'react'
import { encode } from 'uqr'

// ISO/IEC 18004 asks for four light modules around the symbol; many scanners miss a code without them.
const QUIET_ZONE = 4

/**
 * A QR code as inline SVG: one path of its dark modules, drawn with presentation attributes, so the page's
 * CSP (no data: images, no inline styles) has nothing to allow. Error correction M, as authenticator apps expect.
 */
export function QrCode({ value, label, size = 192 }: { value: string; label: string; size?: number }) {
  const { modules, path } = useMemo(() => {
    const qr = encode(value, { ecc: 'M', border: 0 })
    return { modules: qr.size, path: darkModules(qr.data) }
  }, [value])
  const span = modules + 2 * QUIET_ZONE
  return (
    <svg
      className="qr"
      role="img"
      aria-label={label}
      viewBox={`${-QUIET_ZONE} ${-QUIET_ZONE} ${span} ${span}`}
      width={size}
      height={size}
      shapeRendering="crispEdges"
    >
      <rect x={-QUIET_ZONE} y={-QUIET_ZONE} width={span} height={span} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  )
}

/** One closed subpath per horizontal run of dark modules (a fraction of the markup of a rect per module). */
function darkModules(rows: boolean[][]): string {
  let d = ''
  rows.forEach((row, y) => {
    for (let x = 0; x < row.length; x++) {
      if (!row[x]) continue
      const start = x
      while (row[x + 1]) x++
      d += `M${start} ${y}h${x - start + 1}v1H${start}z`
    }
  })
  return d
}
