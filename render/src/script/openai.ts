// Any OpenAI-compatible chat API (OPENAI_BASE_URL), with JSON-schema structured output.

import type { VideoScript } from '@ytempire/contract'
import type OpenAI from 'openai'
import { sdkFailure } from '../errors'
import { SCRIPT_JSON_SCHEMA, type ScriptRequest, type ScriptResult, type ScriptWriter, validateScript } from './script'

export class OpenAIScriptWriter implements ScriptWriter {
  readonly name = 'openai'

  constructor(
    private readonly client: OpenAI,
    private readonly model: string,
  ) {}

  async write(req: ScriptRequest): Promise<ScriptResult> {
    const words = Math.round(req.targetSeconds * 2.6)
    const completion = await this.client.chat.completions
      .create(
        {
          model: this.model,
          messages: [
            {
              role: 'system',
              content:
                'You write scripts for short faceless YouTube videos. Narration is spoken by a text-to-speech voice: ' +
                'plain sentences, no stage directions, no emojis. Keywords are concrete things a stock-footage search can find.',
            },
            {
              role: 'user',
              content: `${subject(req)}\nLanguage: ${req.language}\nLength: about ${req.targetSeconds} seconds (~${words} words of narration in total), 5-8 scenes.`,
            },
          ],
          response_format: { type: 'json_schema', json_schema: { name: 'video_script', strict: true, schema: SCRIPT_JSON_SCHEMA } },
        },
        { signal: req.signal },
      )
      .catch((err) => {
        throw sdkFailure('openai', err)
      })
    const message = completion.choices[0]?.message
    if (!message?.content) throw new Error(`model returned no content${message?.refusal ? `: ${message.refusal}` : ''}`)
    // A malformed answer is the model's fault, not the job's: retryable.
    let script: VideoScript
    try {
      script = validateScript(JSON.parse(message.content))
    } catch (err) {
      throw new Error(`model returned an unusable script: ${(err as Error).message}`, { cause: err })
    }
    return {
      script,
      usage: {
        model: completion.model || this.model,
        inputTokens: completion.usage?.prompt_tokens ?? 0,
        outputTokens: completion.usage?.completion_tokens ?? 0,
      },
    }
  }
}

/** A topic, or (with earlier titles to avoid) a channel's niche to pick a new subject from. */
function subject(req: ScriptRequest): string {
  if (!req.avoidTitles?.length) return `Topic: ${req.topic}`
  return (
    `Channel niche: ${req.topic}\nChoose one specific subject within this niche that the channel has not covered yet, and write about it.\n` +
    `Earlier titles of the channel (do not repeat or closely paraphrase any of them):\n${req.avoidTitles.map((t) => `- ${t}`).join('\n')}`
  )
}
