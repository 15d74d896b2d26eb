// The seed's headers themselves are in @ytempire/contract (SECURITY_HEADERS), shared with the edge.

// Swagger UI loads its script and styles from a CDN; only that page gets a wider policy.
export const SWAGGER_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:"
