/**
 * The largest webhook body the intake (webhooks.server.ts) reads: a larger one is refused
 * with 413, a declared larger Content-Length unread, and a body without one is never
 * buffered past the limit. Far above any real payload (an order with hundreds of line
 * items is well under 1 MB), far below what would hurt a web process.
 */
export const MAX_WEBHOOK_BODY_BYTES = 5 * 1024 * 1024;
