import { ASPECT_SIZE, type Aspect } from '@ytempire/contract'

/** The frame size of an aspect at `scale` (tests render small), in even pixels as H.264 4:2:0 needs. */
export function outputSize(aspect: Aspect, scale: number): { width: number; height: number } {
  const even = (n: number) => Math.max(2, 2 * Math.round(n / 2))
  const { width, height } = ASPECT_SIZE[aspect]
  return { width: even(width * scale), height: even(height * scale) }
}
