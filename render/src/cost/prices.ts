// Every price the workers charge, in one table (USD). The core stores the resulting cost items.

/** per 1M tokens */
export const LLM_PRICES: Record<string, { input: number; output: number }> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1': { input: 2, output: 8 },
  default: { input: 1, output: 4 },
}

/** per character */
export const TTS_PRICES: Record<string, number> = {
  espeak: 0,
  'openai:tts-1': 15 / 1e6,
  'openai:tts-1-hd': 30 / 1e6,
  'openai:gpt-4o-mini-tts': 12 / 1e6,
  elevenlabs: 0.3 / 1000,
  default: 15 / 1e6,
}

/** compute: per CPU second (libx264, all other ffmpeg work) and per GPU second (NVENC renders) */
export const COMPUTE_PRICES = { cpuSecond: 0.000012, gpuSecond: 0.0008 }

/** storage: per byte-month (= $0.023 per GB-month) */
export const STORAGE_PRICE_PER_BYTE_MONTH = 0.023 / 1024 ** 3
