import type { CostItem, Stage } from '@ytempire/contract'
import { COMPUTE_PRICES, LLM_PRICES, STORAGE_PRICE_PER_BYTE_MONTH, TTS_PRICES } from './prices'

const round = (usd: number) => Math.round(usd * 1e8) / 1e8

export function llmCost(stage: Stage, model: string, inputTokens: number, outputTokens: number): CostItem[] {
  const price = LLM_PRICES[model] ?? LLM_PRICES.default!
  return [
    {
      stage,
      kind: 'llm_tokens',
      item: `${model}:input`,
      quantity: inputTokens,
      unit: 'token',
      unitPriceUsd: price.input / 1e6,
      amountUsd: round((inputTokens * price.input) / 1e6),
    },
    {
      stage,
      kind: 'llm_tokens',
      item: `${model}:output`,
      quantity: outputTokens,
      unit: 'token',
      unitPriceUsd: price.output / 1e6,
      amountUsd: round((outputTokens * price.output) / 1e6),
    },
  ]
}

export function ttsCost(stage: Stage, priceKey: string, characters: number): CostItem {
  const unit = TTS_PRICES[priceKey] ?? TTS_PRICES.default!
  return {
    stage,
    kind: 'tts_characters',
    item: priceKey,
    quantity: characters,
    unit: 'character',
    unitPriceUsd: unit,
    amountUsd: round(characters * unit),
  }
}

export function computeCost(stage: Stage, item: string, seconds: number, gpu: boolean): CostItem {
  const unit = gpu ? COMPUTE_PRICES.gpuSecond : COMPUTE_PRICES.cpuSecond
  const quantity = Math.round(seconds * 1000) / 1000
  return {
    stage,
    kind: 'render_seconds',
    item,
    quantity,
    unit: gpu ? 'gpu_second' : 'cpu_second',
    unitPriceUsd: unit,
    amountUsd: round(quantity * unit),
  }
}

/** One month of keeping `bytes`. */
export function storageCost(stage: Stage, bytes: number): CostItem {
  return {
    stage,
    kind: 'storage_bytes',
    item: 'storage',
    quantity: bytes,
    unit: 'byte_month',
    unitPriceUsd: STORAGE_PRICE_PER_BYTE_MONTH,
    amountUsd: round(bytes * STORAGE_PRICE_PER_BYTE_MONTH),
  }
}
