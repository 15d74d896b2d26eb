import type { CostItem, CostKind, CostUnit, Stage } from '@ytempire/contract'
import { COMPUTE_PRICES, LLM_PRICES, STORAGE_PRICE_PER_BYTE_MONTH, TTS_PRICES } from './prices'

const round = (usd: number) => Math.round(usd * 1e8) / 1e8

/** One line of the ledger: a quantity of something at a unit price. */
function costLine(stage: Stage, kind: CostKind, item: string, quantity: number, unit: CostUnit, unitPriceUsd: number): CostItem {
  return { stage, kind, item, quantity, unit, unitPriceUsd, amountUsd: round(quantity * unitPriceUsd) }
}

export function llmCost(stage: Stage, model: string, inputTokens: number, outputTokens: number): CostItem[] {
  const price = LLM_PRICES[model] ?? LLM_PRICES.default!
  return [
    costLine(stage, 'llm_tokens', `${model}:input`, inputTokens, 'token', price.input / 1e6),
    costLine(stage, 'llm_tokens', `${model}:output`, outputTokens, 'token', price.output / 1e6),
  ]
}

export function ttsCost(stage: Stage, priceKey: string, characters: number): CostItem {
  return costLine(stage, 'tts_characters', priceKey, characters, 'character', TTS_PRICES[priceKey] ?? TTS_PRICES.default!)
}

export function computeCost(stage: Stage, item: string, seconds: number, gpu: boolean): CostItem {
  const quantity = Math.round(seconds * 1000) / 1000
  const [unit, price] = gpu ? (['gpu_second', COMPUTE_PRICES.gpuSecond] as const) : (['cpu_second', COMPUTE_PRICES.cpuSecond] as const)
  return costLine(stage, 'render_seconds', item, quantity, unit, price)
}

/** One month of keeping the `bytes` stored under `key` (the line's ref: a re-run replacing the file replaces the line). */
export function storageCost(stage: Stage, bytes: number, key: string): CostItem {
  return { ...costLine(stage, 'storage_bytes', 'storage', bytes, 'byte_month', STORAGE_PRICE_PER_BYTE_MONTH), ref: key }
}
