import { expect, test } from 'bun:test'
import { scriptFromText } from '@ytempire/core/plain-script'
import { draftToScript, scriptToDraft } from '../../src/pages/script-editor'

test('text split by the core’s splitter becomes an editable draft and back, unchanged', () => {
  const script = scriptFromText('Honey never spoils.\n\nBananas are berries, but strawberries are not.', { title: 'Food facts' })
  const draft = scriptToDraft(script)
  expect(draft.scenes[0]).toEqual({ narration: 'Honey never spoils.', keywords: script.scenes[0]!.keywords.join(', ') })
  expect(draftToScript('Food facts', draft)).toEqual(script)
})

test('keywords and tags typed comma-separated are trimmed, empty ones dropped', () => {
  const s = draftToScript(' T ', { description: ' d ', tags: 'a, ,b', scenes: [{ narration: ' n ', keywords: ' x ,y,, ' }] })
  expect(s).toEqual({ title: 'T', description: 'd', tags: ['a', 'b'], scenes: [{ narration: 'n', keywords: ['x', 'y'] }] })
})
