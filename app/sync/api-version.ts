import { ApiVersion } from "@shopify/shopify-api";

/** The Admin API version of Kizuna's code, its operations and shopify.app.toml's webhooks. */
export const API_VERSION = ApiVersion.October26;
