/**
 * The ja/en names of the default channel keys (analytics/channels.ts DEFAULT_CHANNEL_RULES):
 * the pages show them, and the compute accepts them as spend channel names, so a spend row
 * "Google 広告" or "Google Ads" counts for google_ads.
 */
import { DEFAULT_CHANNEL_RULES, normaliseAttribution } from "./analytics/channels";
import { enMessages } from "./messages/en";
import { jaMessages } from "./messages/ja";

const DEFAULT_KEYS = [
  ...new Set([
    ...DEFAULT_CHANNEL_RULES.rules.map((r) => r.channel),
    DEFAULT_CHANNEL_RULES.fallback.channel,
  ]),
];

/** The message key of a default channel's name, or null for a merchant's own key. */
export function channelMessageKey(key: string): `channel.${string}` | null {
  return DEFAULT_KEYS.includes(key) ? `channel.${key}` : null;
}

/** Normalised ja/en names → channel key, for matching spend rows (acquisition.ts). */
export function defaultChannelAliases(): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const key of DEFAULT_KEYS) {
    for (const messages of [enMessages, jaMessages] as Record<string, unknown>[]) {
      const name = messages[`channel.${key}`];
      if (typeof name === "string") aliases.set(normaliseAttribution(name), key);
    }
  }
  return aliases;
}
