// Where files live in the artifact store, by owner: erasing an account is two prefixes, deleting a
// video (or each video of a channel) one. The workers write there; the core serves and erases.

/** Every file of every video of a user. */
export const userVideosPrefix = (userId: string) => `videos/${userId}/`

/** The files of one video: script, voice, scenes, the MP4, captions, thumbnail. */
export const videoPrefix = (userId: string, videoId: string) => `${userVideosPrefix(userId)}${videoId}/`

/** A user's own media (POST /v1/uploads); a job may use only its own user's. */
export const uploadsPrefix = (userId: string) => `uploads/${userId}/`

/** The names of a video's files under its prefix: the workers write them, the core reads some back. */
export const VIDEO_FILES = {
  script: 'script.json',
  voice: 'voice.wav',
  voiceTrack: 'voice-track.json',
  video: 'video.mp4',
  captions: 'captions.ass',
  thumbnail: 'thumbnail.jpg',
} as const

/** The key of one of a video's files. */
export const videoFileKey = (userId: string, videoId: string, file: keyof typeof VIDEO_FILES) =>
  `${videoPrefix(userId, videoId)}${VIDEO_FILES[file]}`
