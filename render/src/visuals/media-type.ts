// What a downloaded or uploaded file really is, by its bytes, before ffmpeg opens it: a playlist or a
// manifest served as video/mp4 would have ffmpeg follow the files and URLs it names.
import { acceptedMediaType, type MediaType } from '@ytempire/contract'
import { fileTypeFromFile } from 'file-type'
import { InvalidInputError } from '../errors'

/** What a use of media takes: a scene (a still or a clip) or a music bed (anything with sound). */
export type MediaUse = 'scene' | 'music'

const FITS: Record<MediaUse, (type: MediaType) => boolean> = {
  scene: (type) => type.startsWith('image/') || type.startsWith('video/'),
  music: (type) => type.startsWith('audio/') || type.startsWith('video/'),
}

/** The file's type when it is media of ours fit for `use`; an InvalidInputError naming `ref` otherwise. */
export async function sniffMedia(path: string, use: MediaUse, ref: string): Promise<MediaType> {
  const detected = await fileTypeFromFile(path).catch(() => undefined)
  const type = acceptedMediaType(detected?.mime)
  if (!type || !FITS[use](type))
    throw new InvalidInputError(
      `${ref} is not ${use === 'scene' ? 'an image or a video clip' : 'an audio file'} we take (its bytes say ${detected?.mime ?? 'unknown'})`,
    )
  return type
}
