// Script writers: turn a topic into a VideoScript. Without one configured, jobs must carry a script.
import type { VideoScript } from '@ytempire/contract'
import type { Storage } from '@ytempire/storage'
import { InvalidInputError } from '../errors'

export interface ScriptRequest {
  /** the subject, or with `avoidTitles` the channel's niche to pick a new subject from */
  topic: string
  targetSeconds: number
  language: string
  /** earlier titles of the channel, none of which the new script may repeat */
  avoidTitles?: string[]
  signal: AbortSignal
}

export interface ScriptResult {
  script: VideoScript
  usage: { model: string; inputTokens: number; outputTokens: number }
}

export interface ScriptWriter {
  readonly name: string
  write(req: ScriptRequest): Promise<ScriptResult>
}

/** JSON schema for structured output (strict mode: every property required, no extras). */
export const SCRIPT_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'description', 'tags', 'scenes'],
  properties: {
    title: { type: 'string', description: 'YouTube title, at most 90 characters' },
    description: { type: 'string', description: 'YouTube description, 1-3 sentences' },
    tags: { type: 'array', items: { type: 'string' }, description: '5-12 search tags' },
    scenes: {
      type: 'array',
      description: 'the video in order, 5-8 scenes',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['narration', 'keywords'],
        properties: {
          narration: { type: 'string', description: 'what the voice says in this scene, 1-3 sentences' },
          keywords: { type: 'array', items: { type: 'string' }, description: '1-3 concrete visual search terms' },
        },
      },
    },
  },
} as const

const MAX_SCENES = 30
const MAX_NARRATION = 2000

/** Checks a script from a job or a model; a bad one is a permanent error. */
export function validateScript(input: unknown): VideoScript {
  const fail = (why: string): never => {
    throw new InvalidInputError(`invalid script: ${why}`)
  }
  if (!input || typeof input !== 'object') fail('not an object')
  const s = input as Record<string, unknown>
  if (typeof s.title !== 'string' || !s.title.trim()) fail('title missing')
  if (typeof s.description !== 'string') fail('description missing')
  if (!Array.isArray(s.tags) || s.tags.some((t) => typeof t !== 'string')) fail('tags must be strings')
  if (!Array.isArray(s.scenes) || s.scenes.length === 0) fail('no scenes')
  const scenes = s.scenes as unknown[]
  if (scenes.length > MAX_SCENES) fail(`more than ${MAX_SCENES} scenes`)
  const clean = scenes.map((raw, i) => {
    const scene = raw as Record<string, unknown>
    if (!scene || typeof scene.narration !== 'string' || !/[\p{L}\p{N}]/u.test(scene.narration)) fail(`scene ${i + 1} has no narration`)
    if ((scene.narration as string).length > MAX_NARRATION) fail(`scene ${i + 1} narration too long`)
    const keywords = Array.isArray(scene.keywords)
      ? scene.keywords.filter((k): k is string => typeof k === 'string' && k.trim() !== '')
      : []
    return { narration: (scene.narration as string).trim(), keywords: keywords.map((k) => k.trim()).slice(0, 5) }
  })
  return {
    title: (s.title as string).trim().slice(0, 100),
    description: s.description as string,
    tags: (s.tags as string[]).slice(0, 30),
    scenes: clean,
  }
}

/** The script the script stage stored (already validated then). */
export async function loadScript(storage: Storage, key: string): Promise<VideoScript> {
  return JSON.parse(new TextDecoder().decode(await storage.get(key))) as VideoScript
}
