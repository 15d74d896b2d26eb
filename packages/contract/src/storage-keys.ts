// Where files live in the artifact store, by owner: erasing an account is two prefixes, deleting a
// video (or each video of a channel) one. The workers write there; the core serves and erases.

/** Every file of every video of a user. */
export const userVideosPrefix = (userId: string) => `videos/${userId}/`

/** The files of one video: script, voice, scenes, the MP4, captions, thumbnail. */
export const videoPrefix = (userId: string, videoId: string) => `${userVideosPrefix(userId)}${videoId}/`

/** A user's own media (POST /v1/uploads); a job may use only its own user's. */
export const uploadsPrefix = (userId: string) => `uploads/${userId}/`
