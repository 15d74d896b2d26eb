// The seed's headers themselves are in @ytempire/contract (SECURITY_HEADERS), shared with the edge.

// Swagger UI loads its script and styles from a CDN; only that page gets a wider policy.
export const SWAGGER_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:"

// The web app's page: it has no inline script or style, so the seed's default-src 'self' holds as it is;
// directives that default-src does not cover are closed as well. Images may also come from YouTube's
// channel-avatar hosts (a connected channel's picture, as channels.list gives it), nothing else.
export const YOUTUBE_AVATAR_HOSTS = ['https://yt3.ggpht.com', 'https://yt3.googleusercontent.com'] as const
export const WEB_APP_CSP = `default-src 'self'; img-src 'self' ${YOUTUBE_AVATAR_HOSTS.join(' ')}; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'`
// Content-hashed assets never change under their name; the page that names them is revalidated every time.
export const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable'
export const APP_PAGE_CACHE = 'no-cache'

// bull-board's page sets inline style attributes and a <style> block (never inline scripts).
export const QUEUES_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:"
