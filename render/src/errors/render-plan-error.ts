/** The render plan cannot be turned into ffmpeg arguments (a bug or an unusable path), not a passing fault. */
export class RenderPlanError extends Error {
  override name = 'RenderPlanError'
}
