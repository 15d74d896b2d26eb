// Runs a command with its output shown live and also kept, for the test runners that read the
// counts a test tool prints (scripts/test.ts, web/test/run.ts).
export async function runTeed(
  cmd: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<{ out: string; code: number }> {
  const proc = Bun.spawn(cmd, { ...options, stdout: 'pipe', stderr: 'pipe' })
  let out = ''
  const pump = async (stream: ReadableStream<Uint8Array>, sink: NodeJS.WriteStream) => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) {
      const text = decoder.decode(chunk)
      out += text
      sink.write(text)
    }
  }
  await Promise.all([pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr)])
  return { out, code: await proc.exited }
}

/** The counts `bun test` ends with ("  12 pass", "  1 fail"). */
export const bunTestCounts = (out: string) => ({
  passed: Number(out.match(/^\s*(\d+) pass$/m)?.[1] ?? 0),
  failed: Number(out.match(/^\s*(\d+) fail$/m)?.[1] ?? 0),
})
