// What the owner of a video is told about a failure. Error messages may carry facts of our own
// machines (tool logs name temp paths; storage paths); those stay in the logs, with the full error.

/** The error's message with every path under one of `hidden` (scratch, local storage) cut to its file name. */
export function userReason(err: Error, hidden: readonly string[]): string {
  let reason = err.message
  for (const root of hidden) {
    if (!root) continue
    const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    reason = reason.replace(new RegExp(`${escaped}/(?:[^\\s'"]*/)?([^\\s/'"]*)`, 'g'), '$1')
  }
  return reason
}
