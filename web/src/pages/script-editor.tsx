// A script edited scene by scene: narration and the keywords that pick each scene's picture.
import type { Problem } from '../api/problem'
import type { Scene } from '../api/types'
import { TextField } from '../ui/forms'

export interface ScenesDraft {
  description: string
  tags: string
  scenes: { narration: string; keywords: string }[]
}

export const emptyScene = () => ({ narration: '', keywords: '' })

/** The draft as the core's Script (keywords and tags are typed comma-separated). */
export function draftToScript(title: string, d: ScenesDraft) {
  const list = (s: string) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)
  return {
    title: title.trim(),
    description: d.description.trim(),
    tags: list(d.tags),
    scenes: d.scenes.map((s): Scene => ({ narration: s.narration.trim(), keywords: list(s.keywords) })),
  }
}

export function scriptToDraft(s: { description: string; tags: string[]; scenes: Scene[] }): ScenesDraft {
  return {
    description: s.description,
    tags: s.tags.join(', '),
    scenes: s.scenes.map((x) => ({ narration: x.narration, keywords: x.keywords.join(', ') })),
  }
}

export function SceneEditor({ draft, onChange, problem }: { draft: ScenesDraft; onChange: (d: ScenesDraft) => void; problem?: Problem }) {
  const setScene = (i: number, patch: Partial<ScenesDraft['scenes'][number]>) =>
    onChange({ ...draft, scenes: draft.scenes.map((s, j) => (j === i ? { ...s, ...patch } : s)) })
  const move = (i: number, by: -1 | 1) => {
    const scenes = [...draft.scenes]
    const [s] = scenes.splice(i, 1)
    scenes.splice(i + by, 0, s!)
    onChange({ ...draft, scenes })
  }
  return (
    <div className="scene-editor">
      <TextField
        label="Description"
        name="script.description"
        problem={problem}
        rows={2}
        maxLength={5000}
        value={draft.description}
        onValue={(description) => onChange({ ...draft, description })}
      />
      <TextField
        label="Tags"
        name="script.tags"
        problem={problem}
        hint="Comma-separated"
        value={draft.tags}
        onValue={(tags) => onChange({ ...draft, tags })}
      />
      <ol className="scenes">
        {draft.scenes.map((s, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: scenes have no identity but their place
          <li key={i} className="scene">
            <div className="scene-head">
              <h3>Scene {i + 1}</h3>
              <div className="scene-actions">
                <button
                  type="button"
                  className="button small"
                  disabled={i === 0}
                  onClick={() => move(i, -1)}
                  aria-label={`Move scene ${i + 1} up`}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="button small"
                  disabled={i === draft.scenes.length - 1}
                  onClick={() => move(i, 1)}
                  aria-label={`Move scene ${i + 1} down`}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="button small danger"
                  disabled={draft.scenes.length === 1}
                  onClick={() => onChange({ ...draft, scenes: draft.scenes.filter((_, j) => j !== i) })}
                  aria-label={`Remove scene ${i + 1}`}
                >
                  Remove
                </button>
              </div>
            </div>
            <TextField
              label="Narration"
              name={`script.scenes.${i}.narration`}
              problem={problem}
              rows={3}
              maxLength={2000}
              value={s.narration}
              onValue={(narration) => setScene(i, { narration })}
            />
            <TextField
              label="Keywords"
              name={`script.scenes.${i}.keywords`}
              problem={problem}
              hint="Comma-separated; they pick the picture"
              value={s.keywords}
              onValue={(keywords) => setScene(i, { keywords })}
            />
          </li>
        ))}
      </ol>
      <button
        type="button"
        className="button"
        disabled={draft.scenes.length >= 60}
        onClick={() => onChange({ ...draft, scenes: [...draft.scenes, emptyScene()] })}
      >
        Add scene
      </button>
    </div>
  )
}
