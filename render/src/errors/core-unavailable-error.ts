/** The core did not answer a publish job (down, restarting): retried, and the upload resumes where it stood. */
export class CoreUnavailableError extends Error {
  override name = 'CoreUnavailableError'
}
